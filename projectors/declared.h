// The projector of a declared projection (annal/projection.h): it runs the
// embedder's Apply on each record, through a ProjectionTx over the Kv that
// checks every key and row against the declaration. Not thread-safe: one
// per ProjectorSet, like the built-in projectors.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "annal/projection.h"
#include "projectors/declared_row.h"
#include "projectors/projector.h"

namespace annal::internal {

// An index of a declared table and the sub-database it lives in.
struct DeclaredIndex {
  std::string name;
  std::vector<IndexField> fields;
  Db db;
};

// A declared table and the sub-databases it lives in.
struct DeclaredTable {
  TableSpec spec;
  Db db;
  std::vector<DeclaredIndex> indexes;
};

struct DeclaredProjection {
  std::string name;
  std::vector<DeclaredTable> tables;
};

// The tables of `p`, each interned (store/schema.h) under its sub-database
// name. Throws std::invalid_argument when the declaration is unsound.
std::vector<DeclaredTable> DeclareTables(const Projection& p);

std::unique_ptr<Projector> MakeDeclaredProjector(std::shared_ptr<Projection> p);

}  // namespace annal::internal
