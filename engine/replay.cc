#include "engine/replay.h"

#include "engine/project.h"
#include "engine/replay_feed.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "store/buffered_kv.h"
#include "store/keys.h"
#include "store/meta.h"
#include "validator/validate.h"

namespace annal::internal {
namespace {

// Events per replay transaction: large, since the write-back buffer coalesces
// the hot keys of a batch (its byte budget bounds the memory).
constexpr size_t kBatchEvents = 50000;
constexpr uint64_t kProgressEvery = 50000;

// The records of a replay's final transaction, read in it on the replay's
// own thread (few: what was appended since the last batch), as ReplayFeed
// gives them.
class InlineFeed {
 public:
  InlineFeed(MDB_txn* txn, MDB_dbi log, uint64_t from, uint64_t to, const Hash& prev,
             bool decode)
      : reader_(txn, log, from, to, ChainCheck::kVerify, prev), decode_(decode) {}
  ReplayFeed::Item* Next() {
    const LogRecord* r = reader_.Next();
    if (!r) return nullptr;
    item_ = {r->seq, r->record, r->hash, decode_ ? DecodeChecked(*r).event : Event{}};
    return &item_;
  }

 private:
  LogReader reader_;
  bool decode_;
  ReplayFeed::Item item_;
};

}  // namespace

Replayer::Replayer(Engine::Impl& s, size_t target_slot, Mode mode, ProgressFn progress,
                   size_t match_slot)
    : s_(s),
      slot_(target_slot),
      mode_(mode),
      match_slot_(match_slot),
      progress_(std::move(progress)),
      validator_(s.upcasters.get()),
      projectors_(s.projections, s.upcasters.get()) {}

void Replayer::ClearTarget() {
  SharedMapLock map_lock(s_.map_mutex);
  Txn txn = s_.BeginWrite();
  for (Db db : s_.dbs) {
    if (IsDerived(db))
      lmdb::dbi_drop(txn.handle(), s_.slots[slot_][static_cast<size_t>(db)], false);
  }
  WriteDigests(txn.handle(), s_.meta(), slot_, {});
  s_.CommitUnsynced(txn);  // scratch: made durable with the commit that uses it
}

LoggedEvent DecodeChecked(const LogRecord& r) {
  LoggedEvent ev = DecodeRecord(*r.record);
  if (auto broken = CheckFields(ev.event)) {
    throw CorruptionError("log record at seq " + std::to_string(r.seq) +
                          " is malformed: " + *broken);
  }
  return ev;
}

Status AdmitDecoded(Validator& validator, Kv& kv, const Event& event, uint64_t seq) {
  kv.Restrict(kRegistryMask);
  if (auto broken = validator.Admit(kv, event)) {
    return Status::Corruption("log record at seq " + std::to_string(seq) +
                              " breaks a rule on replay: " + *broken);
  }
  return Status::Ok();
}

Status AdmitLogged(Validator& validator, Kv& kv, const LogRecord& r) {
  return AdmitDecoded(validator, kv, DecodeChecked(r).event, r.seq);
}

Status Replayer::ApplyOne(Kv& kv, const ReplayFeed::Item& r) {
  if (mode_ == Mode::kApply) {
    if (Status st = AdmitDecoded(validator_, kv, r.event, r.seq); !st.ok()) return st;
    if (r.seq <= limit_ && projected_ == r.seq - 1) {
      if (Status st = projectors_.Apply(kv, *r.record); !st.ok()) return st;
      projected_ = r.seq;
    }
  }
  prev_ = r.hash;
  done_ = r.seq;
  if (progress_ && r.seq % kProgressEvery == 0)
    progress_({done_, std::max(total_, done_)});
  return Status::Ok();
}

uint64_t Replayer::ProjectLimit(MDB_txn* txn) const {
  return match_slot_ == kNoSlot ? UINT64_MAX : ReadProjected(txn, s_.meta(), match_slot_);
}

Status Replayer::ProjectBehind(Kv& kv, MDB_txn* txn) {
  uint64_t to = std::min(limit_, done_);
  if (mode_ == Mode::kCheckOnly || projected_ >= to) return Status::Ok();
  Status st = ProjectLogged(projectors_, kv, txn, s_.log(), projected_, to);
  if (st.ok()) projected_ = to;
  return st;
}

template <class Feed>
Status Replayer::ApplyFrom(Kv& kv, Feed&& feed, size_t max_events, bool* at_end) {
  size_t n = 0;
  for (; n < max_events; ++n) {
    ReplayFeed::Item* r = feed.Next();
    if (!r) break;
    if (Status st = ApplyOne(kv, *r); !st.ok()) return st;
  }
  *at_end = n < max_events;
  return Status::Ok();
}

Status Replayer::ApplyBatch(MDB_txn* txn, size_t max_events, Reading reading,
                            bool* at_end) {
  LmdbKv lmdb_kv(txn, s_.slots[slot_]);
  BufferedKv kv(lmdb_kv);  // flushed sorted: the scratch slot fills front to back
  limit_ = ProjectLimit(txn);
  if (Status st = ProjectBehind(kv, txn); !st.ok()) return st;
  const bool decode = mode_ == Mode::kApply;
  const uint64_t from = done_ + 1;
  const uint64_t to =
      max_events >= UINT64_MAX - from ? UINT64_MAX : from + max_events - 1;
  Status applied =
      reading == Reading::kAhead
          ? ApplyFrom(kv, ReplayFeed(s_.env.handle(), s_.log(), from, to, prev_, decode),
                      max_events, at_end)
          : ApplyFrom(kv, InlineFeed(txn, s_.log(), from, to, prev_, decode), max_events,
                      at_end);
  if (!applied.ok()) return applied;
  if (Status st = ProjectBehind(kv, txn); !st.ok()) return st;
  kv.Flush();
  if (mode_ == Mode::kApply) AddDigests(txn, s_.meta(), slot_, lmdb_kv.deltas());
  return Status::Ok();
}

Status Replayer::CatchUpInBatches() {
  total_ = s_.RetryingOnMapFull([&]() -> Result<uint64_t> {
               SharedMapLock map_lock(s_.map_mutex);
               Txn txn(s_.env.handle(), Txn::kReadOnly);
               return LogHead(txn.handle(), s_.log());
             }).value_or(0);
  for (bool at_end = false; !at_end;) {
    const uint64_t done_before = done_, projected_before = projected_;
    const Hash prev_before = prev_;
    Status st = s_.RetryingOnMapFull([&]() -> Status {
      // A retried batch starts again from where this one started.
      done_ = done_before, projected_ = projected_before, prev_ = prev_before;
      SharedMapLock map_lock(s_.map_mutex);
      const bool check_only = mode_ == Mode::kCheckOnly;
      Txn txn = check_only ? Txn(s_.env.handle(), Txn::kReadOnly) : s_.BeginWrite();
      Status applied = ApplyBatch(txn.handle(), kBatchEvents, Reading::kAhead, &at_end);
      if (!applied.ok()) return applied;
      if (check_only) {
        txn.Commit();
      } else {
        s_.CommitUnsynced(txn);  // scratch: made durable with the commit that uses it
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status Replayer::FinishIn(MDB_txn* txn) {
  for (bool at_end = false; !at_end;) {
    if (Status st = ApplyBatch(txn, SIZE_MAX, Reading::kInline, &at_end); !st.ok())
      return st;
  }
  ChainHead head = ReadChainHead(txn, s_.meta());
  if (head.seq != done_ || head.hash != prev_) {
    return Status::Corruption("the log ends at seq " + std::to_string(done_) +
                              " but meta records its chain head at seq " +
                              std::to_string(head.seq) +
                              (head.seq == done_ ? " with another hash" : "") +
                              ": records were removed or the head was altered");
  }
  if (mode_ == Mode::kApply) WriteProjected(txn, s_.meta(), slot_, projected_);
  if (progress_) progress_({done_, done_});
  return Status::Ok();
}

}  // namespace annal::internal
