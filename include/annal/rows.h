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

struct ActiveTaskRow {
  std::string_view task_id, name;
  TaskStatus status{};
  OptView step;
  OptTime next_wake_time;
  int64_t updated_at = 0;
};

struct ScheduleRow {
  std::string_view schedule_id, name, spec;
  OptTime next_run_at, last_run_at;
  uint64_t missed_runs = 0;
};

struct WatcherRow {
  std::string_view watcher_id, name;
  bool enabled = true;
  OptTime last_tick_at;
  std::optional<TickOutcome> last_outcome;
  uint64_t suppression_count = 0;
};

struct RuleRow {
  std::string_view rule_id, name;
  bool enabled = true;
  uint64_t hit_count = 0;
  OptTime last_hit_at;
  OptView last_suppression_reason;
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
};

struct ApprovalRow {
  std::string_view approval_id, task_id, action;
  OptView context;
  int64_t requested_at = 0, expires_at = 0;
};

struct QueueDepthRow {
  uint64_t runnable_tasks = 0, schedule_backlog = 0, tool_queue_depth = 0;
};

struct AutonomyCurrentRow {
  int64_t level = 0;
  OptTime since;
};

struct AutonomyChangeRow {
  uint64_t seq = 0;
  int64_t ts = 0;
  int64_t from_level = 0, to_level = 0;
  OptView reason, actor;
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
};

}  // namespace annal
