// python/src/event_from_dict.h: a Python dict in the JSONL shape of
// docs/events.md, read straight into an annal::Event (no JSON text in
// between: encoding dicts as JSON cost Python more than the append itself).
// It accepts and refuses exactly what JsonDecoder::Decode does, with the
// same messages: the same field lists (Fields()), null as absent, booleans
// not integers, integers beyond int64 out of range.
//
// Thread-safety: call with the GIL held.
#pragma once

#include <Python.h>

#include "annal/events.h"
#include "annal/status.h"

namespace annal::binding {

Result<Event> EventFromDict(PyObject* dict);

}  // namespace annal::binding
