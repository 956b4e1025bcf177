// The process-wide table of declared projections' sub-databases
// (store/schema.h): Db values handed out by name, never taken back, so that
// a value means one sub-database for every store the process opens.
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

#include "store/schema.h"

namespace annal::internal {
namespace {

struct DeclaredDb {
  std::string name, owner, key_types, entity;
  DbSpec spec;
};

struct Registry {
  std::mutex mutex;
  std::deque<DeclaredDb> dbs;  // a deque: specs stay put as it grows
};

Registry& Declared() {
  static Registry* registry = new Registry;  // never destroyed: specs outlive exit
  return *registry;
}

}  // namespace

Db InternDeclaredDb(std::string_view name, std::string_view owner,
                    std::string_view key_types, std::string_view entity, Role role) {
  Registry& r = Declared();
  std::lock_guard lock(r.mutex);
  for (const DeclaredDb& d : r.dbs) {
    if (d.name != name) continue;
    if (d.owner != owner || d.key_types != key_types || d.spec.role != role) {
      throw std::invalid_argument(
          "the sub-database " + std::string(name) +
          " is already declared in this process by another projection or with other "
          "key fields");
    }
    return d.spec.db;
  }
  if (kDbCount + r.dbs.size() >= kMaxDbs) {
    throw std::length_error(
        "a process holds at most " + std::to_string(kMaxDbs - kDbCount) +
        " tables of declared projections; " + std::string(name) + " is one too many");
  }
  DeclaredDb& d = r.dbs.emplace_back();
  d.name = name, d.owner = owner, d.key_types = key_types, d.entity = entity;
  d.spec = {static_cast<Db>(kDbCount + r.dbs.size() - 1),
            d.name,
            role,
            d.owner,
            KeyShape::kFields,
            d.entity,
            d.key_types,
            role == Role::kIndex ? "an index entry: no value, see format.md"
                                 : "a declared row, see format.md"};
  return d.spec.db;
}

std::optional<Db> FindDeclaredDb(std::string_view name) {
  Registry& r = Declared();
  std::lock_guard lock(r.mutex);
  for (const DeclaredDb& d : r.dbs) {
    if (d.name == name) return d.spec.db;
  }
  return std::nullopt;
}

uint64_t MaskOwnedBy(std::string_view owner) {
  uint64_t mask = OwnedMask(owner);
  Registry& r = Declared();
  std::lock_guard lock(r.mutex);
  for (const DeclaredDb& d : r.dbs) {
    if (d.owner == owner) mask |= MaskOf(d.spec.db);
  }
  return mask;
}

const DbSpec& DeclaredSpec(Db db) {
  Registry& r = Declared();
  std::lock_guard lock(r.mutex);
  const size_t i = static_cast<size_t>(db) - kDbCount;
  if (static_cast<size_t>(db) < kDbCount || i >= r.dbs.size()) {
    throw std::logic_error("no sub-database " + std::to_string(static_cast<int>(db)));
  }
  return r.dbs[i].spec;
}

}  // namespace annal::internal
