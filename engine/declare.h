// The projections an Engine is opened with (the nine and
// Options::projections): called by Engine::Open (engine/open.cc), once,
// before any other thread sees the engine.
#pragma once

#include "engine/engine_impl.h"

namespace annal::internal {

// Sets the projectors, their versions and every sub-database they own; an
// unsound declaration is kInvalidInput.
Status DeclareProjections(Engine::Impl& s);

// Refuses a writer without a projection the store records, and builds a
// declared projection new to the store (or at another version) from the log.
Status BuildDeclaredProjections(Engine::Impl& s, Engine& engine);

}  // namespace annal::internal
