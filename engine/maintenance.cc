// Engine::Verify, VerifyLog and Rebuild: replay the log into the slot that is
// not live, then compare it with the live one (verify) or make it live in one
// write transaction (rebuild). Appends continue meanwhile; the final step
// holds the writer lock just long enough to apply the last few records.
#include "engine/logging.h"
#include "engine/maintenance_marker.h"
#include "engine/replay.h"
#include "engine/snapshot_impl.h"
#include "store/describe_key.h"
#include "store/file_lock.h"
#include "store/meta.h"

namespace annal {
namespace internal {
namespace {

// One verify or rebuild at a time per store, across processes: they share the
// scratch slot.
FileLock LockMaintenance(const Engine::Impl& s) {
  auto lock = FileLock::TryAcquire(s.dir + "/maintenance.lock", s.options.file_mode);
  if (!lock) throw BusyError("another verify or rebuild is running on " + s.dir);
  return std::move(*lock);
}

void ClearSlot(Engine::Impl& s, MDB_txn* txn, size_t slot) {
  for (Db db : s.dbs) {
    if (IsDerived(db)) lmdb::dbi_drop(txn, s.slots[slot][static_cast<size_t>(db)], false);
  }
  WriteDigests(txn, s.meta(), slot, {});
  WriteProjected(txn, s.meta(), slot, 0);
}

uint64_t Entries(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat st;
  lmdb::dbi_stat(txn, dbi, &st);
  return st.ms_entries;
}

// One side of a comparison: a transaction and one slot's sub-databases.
struct Side {
  MDB_txn* txn;
  const DbHandles& dbis;
  Digests digests;
  MDB_dbi Dbi(Db db) const { return dbis[static_cast<size_t>(db)]; }
};

// The first difference between a sub-database on two sides, walking both in
// key order.
std::optional<Difference> FirstDifference(Db db, const Side& live, const Side& rebuilt,
                                          const std::string& name) {
  Cursor a(live.txn, live.Dbi(db)), b(rebuilt.txn, rebuilt.Dbi(db));
  std::string_view ka, va, kb, vb;
  bool more_a = a.Get(MDB_FIRST, &ka, &va), more_b = b.Get(MDB_FIRST, &kb, &vb);
  while (more_a || more_b) {
    if (more_a && more_b && ka == kb) {
      if (va != vb) return Difference{name, DescribeKey(db, ka), "changed"};
      more_a = a.Get(MDB_NEXT, &ka, &va), more_b = b.Get(MDB_NEXT, &kb, &vb);
    } else if (more_a && (!more_b || ka < kb)) {
      return Difference{name, DescribeKey(db, ka), "only in the live store"};
    } else {
      return Difference{name, DescribeKey(db, kb), "missing from the live store"};
    }
  }
  return std::nullopt;
}

// The registry (the validator's state), then every projection the engine
// runs but those in `skip`.
std::vector<std::string> Owners(const Engine::Impl& s,
                                const std::vector<SkippedProjection>& skip = {}) {
  std::vector<std::string> owners = {"registry"};
  for (const std::string& name : s.projector_names) {
    bool skipped = false;
    for (const auto& k : skip) skipped |= k.projection == name;
    if (!skipped) owners.push_back(name);
  }
  return owners;
}

bool Owns(const std::string& owner, const DbSpec& spec) {
  return owner == "registry" ? spec.db == Db::kRegistry : spec.owner == owner;
}

// The digest of everything a projection owns.
Digest OwnerDigest(const Engine::Impl& s, const Digests& d, const std::string& owner) {
  Digest sum;
  for (Db db : s.dbs) {
    if (Owns(owner, Spec(db))) sum += d[static_cast<size_t>(db)];
  }
  return sum;
}

std::vector<ProjectionCheck> Compare(const Engine::Impl& s, const Side& live,
                                     const Side& rebuilt,
                                     const std::vector<SkippedProjection>& skip = {}) {
  std::vector<ProjectionCheck> out;
  for (const std::string& owner : Owners(s, skip)) {
    ProjectionCheck check;
    check.projection = owner;
    check.digest = OwnerDigest(s, live.digests, owner).Hex();
    for (Db db : s.dbs) {
      const DbSpec& spec = Spec(db);
      if (!Owns(owner, spec)) continue;
      if (spec.role == Role::kProjection || spec.role == Role::kRegistry) {
        check.rows_live += Entries(live.txn, live.Dbi(db));
        check.rows_rebuilt += Entries(rebuilt.txn, rebuilt.Dbi(db));
      }
      if (auto diff = FirstDifference(db, live, rebuilt, std::string(spec.name))) {
        check.identical = false;
        check.differences.push_back(*diff);
      }
    }
    // Same bytes but another running digest: the digest record is what is wrong.
    if (check.identical &&
        OwnerDigest(s, live.digests, owner) != OwnerDigest(s, rebuilt.digests, owner)) {
      check.identical = false;
      check.differences.push_back({"meta", "the running digest of " + owner, "changed"});
    }
    out.push_back(std::move(check));
  }
  return out;
}

std::vector<ProjectionCheck> CompareSlots(Engine::Impl& s, MDB_txn* txn, size_t live,
                                          size_t rebuilt) {
  return Compare(s, {txn, s.slots[live], ReadDigests(txn, s.meta(), live)},
                 {txn, s.slots[rebuilt], ReadDigests(txn, s.meta(), rebuilt)});
}

// What a read-only verify cannot replay: the store's projections this engine
// was not opened with, and those it holds at another version.
std::vector<SkippedProjection> Unreplayable(const Engine::Impl& s,
                                            const SnapshotState& live) {
  std::vector<SkippedProjection> out;
  for (const auto& [name, version] :
       SlotVersions(live.txn.handle(), live.meta(), live.slot)) {
    if (IsUpcastEntry(name)) continue;
    bool loaded = false;
    for (const std::string& n : s.projector_names) loaded |= n == name;
    if (!loaded) {
      out.push_back({name, "version " + std::to_string(version) +
                               ": not loaded (its plugin or registration is missing)"});
    }
  }
  for (const StaleProjection& st : live.stale) out.push_back({st.name, st.message});
  return out;
}

size_t ReadLiveSlot(Engine::Impl& s) {
  SharedMapLock map_lock(s.map_mutex);
  Txn txn(s.env.handle(), Txn::kReadOnly);
  return LiveSlot(txn.handle(), s.meta());
}

// The projections this engine registers that `slot` does not hold at their
// version: what a rebuild builds anew.
std::vector<std::string> NotHeldAtTheirVersion(Engine::Impl& s, size_t slot) {
  SharedMapLock map_lock(s.map_mutex);
  Txn txn(s.env.handle(), Txn::kReadOnly);
  const Versions held = SlotVersions(txn.handle(), s.meta(), slot);
  std::vector<std::string> names;
  for (const StaleProjection& p : StaleProjections(s.code_versions, held))
    names.push_back(p.name);
  return names;
}

// The caller's progress, also told to `annal status` through the marker.
ProgressFn Told(MaintenanceMarker& marker, const ProgressFn& progress) {
  return [&marker, progress](const ReplayProgress& p) {
    marker.Report(p);
    if (progress) progress(p);
  };
}

}  // namespace
}  // namespace internal

using namespace internal;

Result<VerifyReport> Engine::Verify(ProgressFn progress) {
  Impl& s = *impl_;
  if (s.options.read_only) {
    // Time travel's private store, replayed to the live checkpoint, stands
    // in for the scratch slot that a read-only engine may not write.
    return Guard([&]() -> Result<VerifyReport> {
      auto live = Read();
      if (!live.ok()) return live.status();
      const SnapshotState& l = *live->impl_;
      const uint64_t projected = ReadProjected(l.txn.handle(), l.meta(), l.slot);
      auto replayed = ReadAsOf(projected);
      if (!replayed.ok()) return replayed.status();
      const SnapshotState& r = *replayed->impl_;
      VerifyReport report;
      report.log = {projected, projected,
                    ToHex(ReadChainHead(r.txn.handle(), r.meta()).hash)};
      report.skipped = Unreplayable(s, l);
      report.projections = Compare(
          s, {l.txn.handle(), l.dbis, ReadDigests(l.txn.handle(), l.meta(), l.slot)},
          {r.txn.handle(), r.dbis, ReadDigests(r.txn.handle(), r.meta(), 0)},
          report.skipped);
      return report;
    });
  }
  return s.RetryingOnMapFull([&]() -> Result<VerifyReport> {
    FileLock lock = LockMaintenance(s);
    MaintenanceMarker marker(lock.fd(), "verify", {});
    const size_t live = ReadLiveSlot(s), scratch = 1 - live;
    // Projections are compared where they are: the live checkpoint, which is
    // the log's head in inline mode and may be behind it in deferred mode.
    Replayer replay(s, scratch, Replayer::Mode::kApply, Told(marker, progress),
                    /*match_slot=*/live);
    replay.ClearTarget();
    if (Status st = replay.CatchUpInBatches(); !st.ok()) return st;
    SharedMapLock map_lock(s.map_mutex);
    // The writer lock: nothing is appended until we are done.
    Txn txn = s.BeginWrite();
    if (LiveSlot(txn.handle(), s.meta()) != live)
      return Status::Busy("a rebuild ran meanwhile");
    if (Status st = replay.FinishIn(txn.handle()); !st.ok()) return st;
    VerifyReport report;
    report.log = {replay.done(), replay.done(), ToHex(replay.head())};
    report.projections = CompareSlots(s, txn.handle(), live, scratch);
    WriteVerified(txn.handle(), s.meta(),
                  {replay.done(), replay.projected(),
                   ReadDigests(txn.handle(), s.meta(), scratch)});
    ClearSlot(s, txn.handle(), scratch);
    s.CommitDurably(txn);
    return report;
  });
}

Result<DigestCheck> Engine::VerifyQuick() const {
  Impl& s = *impl_;
  return s.RetryingOnMapFull([&]() -> Result<DigestCheck> {
    SharedMapLock map_lock(s.map_mutex);
    Txn txn(s.env.handle(), Txn::kReadOnly);
    DigestCheck check;
    check.head_seq = ReadChainHead(txn.handle(), s.meta()).seq;
    const size_t live_slot = LiveSlot(txn.handle(), s.meta());
    check.projected_seq = ReadProjected(txn.handle(), s.meta(), live_slot);
    const Digests live = ReadDigests(txn.handle(), s.meta(), live_slot);
    auto verified = ReadVerified(txn.handle(), s.meta());
    check.verified = verified.has_value();
    if (verified)
      check.verified_seq = verified->seq,
      check.verified_projected_seq = verified->projected;
    for (const std::string& owner : Owners(s)) {
      check.projections.push_back(
          {owner, OwnerDigest(s, live, owner).Hex(),
           verified ? OwnerDigest(s, verified->digests, owner).Hex() : ""});
    }
    return check;
  });
}

Result<LogCheck> Engine::VerifyLog(ProgressFn progress) {
  Impl& s = *impl_;
  return s.RetryingOnMapFull([&]() -> Result<LogCheck> {
    Replayer replay(s, 0, Replayer::Mode::kCheckOnly, progress);
    if (Status st = replay.CatchUpInBatches(); !st.ok()) return st;
    SharedMapLock map_lock(s.map_mutex);
    Txn txn(s.env.handle(), Txn::kReadOnly);
    if (Status st = replay.FinishIn(txn.handle()); !st.ok()) return st;
    return LogCheck{replay.done(), replay.done(), ToHex(replay.head())};
  });
}

Status Engine::Rebuild(ProgressFn progress) {
  Impl& s = *impl_;
  if (s.options.read_only) return Status::InvalidInput("rebuild needs a writable store");
  return s.RetryingOnMapFull([&]() -> Status {
    FileLock lock = LockMaintenance(s);
    const size_t old_slot = ReadLiveSlot(s), new_slot = 1 - old_slot;
    MaintenanceMarker marker(lock.fd(), "rebuild", NotHeldAtTheirVersion(s, old_slot));
    Replayer replay(s, new_slot, Replayer::Mode::kApply, Told(marker, progress));
    replay.ClearTarget();
    if (Status st = replay.CatchUpInBatches(); !st.ok()) return st;
    {
      SharedMapLock map_lock(s.map_mutex);
      Txn txn = s.BeginWrite();
      if (LiveSlot(txn.handle(), s.meta()) != old_slot)
        return Status::Busy("a rebuild ran meanwhile");
      if (Status st = replay.FinishIn(txn.handle()); !st.ok()) return st;
      WriteSlotVersions(txn.handle(), s.meta(), new_slot, s.code_versions);
      SetLiveSlot(txn.handle(), s.meta(), new_slot);
      s.CommitDurably(txn);  // readers and appends see the rebuilt slot from here on
    }
    SharedMapLock map_lock(s.map_mutex);
    Txn txn = s.BeginWrite();
    ClearSlot(s, txn.handle(), old_slot);
    s.CommitDurably(txn);
    Log().info("rebuilt the projections of {} from {} events", s.dir, replay.done());
    return Status::Ok();
  });
}

std::optional<MaintenanceInProgress> Engine::RunningMaintenance() const {
  return ReadMaintenanceMarker(impl_->dir);
}

}  // namespace annal
