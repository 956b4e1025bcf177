// The one table of every LMDB sub-database in an annal store: its name, its
// role, which component owns it (and so what it may write), the shape of its
// keys and its value. Everything else derives from it: the handles opened
// (engine/open.cc), the projectors' write masks, the digests, verify's
// comparison and its words for a key (describe_key.cc). docs/format.md
// describes the same table in words; keys are built only in store/keys.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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
  kSubjectKeys,
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
  kKeys,        // the subjects' keys (erasure): not derived, not in the chain
};

// The shape of a sub-database's keys. store/keys.h builds and decodes each
// shape; DescribeKey (store/describe_key.cc) puts each into words.
enum class KeyShape : uint8_t {
  kName,      // meta: a short ASCII name, NUL-padded
  kSeq,       // u64 big-endian (the log's seq; 0 for a single row)
  kRegistry,  // registry kind letter, then the id
  kId,        // the id, NUL-padded to 8 bytes
  kTimeId,    // signed time (sign bit flipped, big-endian), then the id
  kStateId,   // a state byte in 8 bytes, then the id
  kSeqId,     // u64 seq, then the id
  kFields,    // a declared projection's key fields (keys::Key::Int, Str)
};

struct DbSpec {
  Db db;
  std::string_view name;  // the LMDB sub-database name
  Role role;
  std::string_view owner;  // projector name, or "engine"
  KeyShape key;
  // In reports: what one key names ("task"), and what its time, seq or
  // state part means ("waking at"; for kSeq, the name of the row at seq 0).
  std::string_view entity, detail;
  std::string_view value;  // value type (fbs/*.fbs or fixed layout)
};

inline constexpr std::array<DbSpec, kDbCount> kDbs = [] {
  using R = Role;
  using K = KeyShape;
  return std::array<DbSpec, kDbCount>{{
      {Db::kMeta, "meta", R::kMeta, "engine", K::kName, "meta record", "",
       "fixed, see format.md"},
      {Db::kLog, "log", R::kLog, "engine", K::kSeq, "seq", "",
       "fbs.Record, then its chain hash"},
      {Db::kRegistry, "registry", R::kRegistry, "engine", K::kRegistry, "", "",
       "8-byte entity state"},
      {Db::kActiveTasks, "proj_active_tasks", R::kProjection, "active_tasks", K::kId,
       "task", "", "fbs.ActiveTaskRow"},
      {Db::kActiveTasksByWake, "idx_active_tasks_by_wake", R::kIndex, "active_tasks",
       K::kTimeId, "task", "waking at", "empty"},
      {Db::kActiveTasksQueued, "aux_active_tasks_queued", R::kState, "active_tasks",
       K::kId, "task", "", "fbs.QueuedTaskState"},
      {Db::kSchedules, "proj_schedules", R::kProjection, "schedules", K::kId, "schedule",
       "", "fbs.ScheduleRow"},
      {Db::kSchedulesByNextRun, "idx_schedules_by_next_run", R::kIndex, "schedules",
       K::kTimeId, "schedule", "next run at", "empty"},
      {Db::kSchedulesDisabled, "aux_schedules_disabled", R::kState, "schedules", K::kId,
       "schedule", "", "fbs.ScheduleRow"},
      {Db::kWatchers, "proj_watchers", R::kProjection, "watchers", K::kId, "watcher", "",
       "fbs.WatcherRow"},
      {Db::kRules, "proj_rules", R::kProjection, "rules", K::kId, "rule", "",
       "fbs.RuleRow"},
      {Db::kIntegrations, "proj_integrations", R::kProjection, "integrations", K::kId,
       "integration", "", "fbs.IntegrationRow"},
      {Db::kApprovals, "proj_approvals", R::kProjection, "approvals", K::kId, "approval",
       "", "fbs.ApprovalRow"},
      {Db::kApprovalsByExpiry, "idx_approvals_by_expiry", R::kIndex, "approvals",
       K::kTimeId, "approval", "expiring at", "empty"},
      {Db::kQueueDepth, "proj_queue_depth", R::kProjection, "queue_depth", K::kSeq,
       "row at seq", "the counters row", "fbs.QueueDepthRow"},
      {Db::kQueueDepthQueuedTasks, "aux_queue_depth_queued_tasks", R::kState,
       "queue_depth", K::kId, "task", "", "empty"},
      {Db::kQueueDepthWaitingRuns, "aux_queue_depth_waiting_runs", R::kState,
       "queue_depth", K::kId, "schedule", "", "u64 count, little-endian"},
      {Db::kAutonomyHistory, "proj_autonomy_history", R::kProjection, "autonomy_history",
       K::kSeq, "the change at seq", "the current level",
       "fbs.AutonomyCurrentRow at 0 / fbs.AutonomyChangeRow at each change's seq"},
      {Db::kAlarms, "proj_alarms", R::kProjection, "alarms", K::kId, "alarm", "",
       "fbs.AlarmRow"},
      {Db::kAlarmsByState, "idx_alarms_by_state", R::kIndex, "alarms", K::kStateId,
       "alarm", "in state", "empty"},
      {Db::kAlarmsResolvedOrder, "aux_alarms_resolved_order", R::kState, "alarms",
       K::kSeqId, "alarm", "resolved at seq", "empty"},
      {Db::kAlarmsEvicted, "aux_alarms_evicted", R::kState, "alarms", K::kId, "alarm", "",
       "fbs.AlarmRow"},
      {Db::kSubjectKeys, "subject_keys", R::kKeys, "engine", K::kId, "subject", "",
       "32-byte AES-256 key"},
  }};
}();

// The table is indexed by Db: its order must be the enum's.
constexpr bool TableInDbOrder() {
  for (size_t i = 0; i < kDbCount; ++i) {
    if (static_cast<size_t>(kDbs[i].db) != i) return false;
  }
  return true;
}
static_assert(TableInDbOrder(), "kDbs must list the sub-databases in the order of Db");

// The registry's entity kinds: each key starts with the kind's letter.
enum class EntityKind : char {
  kTask = 'T',
  kSchedule = 'S',
  kToolCall = 'C',
  kWatcher = 'W',
  kRule = 'R',
  kIntegration = 'I',
  kApproval = 'P',
  kAlarm = 'A',
  kAutonomy = 'L',
  kEventType = 'E',  // an event type of your own: its current declaration
};
struct EntityKindSpec {
  EntityKind kind;
  std::string_view name;  // in reports
};
inline constexpr std::array<EntityKindSpec, 10> kEntityKinds = {{
    {EntityKind::kTask, "task"},
    {EntityKind::kSchedule, "schedule"},
    {EntityKind::kToolCall, "tool call"},
    {EntityKind::kWatcher, "watcher"},
    {EntityKind::kRule, "rule"},
    {EntityKind::kIntegration, "integration"},
    {EntityKind::kApproval, "approval"},
    {EntityKind::kAlarm, "alarm"},
    {EntityKind::kAutonomy, "autonomy level"},
    {EntityKind::kEventType, "event type"},
}};

// The names of meta's records (docs/format.md); "@<slot>" follows the
// per-slot ones.
namespace meta_key {
inline constexpr std::string_view kFormat = "format";         // magic and format version
inline constexpr std::string_view kLive = "live";             // the live slot
inline constexpr std::string_view kChain = "chain";           // the hash chain's head
inline constexpr std::string_view kVerified = "verified";     // the last full verify
inline constexpr std::string_view kDigest = "digest@";        // running digests
inline constexpr std::string_view kProjected = "projected@";  // the checkpoint
inline constexpr std::string_view kVersions = "versions@";    // projector versions
inline constexpr std::string_view kMode = "mode";  // how the last writer opened it
}  // namespace meta_key

// Sub-databases of declared projections (include/annal/projection.h) take
// the Db values from kDbCount up: interned by name for the life of the
// process (store/declared_dbs.cc), so every store a process opens gives one
// name one value. Every Db fits a 64-bit mask, so a process holds at most
// kMaxDbs - kDbCount declared tables (docs/projections.md).
inline constexpr size_t kMaxDbs = 64;
static_assert(kDbCount <= kMaxDbs);

// The Db of the declared table `name` (proj_<projection>.<table>), owned by
// `owner` (the projection's name); `key_types` holds one letter per key
// field ('i' int, 's' str), and `entity` names the key fields for reports;
// `role` is kIndex for a table's index.
// Thread-safe. Throws std::length_error past kMaxDbs, std::invalid_argument
// when the name was interned with another owner or key.
Db InternDeclaredDb(std::string_view name, std::string_view owner,
                    std::string_view key_types, std::string_view entity,
                    Role role = Role::kProjection);
// The Db interned under `name`, if any (digests decoded from meta).
std::optional<Db> FindDeclaredDb(std::string_view name);

// The sub-databases, built-in or declared, whose owner is `owner` (what
// Kv::Restrict lets that projector touch).
uint64_t MaskOwnedBy(std::string_view owner);

// The spec of a built-in or declared sub-database (a declared one's views
// live as long as the process).
const DbSpec& DeclaredSpec(Db db);
inline const DbSpec& Spec(Db db) {
  const auto i = static_cast<size_t>(db);
  return i < kDbCount ? kDbs[i] : DeclaredSpec(db);
}
constexpr bool IsDeclared(Db db) { return static_cast<size_t>(db) >= kDbCount; }

// Everything but meta and the log is derived from the log, and exists twice:
// slot 0 under the names above, slot 1 under the name plus "@1". meta says
// which slot is live; a rebuild fills the other and flips (docs/format.md).
inline constexpr size_t kSlots = 2;
constexpr bool IsDerived(Db db) {
  return db != Db::kMeta && db != Db::kLog && db != Db::kSubjectKeys;
}
inline std::string SlotName(Db db, size_t slot) {
  std::string name(Spec(db).name);
  if (IsDerived(db) && slot == 1) name += "@1";
  return name;
}

constexpr uint64_t MaskOf(Db db) { return uint64_t{1} << static_cast<unsigned>(db); }
static_assert(kMaxDbs <= 64, "sub-database masks are 64-bit");

// What the validator reads and writes: the entity states in the registry.
inline constexpr uint64_t kRegistryMask = MaskOf(Db::kRegistry);

// The sub-databases whose owner column is `owner` (a projector's name, or
// "engine"): what Kv::Restrict lets that owner touch.
constexpr uint64_t OwnedMask(std::string_view owner) {
  uint64_t mask = 0;
  for (const DbSpec& spec : kDbs) {
    if (spec.owner == owner) mask |= MaskOf(spec.db);
  }
  return mask;
}

}  // namespace annal::internal
