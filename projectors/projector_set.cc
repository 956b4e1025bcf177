#include "projectors/projector_set.h"

#include "events/record_codec.h"
#include "projectors/declared.h"
#include "store/lmdb.h"
#include "store/schema.h"
#include "validator/validate.h"

namespace annal::internal {
namespace {

// The embedder's code may throw anything: each is this batch's rejection.
Status ApplyDeclared(Projector& p, Kv& kv, const fbs::Record& rec,
                     std::optional<LoggedEvent>& decoded) {
  std::string what;
  try {
    if (!decoded) decoded = DecodeRecord(rec);  // once, for every declared one
    p.ApplyDecoded(kv, rec, *decoded);
    return Status::Ok();
  } catch (const lmdb::error&) {
    throw;  // storage: the caller may grow the map and retry
  } catch (const CorruptionError&) {
    throw;  // a damaged row of its tables: the store's fault, not the batch's
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "it threw something that is not a std::exception";
  }
  return Status::Rejected("projection " + std::string(p.name()) + " failed at seq " +
                              std::to_string(rec.seq()) + ": " + what,
                          0);
}

}  // namespace

ProjectorSet::ProjectorSet(const std::vector<std::shared_ptr<Projection>>& declared,
                           const UpcasterSet* upcasters)
    : upcasters_(upcasters && !upcasters->empty() ? upcasters : nullptr) {
  for (auto& p : MakeProjectors()) {
    const uint64_t mask = OwnedMask(p->name());
    entries_.push_back({std::move(p), mask, false});
  }
  for (const auto& d : declared) {
    auto p = MakeDeclaredProjector(d);
    const uint64_t mask = MaskOwnedBy(p->name());
    entries_.push_back({std::move(p), mask, true});
  }
}

Status ProjectorSet::Apply(Kv& kv, const fbs::Record& rec) {
  if (!upcasters_ || !upcasters_->Needs(rec)) return ApplyAll(kv, rec);
  LoggedEvent logged = DecodeRecord(rec);
  try {
    logged.event = UpcastChecked(*upcasters_, std::move(logged.event), logged.seq);
  } catch (const UpcastError& e) {
    return Status::Rejected(e.what(), 0);
  }
  EncodeRecord(upcast_, logged.seq, logged.event.ts.value_or(rec.ts()), logged.event);
  return ApplyAll(kv, *fbs::GetRecord(upcast_.GetBufferPointer()));
}

Status ProjectorSet::ApplyAll(Kv& kv, const fbs::Record& rec) {
  std::optional<LoggedEvent> decoded;
  for (const Entry& e : entries_) {
    kv.Restrict(e.mask);
    if (e.declared) {
      if (Status st = ApplyDeclared(*e.projector, kv, rec, decoded); !st.ok()) return st;
      continue;
    }
    try {
      e.projector->Apply(kv, rec);
    } catch (const lmdb::error&) {
      throw;  // storage: the caller may grow the map and retry
    } catch (const std::runtime_error& e2) {
      // A row that fails its checks, or a record that contradicts the
      // projector's state (BrokenInvariant): the store is damaged. A
      // logic_error (a bug) and bad_alloc fly on to Guard as what they are.
      return Status::Corruption("projector " + std::string(e.projector->name()) +
                                " failed at seq " + std::to_string(rec.seq()) + ": " +
                                e2.what());
    }
  }
  return Status::Ok();
}

std::map<std::string, uint32_t> ProjectorSet::Versions() const {
  std::map<std::string, uint32_t> v;
  for (const Entry& e : entries_)
    v[std::string(e.projector->name())] = e.projector->version();
  return v;
}

std::vector<std::string> ProjectorSet::Names() const {
  std::vector<std::string> names;
  for (const Entry& e : entries_) names.emplace_back(e.projector->name());
  return names;
}

}  // namespace annal::internal
