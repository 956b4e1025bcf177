#include "store/digest.h"

#include <cstdio>
#include <cstring>
#include <map>

namespace annal::internal {
namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kSeedA = 0x243F6A8885A308D3ull, kSeedB = 0x13198A2E03707344ull;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Both 64-bit lanes of an entry's hash in one pass over its bytes, a word at
// a time; each lane is finished by a full avalanche.
std::pair<uint64_t, uint64_t> Hash(std::string_view key, std::string_view value) {
  uint64_t a = kSeedA ^ key.size(), b = kSeedB ^ (value.size() << 1);
  for (std::string_view part : {key, value}) {
    size_t i = 0;
    for (; i + 8 <= part.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, part.data() + i, 8);
      a = Rotl((a ^ w) * 0x9E3779B97F4A7C15ull, 29);
      b = Rotl((b + w) * 0xC2B2AE3D27D4EB4Full, 31);
    }
    uint64_t tail = 0;
    if (part.size() > i) std::memcpy(&tail, part.data() + i, part.size() - i);
    a = Rotl((a ^ tail ^ (uint64_t{part.size() - i} << 56)) * 0x9E3779B97F4A7C15ull, 29);
    b = Rotl((b + tail + (uint64_t{part.size() - i} << 56)) * 0xC2B2AE3D27D4EB4Full, 31);
  }
  return {Mix(a), Mix(b ^ kSeedA)};
}

}  // namespace

void Digest::Add(std::string_view key, std::string_view value) {
  auto [ha, hb] = Hash(key, value);
  a += ha, b += hb;
}

void Digest::Remove(std::string_view key, std::string_view value) {
  auto [ha, hb] = Hash(key, value);
  a -= ha, b -= hb;
}

std::string Digest::Hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

namespace {

void PutPair(std::string& s, const Digest& d) {
  char pair[16];
  std::memcpy(pair, &d.a, 8);
  std::memcpy(pair + 8, &d.b, 8);
  s.append(pair, 16);
}

Digest GetPair(const char* p) {
  Digest d;
  std::memcpy(&d.a, p, 8);
  std::memcpy(&d.b, p + 8, 8);
  return d;
}

}  // namespace

std::string EncodeDigests(const Digests& d) {
  std::string s;
  for (size_t i = 0; i < kDbCount; ++i) PutPair(s, d[i]);
  std::map<std::string_view, const Digest*> declared;
  for (size_t i = kDbCount; i < kMaxDbs; ++i) {
    if (d[i] != Digest{}) declared[Spec(static_cast<Db>(i)).name] = &d[i];
  }
  for (const auto& [name, digest] : declared) {
    const auto n = static_cast<uint16_t>(name.size());
    s.append(reinterpret_cast<const char*>(&n), 2);
    s.append(name);
    PutPair(s, *digest);
  }
  return s;
}

std::optional<Digests> DecodeDigests(std::string_view bytes) {
  Digests d{};
  if (bytes.size() < kDbCount * 16) return std::nullopt;
  for (size_t i = 0; i < kDbCount; ++i) d[i] = GetPair(bytes.data() + 16 * i);
  bytes.remove_prefix(kDbCount * 16);
  while (!bytes.empty()) {
    uint16_t n = 0;
    if (bytes.size() < 2) return std::nullopt;
    std::memcpy(&n, bytes.data(), 2);
    if (bytes.size() < 2 + size_t{n} + 16) return std::nullopt;
    const std::string_view name = bytes.substr(2, n);
    // Tables this process has not declared keep no digest here: no code of
    // this process writes them, and verify compares only declared ones.
    if (auto db = FindDeclaredDb(name))
      d[static_cast<size_t>(*db)] = GetPair(bytes.data() + 2 + n);
    bytes.remove_prefix(2 + size_t{n} + 16);
  }
  return d;
}

}  // namespace annal::internal
