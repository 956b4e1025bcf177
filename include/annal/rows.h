// annal/rows.h: the rows of the nine projections, as the query API returns them.
//
// String fields are views into the store's memory map: a row stays valid while
// the Snapshot that returned it lives, and no longer. Copy what you keep.
// Rows are plain values otherwise; reading one from several threads is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "annal/events.h"

namespace annal {

using OptView = std::optional<std::string_view>;

// Each row lists its fields once, through Fields(), in the order of its JSON
// object (docs/events.md): the JSON encoder and the HTTP API are generic
// over it. `f(name, value)` is called once per field.
#define ANNAL_ROW(STRUCT)                         \
  bool operator==(const STRUCT&) const = default; \
  template <class Self, class F>                  \
  static void Fields(Self& s, F&& f)

struct ActiveTaskRow {
  std::string_view task_id, name;
  TaskStatus status{};
  OptView step;
  OptTime next_wake_time;
  int64_t updated_at = 0;
  ANNAL_ROW(ActiveTaskRow) {
    f("task_id", s.task_id), f("name", s.name), f("status", s.status), f("step", s.step),
        f("next_wake_time", s.next_wake_time), f("updated_at", s.updated_at);
  }
};

struct ScheduleRow {
  std::string_view schedule_id, name, spec;
  OptTime next_run_at, last_run_at;
  uint64_t missed_runs = 0;
  ANNAL_ROW(ScheduleRow) {
    f("schedule_id", s.schedule_id), f("name", s.name), f("spec", s.spec),
        f("next_run_at", s.next_run_at), f("last_run_at", s.last_run_at),
        f("missed_runs", s.missed_runs);
  }
};

struct WatcherRow {
  std::string_view watcher_id, name;
  bool enabled = true;
  OptTime last_tick_at;
  std::optional<TickOutcome> last_outcome;
  uint64_t suppression_count = 0;
  ANNAL_ROW(WatcherRow) {
    f("watcher_id", s.watcher_id), f("name", s.name), f("enabled", s.enabled),
        f("last_tick_at", s.last_tick_at), f("last_outcome", s.last_outcome),
        f("suppression_count", s.suppression_count);
  }
};

struct RuleRow {
  std::string_view rule_id, name;
  bool enabled = true;
  uint64_t hit_count = 0;
  OptTime last_hit_at;
  OptView last_suppression_reason;
  ANNAL_ROW(RuleRow) {
    f("rule_id", s.rule_id), f("name", s.name), f("enabled", s.enabled),
        f("hit_count", s.hit_count), f("last_hit_at", s.last_hit_at),
        f("last_suppression_reason", s.last_suppression_reason);
  }
};

enum class Health : uint8_t { kUnknown, kHealthy, kDegraded, kDown };
template <>
struct EnumNames<Health> {
  static constexpr std::array<std::string_view, 4> kNames = {"unknown", "healthy",
                                                             "degraded", "down"};
};

struct IntegrationRow {
  std::string_view integration_id, name;
  Health health = Health::kUnknown;
  AuthStatus auth_status = AuthStatus::kUnknown;
  OptTime last_success_at;
  OptView last_error;
  OptTime last_error_at;
  uint64_t consecutive_failures = 0;
  OptTime rate_limit_remaining, rate_limit_reset_at;
  ANNAL_ROW(IntegrationRow) {
    f("integration_id", s.integration_id), f("name", s.name), f("health", s.health),
        f("auth_status", s.auth_status), f("last_success_at", s.last_success_at),
        f("last_error", s.last_error), f("last_error_at", s.last_error_at),
        f("consecutive_failures", s.consecutive_failures),
        f("rate_limit_remaining", s.rate_limit_remaining),
        f("rate_limit_reset_at", s.rate_limit_reset_at);
  }
};

struct ApprovalRow {
  std::string_view approval_id, task_id, action;
  OptView context;
  int64_t requested_at = 0, expires_at = 0;
  ANNAL_ROW(ApprovalRow) {
    f("approval_id", s.approval_id), f("task_id", s.task_id), f("action", s.action),
        f("context", s.context), f("requested_at", s.requested_at),
        f("expires_at", s.expires_at);
  }
};

struct QueueDepthRow {
  uint64_t runnable_tasks = 0, schedule_backlog = 0, tool_queue_depth = 0;
  ANNAL_ROW(QueueDepthRow) {
    f("runnable_tasks", s.runnable_tasks), f("schedule_backlog", s.schedule_backlog),
        f("tool_queue_depth", s.tool_queue_depth);
  }
};

struct AutonomyCurrentRow {
  int64_t level = 0;
  OptTime since;
  ANNAL_ROW(AutonomyCurrentRow) { f("level", s.level), f("since", s.since); }
};

struct AutonomyChangeRow {
  uint64_t seq = 0;
  int64_t ts = 0;
  int64_t from_level = 0, to_level = 0;
  OptView reason, actor;
  ANNAL_ROW(AutonomyChangeRow) {
    f("seq", s.seq), f("ts", s.ts), f("from_level", s.from_level),
        f("to_level", s.to_level), f("reason", s.reason), f("actor", s.actor);
  }
};

enum class AlarmState : uint8_t { kOpen, kAcked, kResolved };
template <>
struct EnumNames<AlarmState> {
  static constexpr std::array<std::string_view, 3> kNames = {"open", "acked", "resolved"};
};

struct AlarmRow {
  std::string_view alarm_id;
  Severity severity{};
  std::string_view source, message;
  AlarmState state{};
  int64_t raised_at = 0;
  OptTime acked_at, resolved_at;
  ANNAL_ROW(AlarmRow) {
    f("alarm_id", s.alarm_id), f("severity", s.severity), f("source", s.source),
        f("message", s.message), f("state", s.state), f("raised_at", s.raised_at),
        f("acked_at", s.acked_at), f("resolved_at", s.resolved_at);
  }
};

}  // namespace annal
