// annal/snapshot.h: a consistent read view of the store: every projection and
// the log as of one commit (one LMDB read transaction). This is what a
// dashboard calls; nothing here scans the log except ScanLog itself.
//
// Lifetime: rows hold views into the store's memory map and stay valid until
// the Snapshot is destroyed; the Snapshot must not outlive its Engine.
// Thread-safety: a Snapshot is used by one thread at a time (it is movable,
// so it may be handed to another thread). Open one per thread for parallelism.
// Ordering: whole-projection lists are by id (byte order); the "due" queries
// are by time, ties by id; autonomy changes newest first.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "annal/events.h"
#include "annal/export.h"
#include "annal/projection.h"
#include "annal/query.h"
#include "annal/rows.h"
#include "annal/status.h"

namespace annal {

template <class Row>
using Rows = Result<std::vector<Row>>;
template <class Row>
using MaybeRow = Result<std::optional<Row>>;

class ANNAL_EXPORT Snapshot {
 public:
  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  ~Snapshot();

  Rows<ActiveTaskRow> ActiveTasks() const;
  MaybeRow<ActiveTaskRow> ActiveTask(std::string_view task_id) const;
  // Paused tasks whose next_wake_time is at or before `t`, by wake time.
  Rows<ActiveTaskRow> PausedTasksWakingBy(int64_t t) const;

  Rows<ScheduleRow> Schedules() const;
  MaybeRow<ScheduleRow> Schedule(std::string_view schedule_id) const;
  // Enabled schedules whose next_run_at is at or before `t`, by next_run_at.
  Rows<ScheduleRow> SchedulesDueBy(int64_t t) const;

  Rows<WatcherRow> Watchers() const;
  MaybeRow<WatcherRow> Watcher(std::string_view watcher_id) const;

  Rows<RuleRow> Rules() const;
  MaybeRow<RuleRow> Rule(std::string_view rule_id) const;

  Rows<IntegrationRow> Integrations() const;
  MaybeRow<IntegrationRow> Integration(std::string_view integration_id) const;

  Rows<ApprovalRow> Approvals() const;
  MaybeRow<ApprovalRow> Approval(std::string_view approval_id) const;
  // Pending approvals expiring at or before `t`, by expires_at.
  Rows<ApprovalRow> ApprovalsExpiringBy(int64_t t) const;

  Result<QueueDepthRow> QueueDepth() const;

  Result<AutonomyCurrentRow> AutonomyCurrent() const;
  Rows<AutonomyChangeRow> AutonomyChanges() const;  // newest first

  Rows<AlarmRow> Alarms() const;
  MaybeRow<AlarmRow> Alarm(std::string_view alarm_id) const;
  Rows<AlarmRow> AlarmsInState(AlarmState state) const;  // by id

  // One page of the projection `name` (one of kProjections, annal/query.h)
  // with `options`: the JSON rows `annal query NAME` prints with the same
  // options, in the same order, and the cursor of the next page.
  // kInvalidInput for an unknown name, an option the projection does not
  // take, a limit of 0, or a cursor not issued for this query of this store.
  Result<QueryPage> Query(std::string_view name, const QueryOptions& options = {}) const;
  // One page of a projection's table: a declared projection's
  // (annal/projection.h) or a built-in one's (docs/projections.md, "The
  // nine and this API", lists the nine's tables; their rows print as Query
  // prints them): the projection's first table unless `table` names
  // another, in key order (in `index` order when it names one of the
  // table's indexes), from `from` to `to` inclusive on the first field of
  // the index, or else of the key, when given, from after the cursor
  // `after` (empty: from the first row), at most `limit` rows (nullopt:
  // all). kInvalidInput for an unknown projection, table or index, a bound
  // on a built-in table without an index, a bound of another type than its
  // field, a limit of 0, or a cursor not issued for this query of this
  // store.
  struct TableQuery {
    std::string_view table;
    std::optional<size_t> limit;
    std::string_view after;
    std::string_view index;
    std::optional<Value> from, to;
  };
  Result<TablePage> TableRows(std::string_view projection,
                              const TableQuery& query = {}) const;
  // The declaration of a projection's table (default: its first), as
  // registered with the engine or built in; nullopt when there is none.
  std::optional<TableSpec> Table(std::string_view projection,
                                 std::string_view table = {}) const;

  // Each projection's fingerprint at this commit (change notification: the
  // projections whose fingerprints differ between two commits changed).
  Result<Fingerprints> ProjectionFingerprints() const;

  // The seq of the newest log entry, 0 for an empty log.
  Result<uint64_t> LastSeq() const;
  // The projections reflect the log up to this seq: LastSeq() in inline
  // mode, possibly less in deferred mode until they catch up.
  Result<uint64_t> ProjectedSeq() const;
  // How the store's last writer opened it: "inline" (also a store no writer
  // recorded a mode in), "deferred" or "replica".
  Result<std::string> StoreMode() const;
  // Every projection the store holds (the nine and those of your own) and
  // the version it was built with: what a writer must register.
  Result<std::map<std::string, uint32_t>> RecordedProjections() const;
  // The event types of your own declared in the store, in name order, each
  // at its current version (docs/events.md, "Events of your own").
  Result<std::vector<EventTypeDeclared>> EventTypes() const;
  // The size of each sub-database a projection keeps (what /metrics and
  // `annal dashboard` report): its rows, index entries or private state,
  // counted by LMDB without reading them. Built-in ones in store order, then
  // each declared projection's tables and their indexes; stale projections
  // (being rebuilt) are left out.
  struct SubDatabaseSize {
    std::string projection;
    std::string sub_database;  // its LMDB name: "proj_alarms", "proj_tool_stats.calls"
    std::string role;          // "table", "index" or "state"
    uint64_t entries = 0;
    uint64_t bytes = 0;  // the pages it holds
  };
  Result<std::vector<SubDatabaseSize>> ProjectionSizes() const;
  // How far the projections are behind the log (deferred mode).
  struct Lag {
    uint64_t head_seq = 0, projected_seq = 0;
    uint64_t events = 0;  // head_seq - projected_seq
    int64_t micros = 0;   // ts of the head record minus ts of the last projected one
  };
  Result<Lag> ProjectionLag() const;

  // Visits the log's values exactly as stored (the record's FlatBuffers
  // bytes, then its 32-byte chain hash) from `from_seq` on, in seq order,
  // until `visit` returns false; each is checked on the way (structure, seq,
  // and the hash chain from the record before `from_seq`), and one that
  // fails stops the scan with kCorruption naming its seq. The views are
  // valid during the call only. What `annal ship` publishes.
  Status ScanStored(
      uint64_t from_seq,
      const std::function<bool(uint64_t seq, std::string_view stored)>& visit) const;
  // The chain hash (32 bytes) stored with the record at `seq`; nullopt past
  // the head. Seq 1's is the store's identity, shared by its replicas.
  Result<std::optional<std::string>> StoredHash(uint64_t seq) const;

  // The audit trail of one entity (docs/projections.md, "audit_trail"):
  // the events that name it, a task's also its tool calls' and approvals',
  // in seq order, as ScanLog shows them, after `after_seq`, at most `limit`
  // (nullopt: all); read from an index, never a scan. `next` is the
  // after_seq of the next page, nullopt when none follows. nullopt when the
  // log never named the entity; kInvalidInput for a kind other than task,
  // schedule, watcher, rule, integration, tool_call, approval, alarm, or a
  // limit of 0. The events are copies: valid after the snapshot is gone.
  struct HistoryPage {
    std::vector<LoggedEvent> events;
    std::optional<uint64_t> next;
  };
  Result<std::optional<HistoryPage>> History(std::string_view kind, std::string_view id,
                                             uint64_t after_seq = 0,
                                             std::optional<size_t> limit = {}) const;

  // How ScanLog shows a record logged in an older shape of its type:
  // through the engine's upcasters, in the current shape (annal/upcast.h),
  // or as written (a built-in event of a type the upcasters know then
  // says its shape, 1 included).
  enum class LogView : uint8_t { kCurrent, kAsWritten };
  // Visits log entries from `from_seq` on, in seq order, until `visit`
  // returns false. A record that fails its checks stops the scan with
  // kCorruption naming its seq; an upcaster that fails, with kRejected
  // naming it and the seq.
  Status ScanLog(uint64_t from_seq, const std::function<bool(const LoggedEvent&)>& visit,
                 LogView view = LogView::kCurrent) const;

 private:
  friend class Engine;
  struct Impl;
  explicit Snapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace annal
