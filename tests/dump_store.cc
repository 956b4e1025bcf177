// dump_store DIR: one line per sub-database of a closed store but meta (its
// name, entry count, SHA-256 of every key and value in order), so that the
// replication tests can compare a replica with its primary byte for byte
// from Python. Meta is left out: the role record differs by design.
#include <openssl/evp.h>

#include <cstdio>

#include "tests/test_util.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dump_store DIR\n");
    return 2;
  }
  for (const auto& [name, entries] : annal::testing::DumpStore(argv[1])) {
    if (name == "meta") continue;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    for (const auto& [k, v] : entries) {
      const uint64_t sizes[2] = {k.size(), v.size()};  // no two dumps collide
      EVP_DigestUpdate(ctx, sizes, sizeof sizes);
      EVP_DigestUpdate(ctx, k.data(), k.size());
      EVP_DigestUpdate(ctx, v.data(), v.size());
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    std::printf("%s %zu ", name.c_str(), entries.size());
    for (unsigned i = 0; i < len; ++i) std::printf("%02x", md[i]);
    std::printf("\n");
  }
  return 0;
}
