// Engine::Open's part for projections of your own (annal/projection.h):
// the projectors and sub-databases a store is opened with, and the build of
// a declared projection new to the store (engine/declare.h).
#include "engine/declare.h"

#include <optional>
#include <set>

#include "engine/logging.h"
#include "store/meta.h"

namespace annal::internal {

// The projectors (the nine and Options::projections), their versions and
// every sub-database they own. A declaration that is unsound is refused.
Status DeclareProjections(Engine::Impl& s) {
  std::optional<ProjectorSet> set;
  try {
    s.upcasters = std::make_shared<const UpcasterSet>(s.options.upcasters);
    set.emplace(s.projections, s.upcasters.get());
  } catch (const std::invalid_argument& e) {
    return Status::InvalidInput(e.what());
  } catch (const std::length_error& e) {
    return Status::InvalidInput(e.what());
  }
  s.code_versions = set->Versions();
  s.code_versions.merge(s.upcasters->Versions());
  s.projector_names = set->Names();
  std::set<std::string> names;
  for (const std::string& name : s.projector_names) {
    if (!names.insert(name).second)
      return Status::InvalidInput("projection " + name + " is registered twice");
  }
  s.dbs.clear();
  for (size_t i = 0; i < kDbCount; ++i) s.dbs.push_back(static_cast<Db>(i));
  s.declared.clear();
  for (const auto& p : s.projections) {
    DeclaredProjection& d = s.declared.emplace_back();
    d.name = p->name();
    d.tables = DeclareTables(*p);
    for (const DeclaredTable& t : d.tables) {
      s.dbs.push_back(t.db);
      for (const DeclaredIndex& ix : t.indexes) s.dbs.push_back(ix.db);
    }
  }
  MutexLock lock(s.write_mutex);  // (no other thread yet: for the analysis)
  s.projectors = std::move(*set);
  s.validator = Validator(s.upcasters.get());
  return Status::Ok();
}

// A writer must hold every projection the store records: refused, naming
// the ones it lacks. A declared projection new to the store, or recorded at
// another version, is built from the log now, blue/green (Rebuild), so
// that no read sees it incomplete.
Status BuildDeclaredProjections(Engine::Impl& s, Engine& engine) {
  if (s.options.read_only) return Status::Ok();
  Versions recorded;
  std::vector<StaleProjection> stale;
  Status read = s.RetryingOnMapFull([&] {
    Txn txn(s.env.handle(), Txn::kReadOnly);
    const size_t slot = LiveSlot(txn.handle(), s.meta());
    recorded = SlotVersions(txn.handle(), s.meta(), slot);
    stale = s.StaleIn(txn.handle(), slot);
    return Status::Ok();
  });
  if (!read.ok()) return read;
  std::string missing;
  for (const auto& [name, version] : recorded) {
    if (!IsUpcastEntry(name) && !s.code_versions.contains(name))
      missing += (missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty()) {
    return Status::InvalidInput(
        s.dir + " holds projection(s) " + missing +
        " that this process did not register: opening it for writing without them "
        "would leave them behind the log (register them in Options::projections, or "
        "load their plugin; reading is allowed)");
  }
  std::string building;
  for (const auto& p : s.projections) {
    const std::string name = p->name();
    for (const StaleProjection& st : stale) {
      if (st.name == name) building += (building.empty() ? "" : ", ") + name;
    }
  }
  if (std::string changed = UpcastersChanged(s.code_versions, recorded);
      !changed.empty()) {
    Log().info("rebuilding the projections of {} through its upcasters (upcaster {})",
               s.dir, changed);
    return engine.Rebuild();
  }
  if (building.empty()) return Status::Ok();
  Log().info("building projection(s) {} of {} from its log", building, s.dir);
  return engine.Rebuild();
}

}  // namespace annal::internal
