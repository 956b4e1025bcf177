// Lower-case hex of bytes, and back: the chain hash in reports, paging
// cursors, replication's names for a store and a record.
//
// Header-only, below every layer; thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace annal::common {

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += kDigits[c >> 4], out += kDigits[c & 15];
  return out;
}

// The bytes of lower-case hex text; nullopt for an odd length or another
// character.
inline std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// Bytes of the chain hash (SHA-256) stored after every log record
// (docs/format.md): the store's and replication's one constant for it.
inline constexpr size_t kHashBytes = 32;

}  // namespace annal::common
