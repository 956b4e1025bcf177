// A store's role (primary or replica) and the replica's write path: log
// values taken as another store's log holds them, checked, then logged
// unchanged and projected by the same projectors as Append
// (docs/replication.md). Snapshot::ScanStored, the shipper's side, is here
// too: both speak the stored form of events/log_reader.h.
#include "annal/replication.h"
#include "engine/engine_impl.h"
#include "engine/project.h"
#include "engine/replay.h"
#include "engine/snapshot_impl.h"
#include "engine/subject_keys.h"
#include "events/log_reader.h"
#include "store/buffered_kv.h"
#include "store/keys.h"
#include "store/meta.h"

namespace annal {
namespace internal {
namespace {

constexpr std::string_view kReplica = "replica";

enum class Source : uint8_t { kStream, kJournal };

// Stored log values from a stream (a replica's) or from the journal (a
// recovery, engine/durability.cc), in one transaction: logged unchanged,
// and, from a stream, projected.
Result<uint64_t> AppendStoredOnce(Engine::Impl& s, uint64_t first_seq,
                                  std::span<const std::string_view> stored,
                                  Status* failure, Source source = Source::kStream)
    REQUIRES_SHARED(s.map_mutex) REQUIRES(s.write_mutex) {
  const char* from = source == Source::kStream ? "replicated" : "journaled";
  // Journaled values are logged only: the projections catch up after the
  // recovery (FinishRecovery), with the projectors this engine runs now.
  const bool project = source == Source::kStream;
  Txn txn = s.BeginWrite();
  if (source == Source::kStream && ReadMode(txn.handle(), s.meta()) != kReplica) {
    return Status::InvalidInput(s.dir +
                                " is not a replica (`annal replica` makes an empty "
                                "store one)");
  }
  const size_t slot = LiveSlot(txn.handle(), s.meta());
  if (auto stale = s.StaleIn(txn.handle(), slot); project && !stale.empty()) {
    throw StaleError(stale.front().message);
  }
  const uint64_t head = LogHead(txn.handle(), s.log());
  ChainHead chain = ReadChainHead(txn.handle(), s.meta());
  if (chain.seq != head) {
    return Status::Corruption("the log ends at seq " + std::to_string(head) +
                              " but its hash chain at seq " + std::to_string(chain.seq));
  }
  if (first_seq != head + 1) {
    return Status::InvalidInput(
        std::string(from) + " records from seq " + std::to_string(first_seq) +
        " do not follow this store's head at seq " + std::to_string(head));
  }
  LmdbKv lmdb_kv(txn.handle(), s.slots[slot]);
  BufferedKv kv(lmdb_kv);
  if (uint64_t projected = ReadProjected(txn.handle(), s.meta(), slot);
      project && projected < head) {
    Status st = ProjectLogged(s.projectors, kv, txn.handle(), s.log(), projected, head);
    if (!st.ok()) return st;
  }
  AlignedBuf buf;
  Hash hash = chain.hash;
  for (size_t i = 0; i < stored.size(); ++i) {
    const uint64_t seq = first_seq + i;
    // Checked before anything of it is applied; the values before it stay.
    LogRecord r;
    try {
      r = DecodeLogValue(seq, stored[i], buf, &hash);
    } catch (const CorruptionError& e) {
      *failure = Status::Corruption(std::string(from) + " " + e.what());
      if (i == 0) return *failure;
      break;
    }
    if (Status st = AdmitLogged(s.validator, kv, r); !st.ok()) return st;
    if (r.record->event_type() == fbs::Event::SubjectForgotten) {
      DestroySubjectKey(txn.handle(), s.subject_keys(),
                        r.record->event_as_SubjectForgotten()->subject()->string_view());
    }
    if (Status st = project ? s.projectors.Apply(kv, *r.record) : Status::Ok();
        !st.ok()) {
      return Status::Corruption(std::string(from) + " record at seq " +
                                std::to_string(seq) + ": " + st.message());
    }
    PutOrThrow(txn.handle(), s.log(), keys::Seq(seq), stored[i], MDB_APPEND);
    chain = {seq, r.hash};
  }
  kv.Flush();
  WriteChainHead(txn.handle(), s.meta(), chain);
  if (project) WriteProjected(txn.handle(), s.meta(), slot, chain.seq);
  AddDigests(txn.handle(), s.meta(), slot, lmdb_kv.deltas());
  lmdb_kv.CloseCursors();
  s.CommitDurably(txn);
  return chain.seq;
}

}  // namespace

Status AppendJournaled(Engine::Impl& s, uint64_t first_seq,
                       std::span<const std::string_view> stored) {
  Status failure;
  Result<uint64_t> head = s.RetryingOnMapFull([&]() -> Result<uint64_t> {
    failure = Status::Ok();
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    return AppendStoredOnce(s, first_seq, stored, &failure, Source::kJournal);
  });
  if (!head.ok()) return head.status();
  return failure;
}

namespace {

// Moves the store's role in one durable transaction; `change` decides.
template <class F>
Status ChangeRole(Engine::Impl& s, F&& change) {
  if (s.options.read_only)
    return Status::InvalidInput("store opened read-only: " + s.dir);
  return s.RetryingOnMapFull([&]() -> Status {
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    Txn txn = s.BeginWrite();
    Status st = change(txn.handle(), ReadMode(txn.handle(), s.meta()));
    if (!st.ok()) return st;
    s.CommitDurably(txn);
    return Status::Ok();
  });
}

}  // namespace
}  // namespace internal

using namespace internal;

Status StoreReplication::MakeReplica() {
  Engine::Impl& s = *engine_.impl_;
  return ChangeRole(s, [&](MDB_txn* txn, const std::string& mode) -> Status {
    if (mode == kReplica) return Status::Ok();
    if (uint64_t head = LogHead(txn, s.log()); head != 0) {
      return Status::InvalidInput(s.dir + " holds " + std::to_string(head) +
                                  " events of its own: only an empty store becomes a "
                                  "replica");
    }
    WriteMode(txn, s.meta(), kReplica);
    return Status::Ok();
  });
}

Status StoreReplication::Promote() {
  Engine::Impl& s = *engine_.impl_;
  return ChangeRole(s, [&](MDB_txn* txn, const std::string& mode) -> Status {
    if (mode != kReplica) return Status::InvalidInput(s.dir + " is not a replica");
    WriteMode(txn, s.meta(), s.options.mode == Mode::kInline ? "inline" : "deferred");
    return Status::Ok();
  });
}

Result<uint64_t> StoreReplication::AppendStored(
    uint64_t first_seq, std::span<const std::string_view> stored) {
  Engine::Impl& s = *engine_.impl_;
  if (s.options.read_only)
    return Status::InvalidInput("store opened read-only: " + s.dir);
  if (stored.empty()) return Status::InvalidInput("no records to append");
  Status failure;
  Result<uint64_t> head = s.RetryingOnMapFull([&]() -> Result<uint64_t> {
    failure = Status::Ok();
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    return AppendStoredOnce(s, first_seq, stored, &failure);
  });
  if (head.ok()) {
    s.counters.batches.fetch_add(1, std::memory_order_relaxed);
    s.counters.events.fetch_add(*head - first_seq + 1, std::memory_order_relaxed);
  }
  if (!failure.ok()) return failure;  // after the sound prefix is durable
  return head;
}

Status Snapshot::ScanStored(
    uint64_t from_seq,
    const std::function<bool(uint64_t seq, std::string_view stored)>& visit) const {
  return Guard([&]() -> Status {
    from_seq = std::max<uint64_t>(from_seq, 1);
    MDB_txn* txn = impl_->txn.handle();
    const MDB_dbi log = impl_->Dbi(Db::kLog);
    Hash prev{};
    if (from_seq > 1) {
      auto v = GetInPlace(txn, log, keys::Seq(from_seq - 1));
      if (!v) return Status::Ok();  // past the head: nothing to visit
      AlignedBuf buf;
      prev = DecodeLogValue(from_seq - 1, *v, buf).hash;
    }
    LogReader reader(txn, log, from_seq, UINT64_MAX, ChainCheck::kVerify, prev);
    while (const LogRecord* r = reader.Next()) {
      if (!visit(r->seq, r->value)) break;
    }
    return Status::Ok();
  });
}

Result<std::optional<std::string>> Snapshot::StoredHash(uint64_t seq) const {
  return Guard([&]() -> Result<std::optional<std::string>> {
    auto v = seq == 0
                 ? std::nullopt
                 : GetInPlace(impl_->txn.handle(), impl_->Dbi(Db::kLog), keys::Seq(seq));
    if (!v) return std::optional<std::string>();
    AlignedBuf buf;
    const Hash h = DecodeLogValue(seq, *v, buf).hash;
    return std::optional<std::string>(std::string(h.begin(), h.end()));
  });
}

}  // namespace annal
