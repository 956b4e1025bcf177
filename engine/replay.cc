#include "engine/replay.h"

#include "engine/meta.h"
#include "engine/project.h"
#include "events/record_codec.h"
#include "rules/validate.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

constexpr size_t kBatchEvents = 10000;
constexpr uint64_t kProgressEvery = 50000;

Status AtSeq(uint64_t seq, const std::string& what) {
  return Status::Corruption("log record at seq " + std::to_string(seq) + " " + what);
}

}  // namespace

Replayer::Replayer(Engine::Impl& s, size_t target_slot, bool check_only,
                   ProgressFn progress, size_t match_slot)
    : s_(s),
      slot_(target_slot),
      check_only_(check_only),
      match_slot_(match_slot),
      progress_(std::move(progress)),
      projectors_(MakeProjectors()) {}

void Replayer::ClearTarget() {
  std::shared_lock map_lock(s_.map_mutex);
  Txn txn(s_.env.handle(), false);
  for (const DbSpec& spec : kDbs) {
    if (IsDerived(spec.db))
      lmdb::dbi_drop(txn.handle(), s_.slots[slot_][static_cast<size_t>(spec.db)], false);
  }
  WriteDigests(txn.handle(), s_.meta(), slot_, {});
  txn.Commit();
}

Status Replayer::ApplyOne(LmdbKv& kv, uint64_t seq, std::string_view value) {
  auto parts = SplitLogValue(value);
  if (!parts) return AtSeq(seq, "is too short to be a record");
  Hash hash = ChainHash(prev_, seq, parts->record);
  if (hash != parts->hash) {
    return AtSeq(
        seq,
        "breaks the hash chain: it was altered, or records were removed or reordered");
  }
  record_.Assign(parts->record);
  const fbs::Record* rec = VerifiedRecord(record_.view());
  if (!rec) return AtSeq(seq, "fails its structural checks");
  if (rec->seq() != seq)
    return AtSeq(seq, "holds the record of seq " + std::to_string(rec->seq()));
  if (!check_only_) {
    LoggedEvent ev = DecodeRecord(*rec);
    if (auto broken = CheckFields(ev.event))
      return AtSeq(seq, "is malformed: " + *broken);
    kv.Restrict(s_.registry_mask);
    if (auto broken = validator_.Admit(kv, ev.event))
      return AtSeq(seq, "breaks a rule on replay: " + *broken);
    if (seq <= limit_ && projected_ == seq - 1) {
      if (Status st = Project(projectors_, s_.projector_masks, kv, *rec); !st.ok())
        return st;
      projected_ = seq;
    }
  }
  prev_ = hash;
  done_ = seq;
  if (progress_ && seq % kProgressEvery == 0) progress_({done_, std::max(total_, done_)});
  return Status::Ok();
}

uint64_t Replayer::ProjectLimit(MDB_txn* txn) const {
  return match_slot_ == kNoSlot ? UINT64_MAX : ReadProjected(txn, s_.meta(), match_slot_);
}

Status Replayer::ProjectBehind(LmdbKv& kv, MDB_txn* txn) {
  uint64_t to = std::min(limit_, done_);
  if (check_only_ || projected_ >= to) return Status::Ok();
  Status st =
      ProjectLogged(projectors_, s_.projector_masks, kv, txn, s_.log(), projected_, to);
  if (st.ok()) projected_ = to;
  return st;
}

Status Replayer::ApplyBatch(MDB_txn* txn, size_t max_events, bool* at_end) {
  LmdbKv kv(txn, s_.slots[slot_]);
  limit_ = ProjectLimit(txn);
  if (Status st = ProjectBehind(kv, txn); !st.ok()) return st;
  Cursor c(txn, s_.log());
  std::string_view k, v;
  size_t n = 0;
  bool more = c.Seek(keys::Seq(done_ + 1), &k, &v);
  for (; more && n < max_events; more = c.Get(MDB_NEXT, &k, &v), ++n) {
    uint64_t seq = k.size() == 8 ? keys::DecodeU64(k) : 0;
    if (seq != done_ + 1) {
      return AtSeq(done_ + 1,
                   "is missing (the next record is seq " + std::to_string(seq) + ")");
    }
    if (Status st = ApplyOne(kv, seq, v); !st.ok()) return st;
  }
  if (Status st = ProjectBehind(kv, txn); !st.ok()) return st;
  if (!check_only_) AddDigests(txn, s_.meta(), slot_, kv.deltas());
  *at_end = !more;
  return Status::Ok();
}

Status Replayer::CatchUpInBatches() {
  {
    std::shared_lock map_lock(s_.map_mutex);
    Txn txn(s_.env.handle(), true);
    auto last = LastKey(txn.handle(), s_.log());
    total_ = last ? keys::DecodeU64(*last) : 0;
  }
  for (bool at_end = false; !at_end;) {
    const uint64_t done_before = done_, projected_before = projected_;
    const Hash prev_before = prev_;
    bool grow = false;
    Status st = Guard([&]() -> Status {
      try {
        std::shared_lock map_lock(s_.map_mutex);
        Txn txn(s_.env.handle(), check_only_);
        Status applied = ApplyBatch(txn.handle(), kBatchEvents, &at_end);
        if (!applied.ok()) return applied;
        txn.Commit();
        return Status::Ok();
      } catch (const lmdb::error& e) {
        if (e.code() != MDB_MAP_FULL && e.code() != MDB_MAP_RESIZED) throw;
        grow = e.code() == MDB_MAP_FULL;
        done_ = done_before, projected_ = projected_before, prev_ = prev_before;
        at_end = false;  // the batch again
        return s_.GrowMap(!grow);
      }
    });
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status Replayer::FinishIn(MDB_txn* txn) {
  for (bool at_end = false; !at_end;) {
    if (Status st = ApplyBatch(txn, SIZE_MAX, &at_end); !st.ok()) return st;
  }
  ChainHead head = ReadChainHead(txn, s_.meta());
  if (head.seq != done_ || head.hash != prev_) {
    return Status::Corruption("the log ends at seq " + std::to_string(done_) +
                              " but meta records its chain head at seq " +
                              std::to_string(head.seq) +
                              (head.seq == done_ ? " with another hash" : "") +
                              ": records were removed or the head was altered");
  }
  if (!check_only_) WriteProjected(txn, s_.meta(), slot_, projected_);
  if (progress_) progress_({done_, done_});
  return Status::Ok();
}

}  // namespace annal::internal
