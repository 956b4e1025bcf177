// Engine::Append: validate, log and project a batch in one write transaction,
// growing the map and retrying when it is full.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "engine/engine_impl.h"
#include "engine/logging.h"
#include "engine/project.h"
#include "engine/subject_keys.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "store/buffered_kv.h"
#include "store/keys.h"
#include "store/meta.h"
#include "validator/validate.h"

namespace annal {
namespace internal {
namespace {

constexpr auto kGrowWait = std::chrono::seconds(10);
// The most events one group commit takes beyond its leader's batch: bounds
// the latency a follower adds to the leader, and the group's memory.
constexpr size_t kMaxGroupEvents = 16384;
// The longest a leader waits for the callers the last group released.
constexpr auto kMaxGather = std::chrono::milliseconds(1);

std::string Describe(size_t index, const Event& ev, std::string_view what) {
  return "event " + std::to_string(index) + " (" + std::string(ev.type()) +
         "): " + std::string(what);
}

// Validates, logs and projects one caller's batch at seqs from `first`, on
// top of `kv`; the log values wait in `log_values` until the batch is whole.
// A rejected event or a failing projector fails this batch only.
Status AppendBatch(Engine::Impl& s, MDB_txn* txn, Kv& kv, const PendingAppend& p,
                   uint64_t first, ChainHead& chain, bool inline_mode,
                   std::vector<std::string>& log_values) REQUIRES(s.write_mutex) {
  log_values.resize(std::max(log_values.size(), p.batch.size()));
  for (size_t i = 0; i < p.batch.size(); ++i) {
    const Event& ev = p.batch[i];
    const uint64_t seq = first + i;
    kv.Restrict(kRegistryMask);
    if (auto sealed = SealedLookalike(ev)) {
      return Status::Rejected(Describe(i, ev, *sealed), i);
    }
    if (auto broken = s.validator.Admit(kv, ev)) {
      return Status::Rejected(Describe(i, ev, *broken), i);
    }
    EncodeRecord(s.record_builder, seq, p.stamped_ts[i],
                 SealedForLog(txn, s.subject_keys(), s.validator.Logged(ev), seq,
                              s.validator.Personal(), &s.sealed));
    std::string_view bytes(
        reinterpret_cast<const char*>(s.record_builder.GetBufferPointer()),
        s.record_builder.GetSize());
    chain = {seq, ChainHash(chain.hash, seq, bytes)};
    EncodeLogValue(bytes, chain.hash, log_values[i]);
    if (!inline_mode) continue;
    const fbs::Record* rec = fbs::GetRecord(s.record_builder.GetBufferPointer());
    if (Status st = s.projectors.Apply(kv, *rec); !st.ok()) {
      // A declared projection's failure rejects the batch; a built-in's
      // means damage (projectors/projector_set.h).
      if (st.code() == Status::Code::kRejected)
        return Status::Rejected(Describe(i, ev, st.message()), i);
      return Status::Corruption(Describe(i, ev, st.message()));
    }
  }
  return Status::Ok();
}

// The keys of the group's subjects that have none, durable before any
// record sealed under them is (engine/subject_keys.h). The first event of a
// new subject costs a commit and a checkpoint more; the rest, one read.
Status CreateSubjectKeys(Engine::Impl& s, std::span<PendingAppend* const> group)
    REQUIRES_SHARED(s.map_mutex) REQUIRES(s.write_mutex) {
  SubjectKeyCreator creator;
  for (PendingAppend* p : group) {
    for (const Event& ev : p->batch) creator.Need(ev);
  }
  if (creator.empty()) return Status::Ok();
  {
    Txn read(s.env.handle(), Txn::kReadOnly);  // most groups: every key is there
    if (creator.DropThoseWithKeys(read.handle(), s.subject_keys())) return Status::Ok();
  }
  Txn txn = s.BeginWrite();
  if (ReadMode(txn.handle(), s.meta()) == "replica")
    return Status::Ok();  // refused below
  creator.CreateIn(txn.handle(), s.subject_keys());
  s.CommitDurably(txn);
  return Status::Ok();
}

// One attempt at a group of batches in one write transaction: each batch
// gets its receipt or its own error in `result`; the Status is the group's
// (an error for all of them). Any throw (map full included) leaves the store
// as it was. A group of one writes straight into the transaction's buffer;
// a larger one holds each batch in a buffer of its own until it is whole.
Status AppendGroupOnce(Engine::Impl& s, std::span<PendingAppend* const> group,
                       std::optional<std::chrono::steady_clock::time_point>* committed)
    REQUIRES_SHARED(s.map_mutex) REQUIRES(s.write_mutex) {
  committed->reset();
  // The log values are kept between appends to save allocations, but not
  // the many of one huge batch.
  if (s.log_values.size() > kMaxGroupEvents) {
    s.log_values.clear();
    s.log_values.shrink_to_fit();
  }
  Txn txn = s.BeginWrite();
  const size_t slot = LiveSlot(txn.handle(), s.meta());
  const bool inline_mode = s.options.mode == Mode::kInline;
  if (auto stale = s.StaleIn(txn.handle(), slot); inline_mode && !stale.empty()) {
    throw StaleError(stale.front().message);
  }
  if (ReadMode(txn.handle(), s.meta()) == "replica") {
    return Status::InvalidInput(s.dir +
                                " is a replica: it takes records from its stream only "
                                "(`annal promote` makes it a primary)");
  }
  LmdbKv lmdb_kv(txn.handle(), s.slots[slot]);
  BufferedKv group_kv(lmdb_kv);  // the group's writes, flushed once, sorted
  MDB_dbi log = s.log();
  const uint64_t first = LogHead(txn.handle(), log) + 1;
  ChainHead chain = ReadChainHead(txn.handle(), s.meta());
  if (chain.seq != first - 1) {
    return Status::Corruption("the log ends at seq " + std::to_string(first - 1) +
                              " but its hash chain at seq " + std::to_string(chain.seq) +
                              "; run `annal verify --log-only`");
  }
  if (inline_mode) {
    // Events appended in deferred mode and not projected yet go first.
    uint64_t projected = ReadProjected(txn.handle(), s.meta(), slot);
    if (projected < first - 1) {
      Status st =
          ProjectLogged(s.projectors, group_kv, txn.handle(), log, projected, first - 1);
      if (!st.ok()) return st;
    }
  }
  uint64_t next = first;
  // The group's log values, for its journal frame.
  std::string& frame = s.frame_values;
  std::vector<size_t> frame_ends;
  std::vector<std::string> forgotten;  // the subjects of its SubjectForgotten events
  frame.clear();
  for (PendingAppend* p : group) {
    ChainHead batch_chain = chain;
    Status st;
    if (group.size() == 1) {
      st = AppendBatch(s, txn.handle(), group_kv, *p, next, batch_chain, inline_mode,
                       s.log_values);
    } else {
      BufferedKv batch_kv(group_kv, SIZE_MAX);  // dropped if the batch fails
      st = AppendBatch(s, txn.handle(), batch_kv, *p, next, batch_chain, inline_mode,
                       s.log_values);
      if (st.ok()) batch_kv.Flush();
    }
    if (!st.ok()) {
      p->result = st;
      continue;
    }
    for (size_t i = 0; i < p->batch.size(); ++i) {
      if (auto* forget = std::get_if<SubjectForgotten>(&p->batch[i].body))
        forgotten.push_back(forget->subject);
      PutOrThrow(txn.handle(), log, keys::Seq(next + i), s.log_values[i], MDB_APPEND);
      frame += s.log_values[i];
      frame_ends.push_back(frame.size());
    }
    p->result = AppendReceipt{next, next + p->batch.size() - 1};
    next += p->batch.size();
    chain = batch_chain;
  }
  if (next == first) return Status::Ok();  // every batch failed: nothing to commit
  // After the group: what a batch of it sealed under a key it then forgets
  // is erased with the rest (docs/security.md); a failed batch destroys none.
  for (const std::string& subject : forgotten)
    DestroySubjectKey(txn.handle(), s.subject_keys(), subject);
  group_kv.Flush();
  WriteChainHead(txn.handle(), s.meta(), chain);
  if (inline_mode) WriteProjected(txn.handle(), s.meta(), slot, chain.seq);
  AddDigests(txn.handle(), s.meta(), slot, lmdb_kv.deltas());
  lmdb_kv.CloseCursors();
  std::vector<std::string_view> values;
  values.reserve(frame_ends.size());
  for (size_t i = 0, from = 0; i < frame_ends.size(); from = frame_ends[i++])
    values.emplace_back(frame.data() + from, frame_ends[i] - from);
  s.JournalFrame(txn.handle(), first, values);
  auto start = std::chrono::steady_clock::now();
  try {
    txn.Commit();  // the caller syncs the journal, outside the lock
  } catch (...) {
    s.VoidFrame();
    throw;
  }
  *committed = start;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  if (ms >= s.options.slow_commit_ms) {
    Log().info("slow commit: {} ms for {} events in {} batches", ms, next - first,
               group.size());
  }
  return Status::Ok();
}

}  // namespace
}  // namespace internal

using namespace internal;

namespace {

// A batch committed whose journal sync failed. It cannot be taken back:
// readers see it, and the next commit's checkpoint makes it durable (the
// failed sync leaves the engine in doubt of its journal, so that commit
// syncs data.mdb itself). A retried fsync would proceed as if the failed
// write-back had happened (the kernel may have dropped the page's dirty
// state), so there is no retry: the caller is told, with the seqs, and must
// not append the batch again.
Status NotDurable(const AppendReceipt& receipt, int err) {
  return Status::IOError(
      "the batch was committed as seqs " + std::to_string(receipt.first_seq) + " to " +
      std::to_string(receipt.last_seq) +
      ", but the sync that makes it durable failed (fdatasync of the journal: " +
      std::strerror(err) +
      "): it is in the store, and the next commit's checkpoint makes it "
      "durable; do not append it again");
}

// Without this, 16 callers alternate between groups of 1 and 15: while a
// group syncs, one caller arrives and leads the next group alone before the
// 15 just released are back, and each of those then waits for two syncs.
// A leader that finds fewer waiting than the last group held waits for
// them, at most as long as that group's commit took (what leading alone
// would cost them) and never when the last group was one caller: a lone
// appender pays nothing.
void Gather(Engine::Impl& s) REQUIRES(s.group_mutex) {
  if (s.last_group <= 1 || s.group_queue.size() >= s.last_group) return;
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::min<std::chrono::steady_clock::duration>(s.last_group_took, kMaxGather);
  s.gathering = true;
  while (s.group_queue.size() < s.last_group &&
         s.gather_cv.wait_until(s.group_mutex, deadline) != std::cv_status::timeout) {
  }
  s.gathering = false;
}

}  // namespace

void Engine::Impl::Counters::Commit(std::chrono::steady_clock::duration took,
                                    size_t batches) {
  for (size_t i = 0; i < kGroupBatchesBounds.size(); ++i) {
    if (batches <= kGroupBatchesBounds[i])
      groups_within[i].fetch_add(1, std::memory_order_relaxed);
  }
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
  commits.fetch_add(1, std::memory_order_relaxed);
  commit_nanos.fetch_add(static_cast<uint64_t>(nanos), std::memory_order_relaxed);
  for (size_t i = 0; i < kCommitSecondsBounds.size(); ++i) {
    if (nanos <= kCommitSecondsBounds[i] * 1e9)
      within[i].fetch_add(1, std::memory_order_relaxed);
  }
}

Status Engine::Impl::GrowMap(Growth growth, bool* changed) {
  if (!map_mutex.try_lock_for(kGrowWait)) {
    return Status::Busy(
        "the map of " + dir +
        " is full and cannot grow while snapshots of this process are open; "
        "close them and retry");
  }
  MDB_envinfo info;
  mdb_env_info(env.handle(), &info);
  size_t target = growth == Growth::kAdoptOthers ? 0 : info.me_mapsize * 2;
  int rc = mdb_env_set_mapsize(env.handle(), target);
  MDB_envinfo after;
  mdb_env_info(env.handle(), &after);
  map_mutex.unlock();
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_env_set_mapsize", rc);
  if (changed) *changed = after.me_mapsize != info.me_mapsize;
  if (growth == Growth::kDouble) {
    growths.fetch_add(1);
    Log().info("map of {} grown from {} to {} MiB", dir, info.me_mapsize >> 20,
               target >> 20);
    int dead = 0;
    mdb_reader_check(env.handle(), &dead);
    if (dead > 0) Log().info("cleared {} stale reader slot(s) in {}", dead, dir);
  }
  return Status::Ok();
}

Result<AppendReceipt> Engine::Append(std::span<const Event> batch) {
  Impl& s = *impl_;
  if (s.options.read_only)
    return Status::InvalidInput("store opened read-only: " + s.dir);
  if (batch.empty()) return AppendReceipt{};
  // Rules that need no store run before the transaction opens.
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto broken = CheckFields(batch[i])) {
      s.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      return Status::Rejected(Describe(i, batch[i], *broken), i);
    }
  }
  PendingAppend mine{batch, std::vector<int64_t>(batch.size())};
  const int64_t now = s.options.clock();
  for (size_t i = 0; i < batch.size(); ++i)
    mine.stamped_ts[i] = batch[i].ts.value_or(now);

  // Group commit: the first of the waiting callers leads, taking the batches
  // queued behind it into one transaction (one commit, one journal sync),
  // in the order they joined; the others sleep until it hands them their
  // results. A caller alone leads a group of one.
  std::vector<PendingAppend*> group;
  {
    MutexLock lock(s.group_mutex);
    s.group_queue.push_back(&mine);
    if (s.gathering) s.gather_cv.notify_one();
    while (!mine.done && s.group_queue.front() != &mine) s.group_cv.wait(s.group_mutex);
    if (mine.done) return std::move(mine.result);
    Gather(s);
    size_t events = 0;
    for (PendingAppend* p : s.group_queue) {
      if (!group.empty() && events + p->batch.size() > kMaxGroupEvents) break;
      group.push_back(p);
      events += p->batch.size();
    }
  }
  const auto led = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> committed;
  Status st = s.RetryingOnMapFull([&] {
    // One lock order everywhere: the map lock, then write_mutex.
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    if (Status st = CreateSubjectKeys(s, group); !st.ok()) return st;
    return AppendGroupOnce(s, group, &committed);
  });
  // After the write lock: the projector and other processes' writers may
  // commit meanwhile. This process's next leader waits for this group to
  // leave the queue: the callers that come meanwhile make its group. (Letting
  // it commit during this sync gave smaller groups and, on two cores, fewer
  // events per second: docs/performance-notes.md.)
  int sync_rc = 0;
  if (st.ok() && committed) {
    sync_rc = s.SyncJournal();
    s.counters.Commit(std::chrono::steady_clock::now() - *committed, group.size());
  }
  {
    MutexLock lock(s.group_mutex);
    s.last_group = group.size();
    s.last_group_took = std::chrono::steady_clock::now() - led;
    for (PendingAppend* p : group) {
      if (!st.ok()) p->result = st;
      if (sync_rc != 0 && p->result.ok()) p->result = NotDurable(*p->result, sync_rc);
      if (p->result.ok()) {
        s.counters.batches.fetch_add(1, std::memory_order_relaxed);
        s.counters.events.fetch_add(p->batch.size(), std::memory_order_relaxed);
      } else if (p->result.status().code() == Status::Code::kRejected) {
        s.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      }
      p->done = true;  // from here its caller may return: touch it no more
      s.group_queue.pop_front();
    }
  }
  s.group_cv.notify_all();
  if (mine.result.ok() && s.options.wait_for_ship_ms > 0) {
    if (Status st = s.WaitShipped(mine.result->last_seq); !st.ok()) {
      Log().info("{}", st.message());
      mine.result->not_yet_shipped = true;
    }
  }
  return std::move(mine.result);
}

}  // namespace annal
