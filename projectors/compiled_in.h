// Projections compiled into annal and written against the declaration API
// (annal/projection.h), as an embedder's are. Each registers itself from
// its own file with one line, ANNAL_COMPILED_IN_PROJECTION(Class), and is
// then in every store that this build opens, ahead of Options::projections,
// with all that a declared projection gets: built from the log when new to
// a store, verified, rebuilt, queried by name, on the API, the page and the
// metrics (docs/projections.md, "A projection compiled in").
//
// Thread-safety: registration runs during static initialisation, before
// main; CompiledInProjections() may be called from any thread after that.
#pragma once

#include <memory>
#include <vector>

#include "annal/projection.h"

namespace annal::internal {

using ProjectionMaker = std::shared_ptr<Projection> (*)();

// Adds a projection to those compiled in; true, so that a registration can
// initialise a static.
bool RegisterCompiledIn(ProjectionMaker make);

// A new object of each projection compiled in, ordered by name (so that the
// order does not depend on the order the linker laid the files out in).
std::vector<std::shared_ptr<Projection>> CompiledInProjections();

}  // namespace annal::internal

#define ANNAL_COMPILED_IN_CONCAT2(a, b) a##b
#define ANNAL_COMPILED_IN_CONCAT(a, b) ANNAL_COMPILED_IN_CONCAT2(a, b)
// At namespace scope, once per projection class (default-constructible).
#define ANNAL_COMPILED_IN_PROJECTION(Class)                                      \
  [[maybe_unused]] static const bool ANNAL_COMPILED_IN_CONCAT(                   \
      annal_compiled_in_, __LINE__) = ::annal::internal::RegisterCompiledIn([] { \
    return std::shared_ptr<::annal::Projection>(std::make_shared<Class>());      \
  })
