// Engine::Impl, the state behind an Engine, shared by the engine's files
// (open, append, read, maintenance, replay, the projector loop), and Guard,
// the one place where exceptions become a Status.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "annal/engine.h"
#include "common/hidden.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "engine/store_watch.h"
#include "projectors/declared.h"
#include "projectors/projector_set.h"
#include "store/errors.h"
#include "store/journal.h"
#include "store/lmdb.h"
#include "store/map_lock.h"
#include "store/meta.h"
#include "validator/validate.h"

namespace annal {

namespace internal {
// One caller's batch waiting in a group commit (engine/append.cc).
struct PendingAppend {
  std::span<const Event> batch;
  std::vector<int64_t> stamped_ts;
  Result<AppendReceipt> result = Status::Busy("not appended yet");
  bool done = false;
};
}  // namespace internal

struct ANNAL_HIDDEN Engine::Impl {
  std::string dir;
  Options options;  // as the embedder gave them
  // The projections of your own this engine runs: those compiled into this
  // build (projectors/compiled_in.h), then options.projections. Kept apart
  // from `options`, which is handed on as given (a backup reopens its copy
  // with it, and must not find the compiled-in ones listed twice).
  std::vector<std::shared_ptr<Projection>> projections;
  // Options::upcasters, indexed; set at Open before the projectors, which
  // point to it (and replays, time travel and snapshots) for the engine's life.
  std::shared_ptr<const internal::UpcasterSet> upcasters =
      std::make_shared<const internal::UpcasterSet>();
  lmdb::env env{nullptr};
  // Handles of every sub-database per slot; meta and log are the same in both.
  std::array<internal::DbHandles, internal::kSlots> slots{};
  MDB_dbi meta() const { return slots[0][static_cast<size_t>(internal::Db::kMeta)]; }
  MDB_dbi log() const { return slots[0][static_cast<size_t>(internal::Db::kLog)]; }
  MDB_dbi subject_keys() const {
    return slots[0][static_cast<size_t>(internal::Db::kSubjectKeys)];
  }

  // Held shared by transactions and snapshots, exclusively by map growth
  // (store/map_lock.h). Lock order: map_mutex (shared), then write_mutex,
  // then versions_mutex; the annotations below are checked by clang.
  mutable internal::MapLock map_mutex;
  // One appending thread at a time in this process (LMDB serializes across
  // processes); it also guards the scratch state of appends below.
  internal::Mutex write_mutex ACQUIRED_AFTER(map_mutex);
  internal::ProjectorSet projectors GUARDED_BY(write_mutex);
  internal::Validator validator GUARDED_BY(write_mutex);
  flatbuffers::FlatBufferBuilder record_builder GUARDED_BY(write_mutex){1024};
  Event sealed GUARDED_BY(write_mutex);  // an event with its personal fields sealed
  // A batch's log values (record + chain hash), written once it is whole.
  std::vector<std::string> log_values GUARDED_BY(write_mutex);
  // A group's log values one after another: its journal frame.
  std::string frame_values GUARDED_BY(write_mutex);

  // Appenders of this process waiting for a group commit, in arrival order;
  // the front one leads (engine/append.cc). Never held with the locks above.
  internal::Mutex group_mutex;
  std::condition_variable_any group_cv;
  std::deque<internal::PendingAppend*> group_queue GUARDED_BY(group_mutex);
  // The last group's batches and how long its commit and sync took: a new
  // leader with fewer waiting gives the callers that group released that
  // long to come back (Gather in engine/append.cc), signalled on gather_cv.
  size_t last_group GUARDED_BY(group_mutex) = 0;
  std::chrono::steady_clock::duration last_group_took GUARDED_BY(group_mutex){};
  bool gathering GUARDED_BY(group_mutex) = false;
  std::condition_variable_any gather_cv;
  // What the projectors' code declares (the nine and Options::projections);
  // set once at Open, before any other thread sees the engine, then read
  // without a lock.
  internal::Versions code_versions;
  std::vector<std::string> projector_names;
  // Every sub-database of this store: the built-in ones, then the tables of
  // the declared projections (Db values interned by store/schema.h).
  std::vector<internal::Db> dbs;
  // The declared projections' tables, by projection, in Options order.
  std::vector<internal::DeclaredProjection> declared;
  // The sub-databases a stale projection's queries must not read.
  uint64_t MaskOf(const std::vector<internal::StaleProjection>& stale) const;

  // The stale projections (built by other projector versions) of the slot a
  // transaction found live; recomputed only when another slot goes live.
  std::vector<internal::StaleProjection> StaleIn(MDB_txn* txn, size_t slot)
      EXCLUDES(versions_mutex);
  internal::Mutex versions_mutex ACQUIRED_AFTER(write_mutex);
  size_t checked_slot GUARDED_BY(versions_mutex) = SIZE_MAX;
  // The meta record the cache was computed from.
  std::string checked_versions GUARDED_BY(versions_mutex);
  std::vector<internal::StaleProjection> stale GUARDED_BY(versions_mutex);
  std::atomic<uint32_t> growths{0};

  // Replication's marker files (engine/markers.cc), opened by the first
  // StoreReplication::RecordMarker of each.
  struct MarkerFile {
    internal::Mutex mutex;
    int fd GUARDED_BY(mutex) = -1;
    uint64_t written GUARDED_BY(mutex) = 0;
    ~MarkerFile();
  };
  std::array<MarkerFile, 2> markers;
  // Append's wait for the ship marker (Options::wait_for_ship_ms).
  Status WaitShipped(uint64_t seq) const;
  // Wake-ups on changes of data.mdb (any process's commits) and of the ship
  // marker; named at Open (engine/store_watch.h: why they live this long).
  mutable internal::StoreWatch commit_watch, ship_watch;

  // What Stats() reports of appends (relaxed: counters, not synchronization).
  struct Counters {
    std::atomic<uint64_t> batches{0}, events{0}, rejected{0};
    std::atomic<uint64_t> commits{0}, commit_nanos{0};
    std::array<std::atomic<uint64_t>, kCommitSecondsBounds.size()> within{};
    std::array<std::atomic<uint64_t>, kGroupBatchesBounds.size()> groups_within{};
    std::atomic<uint64_t> checkpoints{0};
    void Commit(std::chrono::steady_clock::duration took, size_t batches);
  } counters;

  enum class Growth : uint8_t {
    kDouble,       // this process filled the map: double it
    kAdoptOthers,  // another process grew it (MDB_MAP_RESIZED): take its size
  };
  // `changed`: whether the map's size changed (an adoption may find another
  // thread of this process adopted the same size first).
  Status GrowMap(Growth growth, bool* changed = nullptr) EXCLUDES(map_mutex);

  // Durability (engine/durability.cc, docs/format.md "The journal"). LMDB
  // commits without syncing (MDB_NOSYNC); an append's log values go to the
  // journal as one frame, and the journal's fdatasync (SyncJournal, after
  // the write lock) makes the append durable. A checkpoint (an fdatasync of
  // data.mdb, then the journal's header naming that state) makes everything
  // committed durable; it is taken when this engine does not own the
  // journal's last checkpoint (another process or engine took one or
  // committed since), after every other kind of commit (CommitDurably), and
  // every kCheckpointBytes of frames. A read transaction (the pin) holds the
  // checkpoint's pages, so that LMDB never reuses them until the next one.
  // nullopt: no journal (a read-only engine on a store that has none).
  std::optional<internal::Journal> journal;
  struct JournalState {
    uint64_t generation = 0;  // of the checkpoint this engine took and pins
    uint64_t offset = 0;      // where its next frame goes
    uint64_t last_frame = 0;  // where its last frame went
    uint64_t last_txnid = 0;  // this engine's last commit
    bool in_doubt = false;    // a journal write or sync failed: checkpoint next
    bool recovering = false;  // Open replays frames: no checkpoint until done
    std::optional<internal::Txn> pin;
    std::vector<internal::Journal::Frame> to_replay;  // by Open, then dropped
  };
  internal::Mutex journal_mutex ACQUIRED_AFTER(write_mutex);
  JournalState journal_state GUARDED_BY(journal_mutex);
  // A write transaction, this engine owning the journal's checkpoint (one
  // taken first if not). Every write transaction of the store begins here.
  internal::Txn BeginWrite() EXCLUDES(journal_mutex);
  // Before an append's commit: its log values from `first_seq`, as a frame.
  void JournalFrame(MDB_txn* txn, uint64_t first_seq,
                    const std::vector<std::string_view>& values) EXCLUDES(journal_mutex);
  // When that commit failed: the frame is voided, so that no recovery
  // applies what the caller was told failed.
  void VoidFrame() EXCLUDES(journal_mutex);
  // After it, outside the write lock: the fdatasync that makes it durable;
  // 0, or the errno.
  int SyncJournal() EXCLUDES(journal_mutex);
  // Commits a transaction of BeginWrite's whose durability waits for the
  // next checkpoint (a rebuild's scratch work).
  void CommitUnsynced(internal::Txn& txn) EXCLUDES(journal_mutex);
  // Commits and takes a checkpoint: durable on return.
  void CommitDurably(internal::Txn& txn) EXCLUDES(journal_mutex);
  // Takes a checkpoint inside the write transaction `txn`.
  void Checkpoint(MDB_txn* txn) REQUIRES(journal_mutex);
  // At close: a checkpoint if this engine journaled since its last one, so
  // that the next open has nothing to replay.
  void CloseJournal() EXCLUDES(journal_mutex);
  // Recovery, in Open's order. OpenJournal, before LMDB opens data.mdb:
  // when this engine is the store's only one and the journal holds what
  // data.mdb may lack (a power loss, or a writer killed), puts data.mdb's
  // meta pages back to the checkpoint and keeps the frames to replay; a
  // read-only engine sets *needs_writer instead. StartRecovery, once LMDB
  // opened it: holds the checkpoint's pages before anything is written.
  // FinishRecovery, once the sub-databases are open: appends the frames
  // again, takes a checkpoint and lets other engines open the store.
  Status OpenJournal(bool* needs_writer) EXCLUDES(journal_mutex);
  void StartRecovery() EXCLUDES(journal_mutex);
  Status FinishRecovery() EXCLUDES(journal_mutex);

  // Runs `attempt` (one transaction) until it neither fills the map nor meets
  // a map another process grew; errors become a Status (Guard). The one
  // retry loop: appends, the projector, replay batches, snapshots, open.
  template <class F>
  auto RetryingOnMapFull(F&& attempt) -> decltype(attempt());
};

namespace internal {

// Logs values found in the journal at open (engine/durability.cc), as
// Append logged them (engine/replicate.cc); projected afterwards.
Status AppendJournaled(Engine::Impl& s, uint64_t first_seq,
                       std::span<const std::string_view> stored);
// Projects up to `batch` logged events past the live slot's projected seq
// (Engine::ProjectPending; engine/projector_loop.cc). The count projected.
Result<uint64_t> ProjectPendingIn(Engine::Impl& s, size_t batch);

// A store directory's permission bits for files of `file_mode`: search
// permission wherever the files are readable (0600 gives 0700).
mode_t DirectoryMode(uint32_t file_mode);

// Turns exceptions thrown under `body` into a Status: the one place where
// errors cross the public boundary.
template <class F>
auto Guard(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const lmdb::error& e) {
    return Status::IOError(DescribeLmdbError(e));
  } catch (const StaleError& e) {
    return Status::Incompatible(e.what());
  } catch (const BusyError& e) {
    return Status::Busy(e.what());
  } catch (const CorruptionError& e) {
    return Status::Corruption(e.what());
  } catch (const std::bad_alloc&) {
    // Neither damage nor a failed disk: a resource that may come back.
    return Status::Busy("out of memory");
  } catch (const std::system_error& e) {
    return Status::IOError(e.what());  // the OS refused (files, directories)
  } catch (const std::exception& e) {
    // Not damage on disk: a bug in annal (a broken invariant, a projector
    // outside its sub-databases), reported as such.
    return Status::Internal(e.what());
  }
}

}  // namespace internal

template <class F>
auto Engine::Impl::RetryingOnMapFull(F&& attempt) -> decltype(attempt()) {
  using R = decltype(attempt());
  // LMDB answers MDB_MAP_RESIZED when a snapshot's last page lies past the
  // map; adopting the newest meta page's size fixes that when another
  // process grew it, or another thread here adopted it first. A store whose
  // meta pages disagree so that adopting never helps would spin for ever.
  int adopted_unchanged = 0;
  for (;;) {
    std::optional<Growth> growth;
    R result = internal::Guard([&]() -> R {
      try {
        return attempt();
      } catch (const lmdb::error& e) {
        if (e.code() == MDB_MAP_FULL) {
          growth = Growth::kDouble;
        } else if (e.code() == MDB_MAP_RESIZED) {
          growth = Growth::kAdoptOthers;
        } else if (e.code() == EIO || e.code() == ENOSPC) {
          return Status::IOError(internal::DescribeLmdbError(e, dir));
        } else {
          throw;
        }
        return Status::Busy("retrying");
      }
    });
    if (!growth) return result;
    bool changed = false;
    if (Status st = internal::Guard([&] { return GrowMap(*growth, &changed); }); !st.ok())
      return st;
    if (*growth == Growth::kAdoptOthers && !changed && ++adopted_unchanged > 100) {
      return Status::Corruption(dir + "/data.mdb is damaged: a snapshot's last page " +
                                "lies past the map size its meta pages give");
    }
  }
}

}  // namespace annal
