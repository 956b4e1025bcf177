// The one table of every LMDB sub-database in an annal store: its name, its
// role, which component owns it, and its key and value encoding. docs/format.md
// describes the same table in words; keys are built only in store/keys.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace annal::internal {

enum class Db : uint8_t {
  kMeta,
  kLog,
  kRegistry,
  kActiveTasks,
  kActiveTasksByWake,
  kActiveTasksQueued,
  kSchedules,
  kSchedulesByNextRun,
  kSchedulesDisabled,
  kWatchers,
  kRules,
  kIntegrations,
  kApprovals,
  kApprovalsByExpiry,
  kQueueDepth,
  kQueueDepthQueuedTasks,
  kQueueDepthWaitingRuns,
  kAutonomyHistory,
  kAlarms,
  kAlarmsByState,
  kAlarmsResolvedOrder,
  kAlarmsEvicted,
  kCount
};
inline constexpr size_t kDbCount = static_cast<size_t>(Db::kCount);

enum class Role : uint8_t {
  kMeta,        // format version and store identity
  kLog,         // the audit log
  kRegistry,    // entity states the validator needs (written in both modes)
  kProjection,  // a proj_* read model
  kIndex,       // an ordered index over a projection
  kState,       // a projector's private state, not queried
};

struct DbSpec {
  Db db;
  std::string_view name;  // the LMDB sub-database name
  Role role;
  std::string_view owner;  // projector name, or "engine"
  std::string_view key;    // key encoding (keys.h)
  std::string_view value;  // value type (fbs/*.fbs or fixed layout)
};

inline constexpr std::array<DbSpec, kDbCount> kDbs = {{
    {Db::kMeta, "meta", Role::kMeta, "engine", "Name(field)", "fixed, see format.md"},
    {Db::kLog, "log", Role::kLog, "engine", "Seq(seq)", "fbs.Record"},
    {Db::kRegistry, "registry", Role::kRegistry, "engine", "Registry(kind, id)",
     "8-byte entity state"},
    {Db::kActiveTasks, "proj_active_tasks", Role::kProjection, "active_tasks",
     "Id(task_id)", "fbs.ActiveTaskRow"},
    {Db::kActiveTasksByWake, "idx_active_tasks_by_wake", Role::kIndex, "active_tasks",
     "TimeId(next_wake_time, task_id)", "empty"},
    {Db::kActiveTasksQueued, "aux_active_tasks_queued", Role::kState, "active_tasks",
     "Id(task_id)", "fbs.QueuedTaskState"},
    {Db::kSchedules, "proj_schedules", Role::kProjection, "schedules", "Id(schedule_id)",
     "fbs.ScheduleRow"},
    {Db::kSchedulesByNextRun, "idx_schedules_by_next_run", Role::kIndex, "schedules",
     "TimeId(next_run_at, schedule_id)", "empty"},
    {Db::kSchedulesDisabled, "aux_schedules_disabled", Role::kState, "schedules",
     "Id(schedule_id)", "fbs.ScheduleRow"},
    {Db::kWatchers, "proj_watchers", Role::kProjection, "watchers", "Id(watcher_id)",
     "fbs.WatcherRow"},
    {Db::kRules, "proj_rules", Role::kProjection, "rules", "Id(rule_id)", "fbs.RuleRow"},
    {Db::kIntegrations, "proj_integrations", Role::kProjection, "integrations",
     "Id(integration_id)", "fbs.IntegrationRow"},
    {Db::kApprovals, "proj_approvals", Role::kProjection, "approvals", "Id(approval_id)",
     "fbs.ApprovalRow"},
    {Db::kApprovalsByExpiry, "idx_approvals_by_expiry", Role::kIndex, "approvals",
     "TimeId(expires_at, approval_id)", "empty"},
    {Db::kQueueDepth, "proj_queue_depth", Role::kProjection, "queue_depth", "Seq(0)",
     "fbs.QueueDepthRow"},
    {Db::kQueueDepthQueuedTasks, "aux_queue_depth_queued_tasks", Role::kState,
     "queue_depth", "Id(task_id)", "empty"},
    {Db::kQueueDepthWaitingRuns, "aux_queue_depth_waiting_runs", Role::kState,
     "queue_depth", "Id(schedule_id)", "u64 count, little-endian"},
    {Db::kAutonomyHistory, "proj_autonomy_history", Role::kProjection, "autonomy_history",
     "Seq(0) current, Seq(seq) change", "fbs.AutonomyCurrentRow / fbs.AutonomyChangeRow"},
    {Db::kAlarms, "proj_alarms", Role::kProjection, "alarms", "Id(alarm_id)",
     "fbs.AlarmRow"},
    {Db::kAlarmsByState, "idx_alarms_by_state", Role::kIndex, "alarms",
     "StateId(state, alarm_id)", "empty"},
    {Db::kAlarmsResolvedOrder, "aux_alarms_resolved_order", Role::kState, "alarms",
     "SeqId(resolved_seq, alarm_id)", "empty"},
    {Db::kAlarmsEvicted, "aux_alarms_evicted", Role::kState, "alarms", "Id(alarm_id)",
     "fbs.AlarmRow"},
}};

constexpr const DbSpec& Spec(Db db) { return kDbs[static_cast<size_t>(db)]; }

// Everything but meta and the log is derived from the log, and exists twice:
// slot 0 under the names above, slot 1 under the name plus "@1". meta says
// which slot is live; a rebuild fills the other and flips (docs/format.md).
inline constexpr size_t kSlots = 2;
constexpr bool IsDerived(Db db) { return db != Db::kMeta && db != Db::kLog; }
inline std::string SlotName(Db db, size_t slot) {
  std::string name(Spec(db).name);
  if (IsDerived(db) && slot == 1) name += "@1";
  return name;
}

// The names of the nine projections, as the CLI and docs spell them.
inline constexpr std::array<std::string_view, 9> kProjectionNames = {
    "active_tasks", "schedules",   "watchers",         "rules", "integrations",
    "approvals",    "queue_depth", "autonomy_history", "alarms"};

}  // namespace annal::internal
