// A projector turns log records into the rows of one projection. Apply() is a
// deterministic function of the records applied so far: it reads only
// the record and its own sub-databases (the owner column of store/schema.h),
// never a clock, randomness or a global, so a replay of the log rebuilds the
// same bytes. It may throw: the engine then aborts the whole write
// transaction. A projector object is used by one transaction at a time.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "annal/events.h"
#include "log_generated.h"
#include "projectors/row_codec.h"
#include "projectors/table.h"
#include "store/errors.h"
#include "store/kv.h"

namespace annal::internal {

class Projector {
 public:
  virtual ~Projector() = default;
  // The projection's name without "proj_"; owner name in the schema table.
  virtual std::string_view name() const = 0;
  // Bumped whenever Apply() would write different bytes for the same log;
  // a store built by another version must be rebuilt (annal rebuild).
  virtual uint32_t version() const = 0;
  // Applies one record. Records arrive in seq order and were admitted by the
  // validator, so the entities they name are in the states the rules demand.
  virtual void Apply(Kv& kv, const fbs::Record& rec) = 0;
  // The same, given `rec` decoded: projections of the declaration API take
  // events, and one decode serves them all (ProjectorSet::ApplyAll).
  virtual void ApplyDecoded(Kv& kv, const fbs::Record& rec, const LoggedEvent&) {
    Apply(kv, rec);
  }
  // A built-in projection's tables for the generic readers
  // (projectors/built_in_table.h); a declared projection's come from its
  // declaration (DeclareTables).
  virtual std::vector<DeclaredTable> Tables() const { return {}; }
};

// The nine projectors, in the order of store/schema.h.
std::vector<std::unique_ptr<Projector>> MakeProjectors();

// Reads the row of table Fb at `key` and decodes it; the views point into `buf`.
template <class Fb>
auto LoadRow(Kv& kv, Db db, std::string_view key, AlignedBuf& buf)
    -> std::optional<decltype(Decode(std::declval<const Fb&>()))> {
  if (!kv.Get(db, key, buf)) return std::nullopt;
  const Fb* table = VerifiedRow<Fb>(buf.view());
  if (!table) {
    throw CorruptionError("corrupt row in sub-database " + std::string(Spec(db).name));
  }
  return Decode(*table);
}

// Thrown when a record contradicts what the projector holds: the validator
// should have rejected it, so the store or the code is broken.
inline CorruptionError BrokenInvariant(std::string_view projector,
                                       std::string_view what) {
  return CorruptionError("projector " + std::string(projector) + ": " +
                         std::string(what));
}

// Loads the row at `key`, lets `change` edit it, and stores it back. The row
// must exist: the validator admitted an event that names it.
template <class Fb, class Fn>
void UpdateRow(Kv& kv, Db db, std::string_view key, AlignedBuf& buf, Builder& b,
               Fn&& change) {
  auto row = LoadRow<Fb>(kv, db, key, buf);
  if (!row) {
    throw CorruptionError("no row for an admitted event in " +
                          std::string(Spec(db).name));
  }
  change(*row);
  kv.Put(db, key, Encode(b, *row));
}

}  // namespace annal::internal
