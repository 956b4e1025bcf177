// Projections written in Python (annal.Projection) as annal::Projection:
// the engine calls Apply on whichever thread appends (GIL released), and
// Apply takes the GIL only around the Python `apply`, handing it the event
// as the dict `annal export` prints and a `tx` that checks every put
// against the declaration. Whatever `apply` raises, and any put it made
// that the declaration refuses (even one it caught), rejects the batch.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <vector>

#include "annal/projection.h"

namespace annal::binding {

// One Python projection, declared by the package (annal/_projection.py) as
// (object, name, version, tables); tables as [(name, [(key, type)],
// [(field, type, optional)])] with types "int", "str", "bool", "float".
std::shared_ptr<Projection> MakePyProjection(const pybind11::handle& declared);

// The event as `annal export` prints it, as a dict (GIL held).
pybind11::dict EventToDict(const LoggedEvent& ev);

}  // namespace annal::binding
