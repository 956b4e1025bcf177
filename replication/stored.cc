#include "replication/stored.h"

#include "common/hex.h"
#include "replication/replication.h"

namespace annal::replication {

Result<uint64_t> LocalHead(const Engine& engine) {
  auto snap = engine.Read();
  if (!snap.ok()) return snap.status();
  return snap->LastSeq();
}

Result<std::string> LocalIdentity(const Engine& engine) {
  auto snap = engine.Read();
  if (!snap.ok()) return snap.status();
  auto h = snap->StoredHash(1);
  if (!h.ok()) return h.status();
  return h->value_or(std::string());
}

Result<std::optional<std::string>> LocalStored(const Engine& engine, uint64_t seq) {
  auto snap = engine.Read();
  if (!snap.ok()) return snap.status();
  std::optional<std::string> out;
  Status st = snap->ScanStored(seq, [&](uint64_t at, std::string_view stored) {
    if (at == seq) out.emplace(stored);
    return false;
  });
  if (!st.ok()) return st;
  return out;
}

std::string HashHex(std::string_view stored) {
  if (stored.size() < kHashBytes) return "(too short to hold a hash)";
  return common::Hex(stored.substr(stored.size() - kHashBytes, 8));
}

std::string MessageId(std::string_view identity, uint64_t seq) {
  return common::Hex(identity.substr(0, 8)) + "-" + std::to_string(seq);
}

}  // namespace annal::replication
