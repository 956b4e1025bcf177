// Engine::Append: validate, log and project a batch in one write transaction,
// growing the map and retrying when it is full.
#include <chrono>

#include "engine/engine_impl.h"
#include "engine/logging.h"
#include "engine/project.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "rules/validate.h"
#include "store/keys.h"
#include "store/meta.h"

namespace annal {
namespace internal {
namespace {

constexpr auto kGrowWait = std::chrono::seconds(10);

std::string Describe(size_t index, const Event& ev, std::string_view what) {
  return "event " + std::to_string(index) + " (" + std::string(ev.type()) +
         "): " + std::string(what);
}

// One attempt: everything happens inside the transaction, so any throw (map
// full included) leaves the store as it was.
// The caller holds the map lock (shared) and then write_mutex, in that order.
Result<AppendReceipt> AppendOnce(Engine::Impl& s, std::span<const Event> batch,
                                 const std::vector<int64_t>& stamped_ts)
    REQUIRES_SHARED(s.map_mutex) REQUIRES(s.write_mutex) {
  Txn txn(s.env.handle(), Txn::kWrite);
  const size_t slot = LiveSlot(txn.handle(), s.meta());
  const bool inline_mode = s.options.mode == Mode::kInline;
  if (auto stale = s.StaleIn(txn.handle(), slot); inline_mode && !stale.empty()) {
    throw StaleError(stale.front().message);
  }
  LmdbKv kv(txn.handle(), s.slots[slot]);
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
          ProjectLogged(s.projectors, kv, txn.handle(), log, projected, first - 1);
      if (!st.ok()) return st;
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const Event& ev = batch[i];
    const uint64_t seq = first + i;
    kv.Restrict(kRegistryMask);
    if (auto broken = s.validator.Admit(kv, ev))
      return Status::Rejected(Describe(i, ev, *broken), i);

    EncodeRecord(s.record_builder, seq, stamped_ts[i], ev);
    std::string_view bytes(
        reinterpret_cast<const char*>(s.record_builder.GetBufferPointer()),
        s.record_builder.GetSize());
    chain = {seq, ChainHash(chain.hash, seq, bytes)};
    EncodeLogValue(bytes, chain.hash, s.log_value);
    PutOrThrow(txn.handle(), log, keys::Seq(seq), s.log_value, MDB_APPEND);

    if (!inline_mode) continue;
    const fbs::Record* rec = fbs::GetRecord(s.record_builder.GetBufferPointer());
    if (Status st = s.projectors.Apply(kv, *rec); !st.ok()) {
      return Status::Corruption(Describe(i, ev, st.message()));
    }
  }
  WriteChainHead(txn.handle(), s.meta(), chain);
  if (inline_mode) WriteProjected(txn.handle(), s.meta(), slot, chain.seq);
  AddDigests(txn.handle(), s.meta(), slot, kv.deltas());
  kv.CloseCursors();
  auto start = std::chrono::steady_clock::now();
  txn.Commit();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  if (ms >= s.options.slow_commit_ms) {
    Log().info("slow commit: {} ms for {} events", ms, batch.size());
  }
  return AppendReceipt{first, first + batch.size() - 1};
}

}  // namespace
}  // namespace internal

using namespace internal;

Status Engine::Impl::GrowMap(Growth growth) {
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
  map_mutex.unlock();
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_env_set_mapsize", rc);
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
      return Status::Rejected(Describe(i, batch[i], *broken), i);
    }
  }
  const int64_t now = s.options.clock();
  std::vector<int64_t> stamped_ts(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) stamped_ts[i] = batch[i].ts.value_or(now);
  return s.RetryingOnMapFull([&] {
    // One lock order everywhere: the map lock, then write_mutex.
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    return AppendOnce(s, batch, stamped_ts);
  });
}

}  // namespace annal
