// How a commit becomes durable: the journal's frames and checkpoints
// (engine_impl.h says when each is taken; docs/format.md, "The journal",
// says why it is safe under power loss).
#include <unistd.h>

#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/logging.h"
#include "store/errors.h"

namespace annal {

using namespace internal;

namespace {

// Frames past this since the last checkpoint: take one. Bounds what a
// recovery replays and how many pages the pin keeps from reuse (the file
// grows by the pages the commits since the checkpoint freed).
constexpr uint64_t kCheckpointBytes = 4 << 20;

uint64_t LastCommitted(MDB_env* env) {
  MDB_envinfo info;
  mdb_env_info(env, &info);
  return info.me_last_txnid;
}

}  // namespace

void Engine::Impl::Checkpoint(MDB_txn* txn) {
  JournalState& st = journal_state;
  const uint64_t base = mdb_txn_id(txn) - 1;
  if (int rc = mdb_env_sync(env.handle(), 1); rc != MDB_SUCCESS)
    lmdb::error::raise("mdb_env_sync (a checkpoint)", rc);
  uint32_t page_size = 0;
  auto metas = Journal::ReadMetaPages(dir + "/data.mdb", &page_size);
  if (!metas)
    throw CorruptionError(dir +
                          "/data.mdb: its meta pages cannot be read for a checkpoint");
  const uint64_t newest =
      std::max(Journal::MetaTxnid((*metas)[0]), Journal::MetaTxnid((*metas)[1]));
  if (newest != base) {
    // Only a writer outside annal's commits could do this.
    throw std::runtime_error("a checkpoint of " + dir + " found transaction " +
                             std::to_string(newest) + " on disk, not " +
                             std::to_string(base));
  }
  // Before the journal names this state: its pages are held from here on.
  Txn pin(env.handle(), Txn::kReadOnly);
  const auto before = journal->ReadCheckpoint();
  Journal::Checkpoint c;
  c.generation = std::max(before ? before->generation : 0, st.generation) + 1;
  c.txnid = base;
  c.page_size = page_size;
  c.meta[0] = std::move((*metas)[0]);
  c.meta[1] = std::move((*metas)[1]);
  journal->WriteCheckpoint(c);
  st.pin = std::move(pin);  // the checkpoint before is let go only now
  st.generation = c.generation;
  st.offset = Journal::kFramesOffset;
  st.last_txnid = base;
  st.in_doubt = false;
  counters.checkpoints.fetch_add(1, std::memory_order_relaxed);
}

Txn Engine::Impl::BeginWrite() {
  Txn txn(env.handle(), Txn::kWrite);
  if (!journal) return txn;
  MutexLock lock(journal_mutex);
  JournalState& st = journal_state;
  if (st.recovering) return txn;
  // Owned: this engine's checkpoint is the journal's, and no commit but its
  // own came since (another's would not be in its frames).
  bool owned = st.pin && !st.in_doubt && st.offset < kCheckpointBytes &&
               mdb_txn_id(txn.handle()) - 1 == st.last_txnid;
  // On every write transaction: the generations alone, no checksums.
  if (owned) owned = journal->NewestGeneration() == st.generation;
  if (!owned) Checkpoint(txn.handle());
  return txn;
}

void Engine::Impl::JournalFrame(MDB_txn* txn, uint64_t first_seq,
                                const std::vector<std::string_view>& values) {
  if (!journal) return;
  MutexLock lock(journal_mutex);
  JournalState& st = journal_state;
  try {
    st.last_frame = st.offset;
    st.offset = journal->WriteFrame(st.generation, st.offset, first_seq, values);
  } catch (...) {
    st.in_doubt = true;  // a frame may be half there: the next commit checkpoints
    throw;
  }
  st.last_txnid = mdb_txn_id(txn);
}

void Engine::Impl::VoidFrame() {
  if (!journal) return;
  MutexLock lock(journal_mutex);
  journal_state.in_doubt = true;  // the next commit checkpoints: a new generation
  try {
    journal->VoidFrame(journal_state.last_frame);
  } catch (const std::exception& e) {
    Log().error(
        "{}: a failed commit's journal frame could not be voided ({}): a recovery "
        "before the next commit may apply it",
        dir, e.what());
  }
}

int Engine::Impl::SyncJournal() {
  if (!journal || !options.sync) return 0;
  const int err = journal->Sync();
  if (err != 0) {
    MutexLock lock(journal_mutex);
    journal_state.in_doubt = true;
  }
  return err;
}

void Engine::Impl::CommitUnsynced(Txn& txn) {
  const uint64_t id = mdb_txn_id(txn.handle());
  txn.Commit();
  MutexLock lock(journal_mutex);
  if (LastCommitted(env.handle()) == id) journal_state.last_txnid = id;
}

void Engine::Impl::CommitDurably(Txn& txn) {
  const uint64_t id = mdb_txn_id(txn.handle());
  CommitUnsynced(txn);
  // Sync off: durable at the next checkpoint, whenever that comes.
  if (!journal || options.read_only || !options.sync || LastCommitted(env.handle()) < id)
    return;
  Txn after(env.handle(), Txn::kWrite);
  MutexLock lock(journal_mutex);
  if (journal_state.recovering) return;
  try {
    Checkpoint(after.handle());
  } catch (const lmdb::error& e) {
    lmdb::error::raise((std::string(kAfterCommit) + e.origin()).c_str(), e.code());
  }
}

void Engine::Impl::CloseJournal() {
  if (!journal || options.read_only) return;
  try {
    Txn txn(env.handle(), Txn::kWrite);
    MutexLock lock(journal_mutex);
    JournalState& st = journal_state;
    if (journal->TryLockExclusive()) {
      // The store's last engine: everything synced, and no journal left, so
      // that data.mdb alone is the store again (what other LMDB programs
      // write to it while annal is away is not undone at the next open).
      Checkpoint(txn.handle());
      st.pin.reset();
      Journal::Remove(dir);
      journal.reset();
      return;
    }
    const bool journaled = st.pin && st.offset > Journal::kFramesOffset;
    const bool mine = mdb_txn_id(txn.handle()) - 1 == st.last_txnid;
    const auto c = journal->ReadCheckpoint();
    if (journaled && mine && c && c->generation == st.generation)
      Checkpoint(txn.handle());
    st.pin.reset();
  } catch (const std::exception& e) {
    // Nothing is lost: the next open replays the frames.
    Log().warn("{}: no checkpoint at close: {}", dir, e.what());
  }
}

Status Engine::Impl::OpenJournal(bool* needs_writer) {
  *needs_writer = false;
  std::optional<Journal> j;
  bool exclusive = false;
  // A closing engine may remove the journal while this one waits for its
  // lock: then again, with the one in the directory now.
  for (;;) {
    j = Journal::Open(dir, !options.read_only, options.file_mode);
    if (!j) return Status::Ok();  // a read-only engine on a store without one
    exclusive = j->TryLockExclusive();
    if (!exclusive) j->LockShared();
    if (j->Linked()) break;
  }
  MutexLock lock(journal_mutex);
  JournalState& st = journal_state;
  // Exclusive only while nobody else has the store open: then, and only
  // then, what data.mdb holds past the checkpoint may be what a power loss
  // left. Others wait (LockShared) until the recovery is done.
  const std::string data_file = dir + "/data.mdb";
  const auto c = exclusive ? j->ReadCheckpoint() : std::nullopt;
  // No data.mdb: a new store, whatever journal was left (its generation
  // goes on).
  if (c && ::access(data_file.c_str(), F_OK) == 0) {
    uint32_t page_size = 0;
    // Unreadable meta pages are what a power loss may leave: the
    // checkpoint's are written back.
    const auto metas = Journal::ReadMetaPages(data_file, &page_size);
    const uint64_t newest =
        metas ? std::max(Journal::MetaTxnid((*metas)[0]), Journal::MetaTxnid((*metas)[1]))
              : ~uint64_t{0};
    if (metas && newest < c->txnid) {
      return Status::Corruption(
          dir + "/journal names transaction " + std::to_string(c->txnid) +
          " of data.mdb, which holds only " + std::to_string(newest) +
          ": data.mdb is older than its journal (put back from a copy?); move the "
          "journal aside to open data.mdb as it is");
    }
    std::vector<Journal::Frame> frames = j->ReadFrames(*c);
    if (newest != c->txnid || !frames.empty()) {
      if (options.read_only) {
        *needs_writer = true;
        return Status::Ok();  // j closes: its lock goes with it
      }
      if (metas && page_size != c->page_size)
        return Status::Corruption(
            dir + "/journal's checkpoint has another page size than data.mdb");
      Journal::RestoreMetaPages(data_file, *c);
      st.recovering = true;
      st.to_replay = std::move(frames);
      journal = std::move(j);
      return Status::Ok();  // exclusive until FinishRecovery
    }
  }
  j->LockShared();
  journal = std::move(j);
  return Status::Ok();
}

void Engine::Impl::StartRecovery() {
  MutexLock lock(journal_mutex);
  if (journal_state.recovering) journal_state.pin.emplace(env.handle(), Txn::kReadOnly);
}

Status Engine::Impl::FinishRecovery() {
  std::vector<Journal::Frame> frames;
  {
    MutexLock lock(journal_mutex);
    if (!journal_state.recovering) return Status::Ok();
    frames = std::move(journal_state.to_replay);
  }
  uint64_t events = 0;
  for (const Journal::Frame& f : frames) {
    std::vector<std::string_view> values(f.values.begin(), f.values.end());
    if (Status st = AppendJournaled(*this, f.first_seq, values); !st.ok()) {
      const std::string what =
          dir + "/journal: its frame from seq " + std::to_string(f.first_seq) +
          " cannot be applied: " + st.message() + " (moving " + dir +
          "/journal aside opens the store at its last checkpoint, without what the "
          "journal holds past it)";
      return st.code() == Status::Code::kIOError ? Status::IOError(what)
                                                 : Status::Corruption(what);
    }
    events += values.size();
  }
  // Inline: projected as Append would have. A projection whose version
  // changed is stale here: it waits, as ever, for its rebuild.
  while (options.mode == Mode::kInline && !frames.empty()) {
    auto projected = ProjectPendingIn(*this, 4096);
    if (!projected.ok() && projected.status().code() == Status::Code::kIncompatible)
      break;
    if (!projected.ok()) return projected.status();
    if (*projected == 0) break;
  }
  Status st = RetryingOnMapFull([&] {
    SharedMapLock map_lock(map_mutex);
    Txn txn(env.handle(), Txn::kWrite);
    MutexLock lock(journal_mutex);
    journal_state.recovering = false;
    Checkpoint(txn.handle());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  journal->LockShared();
  Log().info("{}: recovered from its journal: its last checkpoint, then {} events again",
             dir, events);
  return Status::Ok();
}

}  // namespace annal
