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
#include "projectors/table.h"

namespace annal::internal {

// The tables of `p`, each interned (store/schema.h) under its sub-database
// name. Throws std::invalid_argument when the declaration is unsound.
std::vector<DeclaredTable> DeclareTables(const Projection& p);

std::unique_ptr<Projector> MakeDeclaredProjector(std::shared_ptr<Projection> p);

}  // namespace annal::internal
