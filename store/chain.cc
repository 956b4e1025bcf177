#include "store/chain.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace annal::internal {

Hash ChainHash(const Hash& prev, uint64_t seq, std::string_view record) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up, under a
  // lock, on every init (measured at ~4% of a replay).
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  // One context per thread: EVP contexts are costly to create, cheap to reuse.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  uint8_t seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  Hash out;
  unsigned len = 0;
  if (!ctx || !kSha256 || EVP_DigestInit_ex(ctx.get(), kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), seq_be, sizeof seq_be) != 1 ||
      EVP_DigestUpdate(ctx.get(), record.data(), record.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  return out;
}

std::string ToHex(const Hash& h) {
  return common::Hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string EncodeChainHead(const ChainHead& h) {
  std::string s(8 + kHashBytes, '\0');
  std::memcpy(s.data(), &h.seq, 8);
  std::memcpy(s.data() + 8, h.hash.data(), kHashBytes);
  return s;
}

std::optional<ChainHead> DecodeChainHead(std::string_view bytes) {
  if (bytes.size() != 8 + kHashBytes) return std::nullopt;
  ChainHead h;
  std::memcpy(&h.seq, bytes.data(), 8);
  std::memcpy(h.hash.data(), bytes.data() + 8, kHashBytes);
  return h;
}

}  // namespace annal::internal
