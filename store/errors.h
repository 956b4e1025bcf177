// The exceptions that may fly inside a write transaction (RAII aborts it),
// one per kind of failure, so that the one catch at the public boundary
// (engine_impl.h's Guard) turns each into the Status code that names it.
// Anything else that escapes (a std::logic_error, say) is a bug in annal and
// is reported as kInternal, not as damage on disk. lmdb::error is LMDB's own.
#pragma once

#include <stdexcept>

namespace annal::internal {

// Stored bytes failed their checks: a damaged or forged record, row or key.
class CorruptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A query or append on a projection that must be rebuilt first.
class StaleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Something else holds what this call needs; try again later.
class BusyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace annal::internal
