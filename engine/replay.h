// Replay: rebuilds every derived sub-database (registry, projections,
// indexes, projector state) of one slot from the log alone, running the very
// same validator and projectors as Append. It reads the log in bounded
// batches of write transactions, so memory stays flat however long the log,
// and checks every record on the way: structure, gapless seq, and the hash
// chain. Used by Verify and Rebuild (engine/maintenance.cc); time travel
// (engine/as_of.cc) replays into a store of its own with AdmitLogged.
#pragma once

#include <functional>

#include "annal/maintenance.h"
#include "engine/engine_impl.h"
#include "engine/replay_feed.h"
#include "events/log_reader.h"
#include "projectors/projector_set.h"
#include "validator/validate.h"

namespace annal::internal {

// Checks a logged record's fields and runs the validator on it, as its
// Append did (the registry moves on); a refusal is kCorruption naming the seq.
Status AdmitLogged(Validator& validator, Kv& kv, const LogRecord& r);
// The same for a record decoded already.
Status AdmitDecoded(Validator& validator, Kv& kv, const Event& event, uint64_t seq);
// A logged record decoded, its fields checked as an append checks them
// (validator/check_fields.h): what every reader of events from the log (replay,
// time travel, Snapshot::ScanLog) takes. Throws CorruptionError naming the
// seq for a record that fails.
LoggedEvent DecodeChecked(const LogRecord& r);

class Replayer {
 public:
  enum class Mode : uint8_t {
    kApply,      // run the validator and projectors into the target slot
    kCheckOnly,  // verify the log's records and chain, apply nothing
  };
  // `match_slot`: project only as far as that slot's checkpoint (verify of a
  // deferred-mode store); kNoSlot projects everything (rebuild).
  static constexpr size_t kNoSlot = SIZE_MAX;
  Replayer(Engine::Impl& s, size_t target_slot, Mode mode, ProgressFn progress,
           size_t match_slot = kNoSlot);

  // Empties the target slot.
  void ClearTarget();
  // Applies the records committed so far, in batches; may be called again to
  // catch up with appends made meanwhile.
  Status CatchUpInBatches();
  // Applies what is left inside `txn` (the caller's final transaction, which
  // holds the writer lock so nothing more can arrive) and checks that the
  // chain ends at the head meta records.
  Status FinishIn(MDB_txn* txn);

  uint64_t done() const { return done_; }
  uint64_t projected() const { return projected_; }
  const Hash& head() const { return prev_; }

 private:
  // Where a batch's records are read: ahead, by a ReplayFeed's thread in a
  // read transaction of its own, or in the batch's transaction (the final
  // one, whose new records no other transaction may see yet).
  enum class Reading : uint8_t { kAhead, kInline };
  // Applies up to `max_events` records after done_; sets *at_end when the
  // log has no more.
  Status ApplyBatch(MDB_txn* txn, size_t max_events, Reading reading, bool* at_end);
  template <class Feed>
  Status ApplyFrom(Kv& kv, Feed&& feed, size_t max_events, bool* at_end);
  Status ApplyOne(Kv& kv, const ReplayFeed::Item& record);
  // The seq the projections should reach in this transaction.
  uint64_t ProjectLimit(MDB_txn* txn) const;
  // Projects logged records the validator pass went past (when the limit grew).
  Status ProjectBehind(Kv& kv, MDB_txn* txn);

  Engine::Impl& s_;
  size_t slot_;
  Mode mode_;
  size_t match_slot_;
  uint64_t limit_ = 0;      // ProjectLimit of the current transaction
  uint64_t projected_ = 0;  // the last seq the projectors applied
  ProgressFn progress_;
  // Its own validator and projectors: appends may run meanwhile.
  Validator validator_;
  ProjectorSet projectors_;  // the engine's declared projections too
  uint64_t done_ = 0;
  uint64_t total_ = 0;
  Hash prev_{};
};

}  // namespace annal::internal
