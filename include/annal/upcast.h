// annal/upcast.h: upcasters (docs/events.md, "Evolution"). An upcaster turns
// an event logged in an older shape of its type (built in or declared) into
// the next shape, when records are read: for projection, export and
// Snapshot::ScanLog. The log keeps every record as written (its bytes are in
// the hash chain); `annal export --as-written` and LogView::kAsWritten show
// them so.
//
// Registered in Options::upcasters (or by a plugin, ANNAL_UPCASTERS in
// annal/plugin.h). Thread-safety: a transform is called from whichever
// thread reads or appends, possibly from several at once, so it must be
// safe to call concurrently; it must be deterministic (a function of the
// event alone: no clock, no randomness, no outside state), or a rebuild
// would not give the bytes the live store holds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "annal/events.h"

namespace annal {

// Which shape a record has:
// - an event of your own: the version of its type's declaration it was
//   checked against (DeclaredEvent::version, stamped at append);
// - a built-in event: Event::shape, 1 when absent. A built-in type's
//   current shape is one past the last upcaster registered for it, and new
//   events of it are stamped with that shape.
// Reading a record of shape s, the upcasters of its type from s on are
// applied in order of `from_shape`, up to the current shape; a shape no
// upcaster reads is taken as the next one unchanged (a compatible change).
struct Upcaster {
  std::string type;        // the wire name: "alarm_raised", "budget_spent"
  int64_t from_shape = 1;  // the shape it reads; it returns shape from_shape + 1
  // The transform's own version. Projections are built through it: when
  // it changes (or an upcaster is added or removed) the next Open for
  // writing rebuilds them from the log, blue/green (Engine::Rebuild).
  uint32_t version = 1;
  // The event in shape `from_shape` -> the same event in the next shape. It
  // keeps the type; the envelope (ts, actor) may change, the seq never.
  // What it returns is checked like an appended event's fields (ids,
  // lengths, UTF-8); whatever it throws, the read fails with kRejected
  // naming the upcaster and the record's seq.
  std::function<Event(const Event&)> transform;
};

}  // namespace annal
