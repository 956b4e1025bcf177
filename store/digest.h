// Running digests: an order-independent 128-bit digest of every derived
// sub-database (the sum, mod 2^64, of two 64-bit hashes of each key and
// value), updated in the same write transaction as the rows. Equal contents
// give equal digests whatever order they were written in, so two stores, or
// a store and the digests its last full verify rebuilt, compare in O(1).
// Not cryptographic: it detects divergence, not an adversary (the log's
// SHA-256 chain does that).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/schema.h"

namespace annal::internal {

struct Digest {
  uint64_t a = 0, b = 0;
  void Add(std::string_view key, std::string_view value);
  void Remove(std::string_view key, std::string_view value);
  Digest& operator+=(const Digest& d) {
    a += d.a, b += d.b;
    return *this;
  }
  bool operator==(const Digest&) const = default;
  std::string Hex() const;
};

using Digests = std::array<Digest, kMaxDbs>;

// meta["digest@<slot>"]: the built-in sub-databases' digests, kDbCount pairs
// of u64, little-endian, in Db order; then, for each declared table whose
// digest is not zero, in name order: its name's length (u16), its name and
// its pair. Decoding skips a table this process has not declared (only
// writers re-encode, and a writer holds every projection the store records).
std::string EncodeDigests(const Digests& d);
std::optional<Digests> DecodeDigests(std::string_view bytes);

}  // namespace annal::internal
