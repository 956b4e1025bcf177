#include "events/sealed.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace annal::internal {
namespace {

constexpr std::string_view kPrefix = "\x01S:";
constexpr size_t kNonceBytes = 12, kTagBytes = 16;

// As in store/chain.cc: the cipher fetched once (EVP_aes_256_gcm() makes
// OpenSSL 3 look it up on every init), one context per thread and
// direction, set up for the cipher once; each value sets its key and nonce.
// (Measured: a fresh context and lookup per value cost more than the
// encryption; docs/performance-notes.md, "Issue 25".)
EVP_CIPHER_CTX* ContextFor(bool encrypt) {
  static EVP_CIPHER* const kAesGcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  struct Free {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_CIPHER_CTX, Free> contexts[2];
  auto& ctx = contexts[encrypt ? 1 : 0];
  if (!ctx) {
    ctx.reset(EVP_CIPHER_CTX_new());
    if (!ctx || !kAesGcm ||
        EVP_CipherInit_ex(ctx.get(), kAesGcm, nullptr, nullptr, nullptr,
                          encrypt ? 1 : 0) != 1) {
      ctx.reset();
      throw std::runtime_error("AES-256-GCM: no cipher context (OpenSSL)");
    }
  }
  return ctx.get();
}

// A random nonce, not one derived from the seq: a store restored from a
// backup, or a replica promoted past records its old primary never
// shipped, logs other values at the same seqs under the same keys, and
// GCM must never see one nonce twice under a key. Replay never seals (the
// sealed bytes are in the log), so nothing needs the nonce to be derivable.
// 96 random bits per value: safe far past any subject's number of values.
std::array<uint8_t, kNonceBytes> NewNonce() {
  std::array<uint8_t, kNonceBytes> n;
  if (RAND_bytes(n.data(), static_cast<int>(n.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no nonce to seal with");
  return n;
}

std::string Base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && pad < 2; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

[[noreturn]] void Fail(const char* what) {
  throw std::runtime_error(std::string("AES-256-GCM: ") + what + " failed");
}

}  // namespace

bool IsSubjectName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') ||
                    std::string_view(":._@/+-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

SubjectKey NewSubjectKey() {
  SubjectKey key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no key for a new subject");
  return key;
}

std::string Encrypt(std::string_view plain, std::string_view aad, const SubjectKey& key) {
  const auto nonce = NewNonce();
  EVP_CIPHER_CTX* ctx = ContextFor(true);
  std::string raw(kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  std::copy(nonce.begin(), nonce.end(), out);
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, out + kNonceBytes, &len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kNonceBytes + plain.size()) != 1)
    Fail("sealing");
  return Base64(raw);
}

std::string Seal(std::string_view plain, std::string_view subject,
                 const SubjectKey& key) {
  return std::string(kPrefix) + std::string(subject) + '\x01' +
         Encrypt(plain, subject, key);
}

std::optional<std::string_view> SealedSubject(std::string_view v) {
  if (!v.starts_with(kPrefix)) return std::nullopt;
  v.remove_prefix(kPrefix.size());
  const size_t end = v.find('\x01');
  if (end == std::string_view::npos || !IsSubjectName(v.substr(0, end)))
    return std::nullopt;
  return v.substr(0, end);
}

std::optional<std::string> Unseal(std::string_view v, const SubjectKey& key) {
  auto subject = SealedSubject(v);
  if (!subject) return std::nullopt;
  return Decrypt(v.substr(kPrefix.size() + subject->size() + 1), *subject, key);
}

std::optional<std::string> Decrypt(std::string_view encrypted, std::string_view aad,
                                   const SubjectKey& key) {
  auto raw = FromBase64(encrypted);
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t n = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(n, '\0');
  EVP_CIPHER_CTX* ctx = ContextFor(false);
  int len = 0;
  std::string tag(raw->substr(kNonceBytes + n));
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), in) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len,
                        in + kNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1)
    Fail("opening");
  if (EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &len) != 1)
    return std::nullopt;  // not this key's, or altered
  return plain;
}

}  // namespace annal::internal
