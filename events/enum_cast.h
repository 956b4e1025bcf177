// Enums between FlatBuffers' types (fbs/*.fbs) and annal's (annal/events.h,
// annal/rows.h), which list the same values in the same order. Read from
// stored bytes, a FlatBuffers enum is range-checked here: the verifier
// checks structure, not enum ranges, and a value past the names would index
// past the JSON name tables. Thread-safe: pure.
#pragma once

#include <cstdint>
#include <string>

#include "store/errors.h"

namespace annal::internal {

template <class To, class From>
To Enum(From v) {
  if constexpr (requires { From::MAX; }) {
    if (static_cast<uint8_t>(v) > static_cast<uint8_t>(From::MAX)) {
      throw CorruptionError("a stored enum value " +
                            std::to_string(static_cast<unsigned>(v)) + " out of range");
    }
  }
  return static_cast<To>(static_cast<uint8_t>(v));
}

}  // namespace annal::internal
