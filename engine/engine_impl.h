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
  lmdb::env env{nullptr};
  // Handles of every sub-database per slot; meta and log are the same in both.
  std::array<internal::DbHandles, internal::kSlots> slots{};
  MDB_dbi meta() const { return slots[0][static_cast<size_t>(internal::Db::kMeta)]; }
  MDB_dbi log() const { return slots[0][static_cast<size_t>(internal::Db::kLog)]; }

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
  // A batch's log values (record + chain hash), written once it is whole.
  std::vector<std::string> log_values GUARDED_BY(write_mutex);

  // Appenders of this process waiting for a group commit, in arrival order;
  // the front one leads (engine/append.cc). Never held with the locks above.
  internal::Mutex group_mutex;
  std::condition_variable_any group_cv;
  std::deque<internal::PendingAppend*> group_queue GUARDED_BY(group_mutex);
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
    void Commit(std::chrono::steady_clock::duration took);
  } counters;

  enum class Growth : uint8_t {
    kDouble,       // this process filled the map: double it
    kAdoptOthers,  // another process grew it (MDB_MAP_RESIZED): take its size
  };
  // `changed`: whether the map's size changed (an adoption may find another
  // thread of this process adopted the same size first).
  Status GrowMap(Growth growth, bool* changed = nullptr) EXCLUDES(map_mutex);

  // Durable stores open LMDB with MDB_NOMETASYNC: a commit syncs its data
  // pages but writes the meta page unsynced, and SyncMeta() (an fdatasync)
  // makes it durable. An append returns only after both; the second runs
  // after the write lock is released, so the projector and other processes'
  // writers need not wait for it (this process's next group forms once the
  // group before it is acknowledged).
  void CommitDurably(internal::Txn& txn);
  void SyncMeta();
  // SyncMeta's error code instead of an exception (0: synced, or nothing to
  // sync): for Append, which tells each batch of its group what happened.
  int TrySyncMeta();

  // Runs `attempt` (one transaction) until it neither fills the map nor meets
  // a map another process grew; errors become a Status (Guard). The one
  // retry loop: appends, the projector, replay batches, snapshots, open.
  template <class F>
  auto RetryingOnMapFull(F&& attempt) -> decltype(attempt());
};

namespace internal {

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
