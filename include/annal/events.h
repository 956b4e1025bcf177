// annal/events.h: the typed events an embedder appends to the audit log.
//
// One struct per event type of the domain (docs/events.md). Build them with
// designated initializers and hand a batch to Engine::Append:
//
//   annal::Event e = annal::TaskCreated{.task_id = "t1", .name = "backup"};
//   e.actor = "scheduler";
//
// Plain values with no hidden state: safe to build and copy on any thread.
// Each struct lists its fields once, through Fields(), in the order the JSONL
// codec prints them; `kType` is its name on the wire. A `bool` field is
// optional on the wire and keeps its default when absent. Event types of
// your own are declared in the store (EventTypeDeclared) and appended as
// DeclaredEvent, whose fields are values by name:
//
//   annal::Event d = annal::EventTypeDeclared{"budget.exceeded", 1, "amount:float"};
//   annal::Event e = annal::DeclaredEvent{"budget.exceeded", {{"amount", 12.5}}};
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "annal/declared_events.h"
#include "annal/export.h"

namespace annal {

enum class TaskStatus : uint8_t {
  kQueued,
  kRunning,
  kPaused,
  kSucceeded,
  kFailed,
  kCancelled
};
enum class CallOutcome : uint8_t { kOk, kError };
enum class TickOutcome : uint8_t { kFired, kQuiet, kSuppressed, kError };
enum class AuthStatus : uint8_t { kUnknown, kOk, kExpired, kRevoked };
enum class Severity : uint8_t { kInfo, kWarning, kCritical };

// Wire names of each enum, indexed by the enumerator's value.
template <class E>
struct EnumNames;
template <>
struct EnumNames<TaskStatus> {
  static constexpr std::array<std::string_view, 6> kNames = {
      "queued", "running", "paused", "succeeded", "failed", "cancelled"};
};
template <>
struct EnumNames<CallOutcome> {
  static constexpr std::array<std::string_view, 2> kNames = {"ok", "error"};
};
template <>
struct EnumNames<TickOutcome> {
  static constexpr std::array<std::string_view, 4> kNames = {"fired", "quiet",
                                                             "suppressed", "error"};
};
template <>
struct EnumNames<AuthStatus> {
  static constexpr std::array<std::string_view, 4> kNames = {"unknown", "ok", "expired",
                                                             "revoked"};
};
template <>
struct EnumNames<Severity> {
  static constexpr std::array<std::string_view, 3> kNames = {"info", "warning",
                                                             "critical"};
};

template <class E>
constexpr std::string_view NameOf(E value) {
  return EnumNames<E>::kNames[static_cast<size_t>(value)];
}
inline bool IsTerminal(TaskStatus s) { return s >= TaskStatus::kSucceeded; }

using OptString = std::optional<std::string>;
using OptTime = std::optional<int64_t>;

// Fields() is written once per struct for const and non-const use alike.
#define ANNAL_EVENT(STRUCT, NAME)                 \
  static constexpr std::string_view kType = NAME; \
  bool operator==(const STRUCT&) const = default; \
  template <class Self, class F>                  \
  static void Fields(Self& s, F&& f)

struct TaskCreated {
  std::string task_id, name;
  OptString step;
  ANNAL_EVENT(TaskCreated, "task_created") {
    f("task_id", s.task_id), f("name", s.name), f("step", s.step);
  }
};
struct TaskStatusChanged {
  std::string task_id;
  TaskStatus status{};
  OptString step;
  OptTime next_wake_time;
  ANNAL_EVENT(TaskStatusChanged, "task_status_changed") {
    f("task_id", s.task_id), f("status", s.status), f("step", s.step),
        f("next_wake_time", s.next_wake_time);
  }
};
struct TaskStepAdvanced {
  std::string task_id, step;
  ANNAL_EVENT(TaskStepAdvanced, "task_step_advanced") {
    f("task_id", s.task_id), f("step", s.step);
  }
};
struct ScheduleCreated {
  std::string schedule_id, name, spec;
  bool enabled = true;
  OptTime next_run_at;
  ANNAL_EVENT(ScheduleCreated, "schedule_created") {
    f("schedule_id", s.schedule_id), f("name", s.name), f("spec", s.spec),
        f("enabled", s.enabled), f("next_run_at", s.next_run_at);
  }
};
struct ScheduleEnabled {
  std::string schedule_id;
  ANNAL_EVENT(ScheduleEnabled, "schedule_enabled") { f("schedule_id", s.schedule_id); }
};
struct ScheduleDisabled {
  std::string schedule_id;
  ANNAL_EVENT(ScheduleDisabled, "schedule_disabled") { f("schedule_id", s.schedule_id); }
};
struct ScheduleDeleted {
  std::string schedule_id;
  ANNAL_EVENT(ScheduleDeleted, "schedule_deleted") { f("schedule_id", s.schedule_id); }
};
struct ScheduleRunDue {
  std::string schedule_id;
  int64_t due_at = 0;
  ANNAL_EVENT(ScheduleRunDue, "schedule_run_due") {
    f("schedule_id", s.schedule_id), f("due_at", s.due_at);
  }
};
struct ScheduleRunStarted {
  std::string schedule_id;
  OptTime next_run_at;
  ANNAL_EVENT(ScheduleRunStarted, "schedule_run_started") {
    f("schedule_id", s.schedule_id), f("next_run_at", s.next_run_at);
  }
};
struct ScheduleRunMissed {
  std::string schedule_id;
  OptTime next_run_at;
  ANNAL_EVENT(ScheduleRunMissed, "schedule_run_missed") {
    f("schedule_id", s.schedule_id), f("next_run_at", s.next_run_at);
  }
};
struct ToolCallQueued {
  std::string call_id, task_id, tool;
  ANNAL_EVENT(ToolCallQueued, "tool_call_queued") {
    f("call_id", s.call_id), f("task_id", s.task_id), f("tool", s.tool);
  }
};
struct ToolCallStarted {
  std::string call_id;
  ANNAL_EVENT(ToolCallStarted, "tool_call_started") { f("call_id", s.call_id); }
};
struct ToolCallFinished {
  std::string call_id;
  CallOutcome outcome{};
  ANNAL_EVENT(ToolCallFinished, "tool_call_finished") {
    f("call_id", s.call_id), f("outcome", s.outcome);
  }
};
struct WatcherCreated {
  std::string watcher_id, name;
  bool enabled = true;
  ANNAL_EVENT(WatcherCreated, "watcher_created") {
    f("watcher_id", s.watcher_id), f("name", s.name), f("enabled", s.enabled);
  }
};
struct WatcherEnabled {
  std::string watcher_id;
  ANNAL_EVENT(WatcherEnabled, "watcher_enabled") { f("watcher_id", s.watcher_id); }
};
struct WatcherDisabled {
  std::string watcher_id;
  ANNAL_EVENT(WatcherDisabled, "watcher_disabled") { f("watcher_id", s.watcher_id); }
};
struct WatcherDeleted {
  std::string watcher_id;
  ANNAL_EVENT(WatcherDeleted, "watcher_deleted") { f("watcher_id", s.watcher_id); }
};
struct WatcherTicked {
  std::string watcher_id;
  TickOutcome outcome{};
  ANNAL_EVENT(WatcherTicked, "watcher_ticked") {
    f("watcher_id", s.watcher_id), f("outcome", s.outcome);
  }
};
struct RuleCreated {
  std::string rule_id, name;
  bool enabled = true;
  ANNAL_EVENT(RuleCreated, "rule_created") {
    f("rule_id", s.rule_id), f("name", s.name), f("enabled", s.enabled);
  }
};
struct RuleEnabled {
  std::string rule_id;
  ANNAL_EVENT(RuleEnabled, "rule_enabled") { f("rule_id", s.rule_id); }
};
struct RuleDisabled {
  std::string rule_id;
  ANNAL_EVENT(RuleDisabled, "rule_disabled") { f("rule_id", s.rule_id); }
};
struct RuleDeleted {
  std::string rule_id;
  ANNAL_EVENT(RuleDeleted, "rule_deleted") { f("rule_id", s.rule_id); }
};
struct RuleHit {
  std::string rule_id;
  ANNAL_EVENT(RuleHit, "rule_hit") { f("rule_id", s.rule_id); }
};
struct RuleSuppressed {
  std::string rule_id, reason;
  ANNAL_EVENT(RuleSuppressed, "rule_suppressed") {
    f("rule_id", s.rule_id), f("reason", s.reason);
  }
};
struct IntegrationRegistered {
  std::string integration_id, name;
  ANNAL_EVENT(IntegrationRegistered, "integration_registered") {
    f("integration_id", s.integration_id), f("name", s.name);
  }
};
struct IntegrationSucceeded {
  std::string integration_id;
  ANNAL_EVENT(IntegrationSucceeded, "integration_succeeded") {
    f("integration_id", s.integration_id);
  }
};
struct IntegrationFailed {
  std::string integration_id, error;
  ANNAL_EVENT(IntegrationFailed, "integration_failed") {
    f("integration_id", s.integration_id), f("error", s.error);
  }
};
struct IntegrationAuthChanged {
  std::string integration_id;
  AuthStatus auth_status{};
  ANNAL_EVENT(IntegrationAuthChanged, "integration_auth_changed") {
    f("integration_id", s.integration_id), f("auth_status", s.auth_status);
  }
};
struct IntegrationRateLimited {
  std::string integration_id;
  int64_t remaining = 0, reset_at = 0;
  ANNAL_EVENT(IntegrationRateLimited, "integration_rate_limited") {
    f("integration_id", s.integration_id), f("remaining", s.remaining),
        f("reset_at", s.reset_at);
  }
};
struct ApprovalRequested {
  std::string approval_id, task_id, action;
  OptString context;
  int64_t expires_at = 0;
  ANNAL_EVENT(ApprovalRequested, "approval_requested") {
    f("approval_id", s.approval_id), f("task_id", s.task_id), f("action", s.action),
        f("context", s.context), f("expires_at", s.expires_at);
  }
};
struct ApprovalGranted {
  std::string approval_id;
  OptString reason;
  ANNAL_EVENT(ApprovalGranted, "approval_granted") {
    f("approval_id", s.approval_id), f("reason", s.reason);
  }
};
struct ApprovalDenied {
  std::string approval_id;
  OptString reason;
  ANNAL_EVENT(ApprovalDenied, "approval_denied") {
    f("approval_id", s.approval_id), f("reason", s.reason);
  }
};
struct ApprovalExpired {
  std::string approval_id;
  OptString reason;
  ANNAL_EVENT(ApprovalExpired, "approval_expired") {
    f("approval_id", s.approval_id), f("reason", s.reason);
  }
};
struct AutonomyLevelChanged {
  int64_t level = 0;
  OptString reason;
  ANNAL_EVENT(AutonomyLevelChanged, "autonomy_level_changed") {
    f("level", s.level), f("reason", s.reason);
  }
};
struct AlarmRaised {
  std::string alarm_id;
  Severity severity{};
  std::string source, message;
  ANNAL_EVENT(AlarmRaised, "alarm_raised") {
    f("alarm_id", s.alarm_id), f("severity", s.severity), f("source", s.source),
        f("message", s.message);
  }
};
struct AlarmAcked {
  std::string alarm_id;
  ANNAL_EVENT(AlarmAcked, "alarm_acked") { f("alarm_id", s.alarm_id); }
};
struct AlarmResolved {
  std::string alarm_id;
  ANNAL_EVENT(AlarmResolved, "alarm_resolved") { f("alarm_id", s.alarm_id); }
};

// Erasure (docs/security.md): the key of `subject` is destroyed in the
// transaction that logs this, so from then on every read shows the
// subject's personal values erased. Engine::Forget appends it.
struct SubjectForgotten {
  std::string subject;
  ANNAL_EVENT(SubjectForgotten, "subject_forgotten") { f("subject", s.subject); }
};

#undef ANNAL_EVENT

// The alternatives' order is the log schema's union order (fbs/log.fbs):
// append new types at the end only.
using EventBody = std::variant<
    TaskCreated, TaskStatusChanged, TaskStepAdvanced, ScheduleCreated, ScheduleEnabled,
    ScheduleDisabled, ScheduleDeleted, ScheduleRunDue, ScheduleRunStarted,
    ScheduleRunMissed, ToolCallQueued, ToolCallStarted, ToolCallFinished, WatcherCreated,
    WatcherEnabled, WatcherDisabled, WatcherDeleted, WatcherTicked, RuleCreated,
    RuleEnabled, RuleDisabled, RuleDeleted, RuleHit, RuleSuppressed,
    IntegrationRegistered, IntegrationSucceeded, IntegrationFailed,
    IntegrationAuthChanged, IntegrationRateLimited, ApprovalRequested, ApprovalGranted,
    ApprovalDenied, ApprovalExpired, AutonomyLevelChanged, AlarmRaised, AlarmAcked,
    AlarmResolved, EventTypeDeclared, DeclaredEvent, SubjectForgotten>;

// Sets `out` to a default body of the event type whose wire name is `type`
// (for decoders of other forms than the JSONL codec's); false when no type
// has that name.
template <size_t I = 0>
bool EmplaceBody(std::string_view type, EventBody& out) {
  if constexpr (I < std::variant_size_v<EventBody>) {
    using Body = std::variant_alternative_t<I, EventBody>;
    if (!Body::kType.empty() && Body::kType == type) {
      out.emplace<I>();
      return true;
    }
    return EmplaceBody<I + 1>(type, out);
  } else {
    return false;
  }
}

// An event with its envelope. `ts` absent: Append stamps the engine's clock.
struct Event {
  EventBody body;
  std::optional<int64_t> ts;
  std::optional<std::string> actor;
  // A built-in event's shape (annal/upcast.h): absent is 1, or, at append,
  // the type's current shape (stamped). An event of your own has none: its
  // declaration's version is its shape.
  std::optional<uint32_t> shape;
  // Whose personal data the event holds (docs/security.md, "Erasure"): its
  // personal fields (actor, an approval's context, an alarm's message) are
  // logged sealed under this subject's key. Read back, it is the subject of
  // the sealed values; `erased` names those whose key was destroyed
  // (`forget`): an optional one then reads absent, a required one empty.
  std::optional<std::string> subject;
  std::vector<std::string> erased;

  Event() = default;
  template <class Body>
  requires std::is_constructible_v<EventBody, Body&&> Event(Body&& b)
      : body(std::forward<Body>(b)) {}  // NOLINT: implicit by design

  bool operator==(const Event&) const = default;

  // Its wire name: a built-in type's (static), or a declared event's own
  // (valid as long as this event is, unchanged).
  std::string_view type() const {
    if (auto* d = std::get_if<DeclaredEvent>(&body)) return d->type;
    return std::visit([](const auto& b) { return b.kType; }, body);
  }
};

// What a projection's row shows in place of a personal value whose subject
// was forgotten (docs/security.md, "Erasure"); an event read back shows it
// absent (or empty) and names it in Event::erased.
inline constexpr std::string_view kErasedValue = "[erased]";

// An event as the log holds it: seq and ts assigned.
struct LoggedEvent {
  uint64_t seq = 0;
  Event event;
  bool operator==(const LoggedEvent&) const = default;
};

}  // namespace annal
