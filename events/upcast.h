// The upcasters of an engine (annal/upcast.h, docs/events.md, "Evolution"),
// indexed by type and the shape each reads: which records need upcasting,
// the chain that brings one to its type's current shape, and the shape new
// built-in events are stamped with. Immutable once built: one set is shared
// by every thread of an engine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "annal/upcast.h"
#include "log_generated.h"

namespace annal::internal {

// A transform that threw or returned another type; names the upcaster and
// the record's seq.
class UpcastError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UpcasterSet {
 public:
  // std::invalid_argument naming the upcaster when one has no transform, an
  // empty or unknown-shaped type name, a shape below 1 or a version of 0,
  // or reads the same shape of a type as another.
  explicit UpcasterSet(std::vector<Upcaster> upcasters = {});

  bool empty() const { return by_type_.empty(); }
  // The shape a new built-in event of `type` is stamped with: one past the
  // last shape an upcaster of it reads; nullopt (shape 1, unstamped) when
  // none does.
  std::optional<uint32_t> StampFor(std::string_view type) const;
  // Whether an upcaster reads shape `shape` of `type`.
  bool Reads(std::string_view type, int64_t shape) const;
  // Whether a record is in a shape that an upcaster of its type reads, or
  // older.
  bool Needs(const fbs::Record& rec) const;
  // `ev` (logged at `seq`) brought to its type's current shape: stamped
  // with it, a declared event's fields in name order. UpcastError when a
  // transform throws or changes the type.
  Event Upcast(Event ev, uint64_t seq) const;

  // The upcasters as entries of a slot's versions record (store/meta.h):
  // "upcast:<type>/<shape>" -> version.
  std::map<std::string, uint32_t> Versions() const;

 private:
  // type -> from_shape -> upcaster
  std::map<std::string, std::map<int64_t, Upcaster>, std::less<>> by_type_;
};

}  // namespace annal::internal
