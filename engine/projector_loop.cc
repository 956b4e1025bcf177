// Deferred mode's projector: catching the projections up with the log from
// their checkpoint, exactly once, and waiting for new commits without
// spinning (inotify on data.mdb: LMDB writes every commit's pages with
// pwrite, so a commit by any process modifies the file).
#include <chrono>

#include "engine/engine_impl.h"
#include "engine/logging.h"
#include "engine/project.h"
#include "engine/store_watch.h"
#include "events/log_reader.h"
#include "store/buffered_kv.h"
#include "store/file_lock.h"
#include "store/keys.h"

namespace annal {

using namespace internal;

Result<uint64_t> Engine::ProjectPending(size_t batch) {
  Impl& s = *impl_;
  if (s.options.read_only)
    return Status::InvalidInput("the projector needs a writable store");
  return ProjectPendingIn(s, batch);
}

namespace internal {

Result<uint64_t> ProjectPendingIn(Engine::Impl& s, size_t batch) {
  return s.RetryingOnMapFull([&]() -> Result<uint64_t> {
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);  // shares the projectors with Append
    Txn txn = s.BeginWrite();
    const size_t slot = LiveSlot(txn.handle(), s.meta());
    if (auto stale = s.StaleIn(txn.handle(), slot); !stale.empty()) {
      throw StaleError(stale.front().message);
    }
    const uint64_t from = ReadProjected(txn.handle(), s.meta(), slot);
    const uint64_t head = LogHead(txn.handle(), s.log());
    if (from >= head) return uint64_t{0};
    const uint64_t to = std::min<uint64_t>(head, from + batch);
    LmdbKv lmdb_kv(txn.handle(), s.slots[slot]);
    BufferedKv kv(lmdb_kv);
    Status st = ProjectLogged(s.projectors, kv, txn.handle(), s.log(), from, to);
    if (!st.ok()) return st;  // the transaction aborts: the checkpoint stays at `from`
    kv.Flush();
    WriteProjected(txn.handle(), s.meta(), slot, to);
    AddDigests(txn.handle(), s.meta(), slot, lmdb_kv.deltas());
    lmdb_kv.CloseCursors();
    s.CommitDurably(txn);
    return to - from;
  });
}

}  // namespace internal

Status Engine::RunProjector(const std::atomic<bool>& stop, size_t batch) {
  Impl& s = *impl_;
  // One projector per store, across processes.
  auto lock = FileLock::TryAcquire(s.dir + "/projector.lock", s.options.file_mode);
  if (!lock) return Status::Busy("another projector is running on " + s.dir);
  Status result;
  while (!stop.load()) {
    const uint64_t epoch = s.commit_watch.Epoch();
    auto n = ProjectPending(batch);
    if (!n.ok()) {
      result = n.status();
      break;
    }
    if (*n == 0) s.commit_watch.WaitPast(epoch, 100);
  }
  return result;
}

Status Engine::WaitFor(uint64_t seq, int64_t timeout_ms) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  StoreWatch& watch = impl_->commit_watch;
  for (;;) {
    const uint64_t epoch = watch.Epoch();  // before reading: no change is missed
    auto snap = Read();
    if (!snap.ok()) return snap.status();
    auto projected = snap->ProjectedSeq();
    if (!projected.ok()) return projected.status();
    if (*projected >= seq) return Status::Ok();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Busy("projections reflect seq " + std::to_string(*projected) +
                          ", still short of " + std::to_string(seq) + " after " +
                          std::to_string(timeout_ms) + " ms: is a projector running?");
    }
    snap = Status::Ok();  // release the snapshot before sleeping
    watch.WaitPast(epoch, static_cast<int>(std::min<int64_t>(left.count(), 50)));
  }
}

Result<uint64_t> Engine::WaitForCommit(uint64_t after_seq, int64_t timeout_ms) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  StoreWatch& watch = impl_->commit_watch;
  for (;;) {
    const uint64_t epoch = watch.Epoch();
    uint64_t head = 0;
    {
      auto snap = Read();
      if (!snap.ok()) return snap.status();
      auto last = snap->LastSeq();
      if (!last.ok()) return last.status();
      head = *last;
    }  // (the snapshot is released before sleeping)
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (head > after_seq || left.count() <= 0) return head;
    watch.WaitPast(epoch, static_cast<int>(std::min<int64_t>(left.count(), 50)));
  }
}

}  // namespace annal
