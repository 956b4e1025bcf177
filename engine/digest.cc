#include "engine/digest.h"

#include <cstdio>
#include <cstring>

namespace annal::internal {
namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A word-at-a-time hash of key and value, seeded so the two lanes differ.
uint64_t Hash(uint64_t seed, std::string_view key, std::string_view value) {
  uint64_t h = Mix(seed ^ (key.size() * 0x9E3779B97F4A7C15ull) ^ value.size());
  for (std::string_view part : {key, value}) {
    size_t i = 0;
    for (; i + 8 <= part.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, part.data() + i, 8);
      h = Mix(h ^ w);
    }
    uint64_t tail = 0;
    if (part.size() > i) std::memcpy(&tail, part.data() + i, part.size() - i);
    h = Mix(h ^ tail ^ (uint64_t{part.size() - i} << 56));
  }
  return h;
}

}  // namespace

void Digest::Add(std::string_view key, std::string_view value) {
  a += Hash(0x243F6A8885A308D3ull, key, value);
  b += Hash(0x13198A2E03707344ull, key, value);
}

void Digest::Remove(std::string_view key, std::string_view value) {
  a -= Hash(0x243F6A8885A308D3ull, key, value);
  b -= Hash(0x13198A2E03707344ull, key, value);
}

std::string Digest::Hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

std::string EncodeDigests(const Digests& d) {
  std::string s(d.size() * 16, '\0');
  for (size_t i = 0; i < d.size(); ++i) {
    std::memcpy(s.data() + 16 * i, &d[i].a, 8);
    std::memcpy(s.data() + 16 * i + 8, &d[i].b, 8);
  }
  return s;
}

std::optional<Digests> DecodeDigests(std::string_view bytes) {
  Digests d;
  if (bytes.size() != d.size() * 16) return std::nullopt;
  for (size_t i = 0; i < d.size(); ++i) {
    std::memcpy(&d[i].a, bytes.data() + 16 * i, 8);
    std::memcpy(&d[i].b, bytes.data() + 16 * i + 8, 8);
  }
  return d;
}

}  // namespace annal::internal
