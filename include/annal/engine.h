// annal/engine.h: an annal store, opened. The entry point of the library.
//
//   auto engine = annal::Engine::Open("/var/lib/app/annal");
//   if (!engine.ok()) { ...engine.status().message()... }
//   auto receipt = (*engine)->Append(batch);     // log + projections, atomically
//   auto snap = (*engine)->Read();                // a consistent read view
//   auto tasks = snap->ActiveTasks();
//
// Thread-safety: an Engine is safe to use from many threads at once. Appends
// are serialized (one LMDB write transaction at a time, across processes
// too), and the appends that threads of this process make at the same moment
// share one transaction and one durable commit (group commit), each batch
// still all or nothing on its own; reads run in parallel with them and with
// each other. Open a store
// once per process: a second Engine on the same directory in one process is
// not supported (an LMDB rule). Other processes may open it at the same time.
// Every Snapshot must be destroyed before its Engine.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "annal/events.h"
#include "annal/export.h"
#include "annal/maintenance.h"
#include "annal/options.h"
#include "annal/snapshot.h"
#include "annal/stats.h"
#include "annal/status.h"

namespace annal {

struct AppendReceipt {
  uint64_t first_seq = 0;  // seq of the batch's first event
  uint64_t last_seq = 0;   // seq of its last; both 0 for an empty batch
  // Options::wait_for_ship_ms ran out before the stream acknowledged the
  // batch. It is committed here all the same (never append it again); it is
  // not yet known to be off the machine (docs/replication.md).
  bool not_yet_shipped = false;
};

// Events per write transaction of deferred mode's projector (ProjectPending,
// RunProjector, `annal project --batch`, Python's project_pending) unless
// the caller gives another.
inline constexpr size_t kDefaultProjectBatch = 10000;

class ANNAL_EXPORT Engine {
 public:
  // Opens (or creates, per options) the store in directory `dir`. Refuses,
  // with a message saying why, a directory that is not an annal store, a
  // store written by a newer format version, and a file that is not LMDB.
  static Result<std::unique_ptr<Engine>> Open(const std::string& dir,
                                              Options options = {});

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Appends the batch in one write transaction: every event is validated
  // against the rules and the events before it, logged under the next seqs,
  // and applied to every projection. All or nothing: on a rejected event the
  // store is exactly as before, and the Status (kRejected) names the event's
  // index in `batch`, its type and the rule it broke. With Options::sync the
  // batch is on disk when this returns. Concurrent callers are committed
  // together, in the order they called; each gets its own receipt (its
  // batch's seqs, contiguous) or its own error.
  Result<AppendReceipt> Append(std::span<const Event> batch);
  Result<AppendReceipt> Append(const Event& event) {
    return Append(std::span(&event, 1));
  }
  // Erasure (docs/security.md): appends SubjectForgotten{subject}, whose
  // commit destroys the subject's key; from then on every read, export,
  // projection and replica shows the personal values of events appended
  // with that subject as erased (Event::erased, kErasedValue). The log and
  // its hash chain are unchanged: verify still passes.
  Result<AppendReceipt> Forget(std::string_view subject) {
    return Append(Event(SubjectForgotten{std::string(subject)}));
  }

  // A read view of the store as of the latest commit. Cheap; hold it briefly:
  // an open view keeps old pages from being reused, and the map cannot grow
  // while views of this process are open. When an append must grow the map,
  // new views wait for it (so a stream of views cannot starve it); the
  // growth waits up to 10 s for open views, then the append fails kBusy.
  // Hence a thread holding a view should not open a second one or append:
  // if a growth is waiting, that call waits until the growth gives up.
  Result<Snapshot> Read() const;

  // Rebuilds every projection from the log alone into scratch space and
  // compares it, byte for byte, with the live one (docs/replay.md). Checks
  // every log record on the way (structure, gapless seq, hash chain): a bad
  // record fails the call with kCorruption naming its seq. Appends may
  // continue meanwhile; they wait only for the final comparison.
  // On a read-only engine it replays into a private temporary store instead
  // (as ReadAsOf does; no progress is reported), records nothing, and lists
  // in `skipped` the projections of the store it cannot replay: those it was
  // not opened with, and those at another version.
  Result<VerifyReport> Verify(ProgressFn progress = {});
  // Compares the running digests with those the last full Verify rebuilt,
  // without reading a row (see DigestCheck for what that can and cannot tell).
  Result<DigestCheck> VerifyQuick() const;
  // Checks the log's hash chain alone and returns its head.
  Result<LogCheck> VerifyLog(ProgressFn progress = {});
  // Rebuilds every projection from the log and makes the rebuilt set live in
  // one transaction: readers see the old set or the new one, never a mix;
  // appends continue meanwhile and are in the new set.
  Status Rebuild(ProgressFn progress = {});
  // The verify or rebuild running on this store now, in this process or
  // another (they hold maintenance.lock); nullopt when none is. Meanwhile
  // appends go on and reads see the live projections as before.
  std::optional<MaintenanceInProgress> RunningMaintenance() const;

  // Hot backup: copies the store, compacted (LMDB's mdb_env_copy2 with
  // MDB_CP_COMPACT), into the new directory `dest` as of one commit, while
  // appends and reads go on; then opens the copy and runs a full Verify on
  // it. Restoring is opening `dest`. kInvalidInput when `dest` exists and is
  // not an empty directory (a backup never overwrites); kCorruption when the
  // copy fails its verification (the copy is left for inspection). The copy
  // holds a read view for its whole length, so the map cannot grow meanwhile:
  // an append needing a growth waits (up to 10 s, then kBusy).
  Result<BackupReport> Backup(const std::string& dest) const;

  // Deferred mode's projector, for an embedder's thread or `annal project`:
  // applies the logged events after the projections' checkpoint, in write
  // transactions of at most `batch` events that also move the checkpoint,
  // so each event is projected exactly once across crashes and restarts.
  // Returns how many events it projected (0: caught up).
  Result<uint64_t> ProjectPending(size_t batch = kDefaultProjectBatch);
  // Runs ProjectPending until `stop` is set, sleeping on the store file
  // (inotify) while there is nothing to do. Holds `projector.lock` in the
  // store directory: one projector per store. Stops on the first error (a
  // projector failure names its seq and leaves the checkpoint before it).
  Status RunProjector(const std::atomic<bool>& stop, size_t batch = kDefaultProjectBatch);
  // Waits until the projections reflect seq `seq` (read-your-writes in
  // deferred mode). kBusy after `timeout_ms`.
  Status WaitFor(uint64_t seq, int64_t timeout_ms) const;

  // Returns as soon as the log's head passes `after_seq`, whichever process
  // committed, or once `timeout_ms` has passed: the head either way (at most
  // `after_seq` on a timeout, which is no error). Change feeds loop on it
  // with short timeouts, so that they can also watch a stop flag.
  Result<uint64_t> WaitForCommit(uint64_t after_seq, int64_t timeout_ms) const;

  // Time travel: a read view of every projection (and the log) as it was
  // right after the event with seq `seq` (0: the empty store), rebuilt from
  // the log by the same projector code into a private temporary store. Its
  // cost is a replay of `seq` events; its memory is bounded by the replay
  // buffer's budget, its pages are files in $TMPDIR (removed when the view
  // goes). kInvalidInput past the head. The view answers every Snapshot
  // call; it does not hold this engine's map, so it may be kept.
  Result<Snapshot> ReadAsOf(uint64_t seq) const;

  EngineStats Stats() const;
  const std::string& dir() const;
  // The projections of your own this engine was opened with: any compiled
  // into this build of annal (docs/projections.md), then
  // Options::projections, in that order.
  const std::vector<std::shared_ptr<Projection>>& projections() const;

  struct Impl;  // opaque: defined inside the library

 private:
  friend class StoreReplication;  // annal/replication.h
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Engine logging (map growth, stale reader slots, slow commits) goes to stderr
// through spdlog; quiet (warnings only) by default.
ANNAL_EXPORT void SetVerboseLogging(bool verbose);

}  // namespace annal
