#include "projectors/row_codec.h"

#include <stdexcept>
#include <string>

#include "events/enum_cast.h"
#include "store/errors.h"

namespace annal::internal {
namespace {

namespace fb = annal::fbs;
using flatbuffers::Offset;
using flatbuffers::String;

std::string_view View(const String* s) {
  return s ? s->string_view() : std::string_view();
}
OptView OptV(const String* s) { return s ? OptView(s->string_view()) : std::nullopt; }
OptTime OptT(flatbuffers::Optional<int64_t> t) { return t ? OptTime(*t) : std::nullopt; }
flatbuffers::Optional<int64_t> Opt(OptTime t) {
  return t ? flatbuffers::Optional<int64_t>(*t) : flatbuffers::nullopt;
}
// Strings are created one statement at a time, in field order, before the
// table: the bytes must not depend on argument evaluation order.
Offset<String> S(Builder& b, std::string_view s) { return b.CreateString(s); }
Offset<String> S(Builder& b, OptView s) {
  return s ? b.CreateString(*s) : Offset<String>();
}

template <class T>
std::string_view Finish(Builder& b, Offset<T> root) {
  b.TrackMinAlign(8);  // size a multiple of 8: see store/keys.h
  b.Finish(root);
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

}  // namespace

ActiveTaskRow Decode(const fb::ActiveTaskRow& r) {
  return {View(r.task_id()), View(r.name()),           Enum<TaskStatus>(r.status()),
          OptV(r.step()),    OptT(r.next_wake_time()), r.updated_at()};
}
QueuedTask Decode(const fb::QueuedTaskState& r) {
  return {View(r.name()), OptV(r.step())};
}
ScheduleRow Decode(const fb::ScheduleRow& r) {
  return {View(r.schedule_id()), View(r.name()),        View(r.spec()),
          OptT(r.next_run_at()), OptT(r.last_run_at()), r.missed_runs()};
}
WatcherRow Decode(const fb::WatcherRow& r) {
  WatcherRow w{View(r.watcher_id()),   View(r.name()), r.enabled(),
               OptT(r.last_tick_at()), std::nullopt,   r.suppression_count()};
  if (auto o = r.last_outcome()) w.last_outcome = Enum<TickOutcome>(*o);
  return w;
}
RuleRow Decode(const fb::RuleRow& r) {
  return {View(r.rule_id()), View(r.name()),        r.enabled(),
          r.hit_count(),     OptT(r.last_hit_at()), OptV(r.last_suppression_reason())};
}
IntegrationRow Decode(const fb::IntegrationRow& r) {
  return {View(r.integration_id()),       View(r.name()),
          Enum<Health>(r.health()),       Enum<AuthStatus>(r.auth_status()),
          OptT(r.last_success_at()),      OptV(r.last_error()),
          OptT(r.last_error_at()),        r.consecutive_failures(),
          OptT(r.rate_limit_remaining()), OptT(r.rate_limit_reset_at())};
}
ApprovalRow Decode(const fb::ApprovalRow& r) {
  return {View(r.approval_id()), View(r.task_id()), View(r.action()),
          OptV(r.context()),     r.requested_at(),  r.expires_at()};
}
QueueDepthRow Decode(const fb::QueueDepthRow& r) {
  return {r.runnable_tasks(), r.schedule_backlog(), r.tool_queue_depth()};
}
AutonomyCurrentRow Decode(const fb::AutonomyCurrentRow& r) {
  return {r.level(), OptT(r.since())};
}
AutonomyChangeRow Decode(const fb::AutonomyChangeRow& r) {
  return {r.seq(),      r.ts(),           r.from_level(),
          r.to_level(), OptV(r.reason()), OptV(r.actor())};
}
StoredAlarm Decode(const fb::AlarmRow& r) {
  return {{View(r.alarm_id()), Enum<Severity>(r.severity()), View(r.source()),
           View(r.message()), Enum<AlarmState>(r.state()), r.raised_at(),
           OptT(r.acked_at()), OptT(r.resolved_at())},
          r.resolved_seq()};
}

std::string_view Encode(Builder& b, const ActiveTaskRow& r) {
  b.Clear();
  auto id = S(b, r.task_id);
  auto name = S(b, r.name);
  auto step = S(b, r.step);
  return Finish(b, fb::CreateActiveTaskRow(b, id, name, Enum<fb::TaskStatus>(r.status),
                                           step, Opt(r.next_wake_time), r.updated_at));
}
std::string_view Encode(Builder& b, const QueuedTask& r) {
  b.Clear();
  auto name = S(b, r.name);
  auto step = S(b, r.step);
  return Finish(b, fb::CreateQueuedTaskState(b, name, step));
}
std::string_view Encode(Builder& b, const ScheduleRow& r) {
  b.Clear();
  auto id = S(b, r.schedule_id);
  auto name = S(b, r.name);
  auto spec = S(b, r.spec);
  return Finish(b, fb::CreateScheduleRow(b, id, name, spec, Opt(r.next_run_at),
                                         Opt(r.last_run_at), r.missed_runs));
}
std::string_view Encode(Builder& b, const WatcherRow& r) {
  b.Clear();
  auto id = S(b, r.watcher_id);
  auto name = S(b, r.name);
  flatbuffers::Optional<fb::TickOutcome> outcome = flatbuffers::nullopt;
  if (r.last_outcome) outcome = Enum<fb::TickOutcome>(*r.last_outcome);
  return Finish(b, fb::CreateWatcherRow(b, id, name, r.enabled, Opt(r.last_tick_at),
                                        outcome, r.suppression_count));
}
std::string_view Encode(Builder& b, const RuleRow& r) {
  b.Clear();
  auto id = S(b, r.rule_id);
  auto name = S(b, r.name);
  auto reason = S(b, r.last_suppression_reason);
  return Finish(b, fb::CreateRuleRow(b, id, name, r.enabled, r.hit_count,
                                     Opt(r.last_hit_at), reason));
}
std::string_view Encode(Builder& b, const IntegrationRow& r) {
  b.Clear();
  auto id = S(b, r.integration_id);
  auto name = S(b, r.name);
  auto error = S(b, r.last_error);
  return Finish(
      b, fb::CreateIntegrationRow(
             b, id, name, Enum<fb::Health>(r.health), Enum<fb::AuthStatus>(r.auth_status),
             Opt(r.last_success_at), error, Opt(r.last_error_at), r.consecutive_failures,
             Opt(r.rate_limit_remaining), Opt(r.rate_limit_reset_at)));
}
std::string_view Encode(Builder& b, const ApprovalRow& r) {
  b.Clear();
  auto id = S(b, r.approval_id);
  auto task = S(b, r.task_id);
  auto action = S(b, r.action);
  auto context = S(b, r.context);
  return Finish(b, fb::CreateApprovalRow(b, id, task, action, context, r.requested_at,
                                         r.expires_at));
}
std::string_view Encode(Builder& b, const QueueDepthRow& r) {
  b.Clear();
  return Finish(b, fb::CreateQueueDepthRow(b, r.runnable_tasks, r.schedule_backlog,
                                           r.tool_queue_depth));
}
std::string_view Encode(Builder& b, const AutonomyCurrentRow& r) {
  b.Clear();
  return Finish(
      b, fb::CreateAutonomyCurrentRow(b, static_cast<uint8_t>(r.level), Opt(r.since)));
}
std::string_view Encode(Builder& b, const AutonomyChangeRow& r) {
  b.Clear();
  auto reason = S(b, r.reason);
  auto actor = S(b, r.actor);
  return Finish(
      b, fb::CreateAutonomyChangeRow(b, r.seq, r.ts, static_cast<uint8_t>(r.from_level),
                                     static_cast<uint8_t>(r.to_level), reason, actor));
}
std::string_view Encode(Builder& b, const StoredAlarm& a) {
  b.Clear();
  const AlarmRow& r = a.row;
  auto id = S(b, r.alarm_id);
  auto source = S(b, r.source);
  auto message = S(b, r.message);
  return Finish(
      b, fb::CreateAlarmRow(b, id, Enum<fb::Severity>(r.severity), source, message,
                            Enum<fb::AlarmState>(r.state), r.raised_at, Opt(r.acked_at),
                            Opt(r.resolved_at), a.resolved_seq));
}

}  // namespace annal::internal
