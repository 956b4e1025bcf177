#include "store/meta.h"

#include <cstring>

#include "store/errors.h"
#include "store/keys.h"
#include "store/lmdb.h"

namespace annal::internal {
namespace {

keys::Key VersionsKey(size_t slot) { return keys::SlotName(meta_key::kVersions, slot); }

}  // namespace

size_t LiveSlot(MDB_txn* txn, MDB_dbi meta) {
  auto v = GetInPlace(txn, meta, keys::Name(meta_key::kLive));
  uint64_t slot = 0;
  if (v && v->size() == 8) std::memcpy(&slot, v->data(), 8);
  return slot < kSlots ? slot : 0;
}

void SetLiveSlot(MDB_txn* txn, MDB_dbi meta, size_t slot) {
  uint64_t s = slot;
  PutOrThrow(txn, meta, keys::Name(meta_key::kLive),
             std::string_view(reinterpret_cast<char*>(&s), 8));
}

ChainHead ReadChainHead(MDB_txn* txn, MDB_dbi meta) {
  auto v = GetInPlace(txn, meta, keys::Name(meta_key::kChain));
  if (!v) return {};
  auto head = DecodeChainHead(*v);
  if (!head) throw CorruptionError("meta record \"chain\" is malformed");
  return *head;
}

void WriteChainHead(MDB_txn* txn, MDB_dbi meta, const ChainHead& head) {
  PutOrThrow(txn, meta, keys::Name(meta_key::kChain), EncodeChainHead(head));
}

uint64_t ReadProjected(MDB_txn* txn, MDB_dbi meta, size_t slot) {
  auto v = GetInPlace(txn, meta, keys::SlotName(meta_key::kProjected, slot));
  uint64_t seq = 0;
  if (v && v->size() == 8) std::memcpy(&seq, v->data(), 8);
  return seq;
}

void WriteProjected(MDB_txn* txn, MDB_dbi meta, size_t slot, uint64_t seq) {
  PutOrThrow(txn, meta, keys::SlotName(meta_key::kProjected, slot),
             std::string_view(reinterpret_cast<const char*>(&seq), 8));
}

Digests ReadDigests(MDB_txn* txn, MDB_dbi meta, size_t slot) {
  auto v = GetInPlace(txn, meta, keys::SlotName(meta_key::kDigest, slot));
  if (!v) return {};
  auto d = DecodeDigests(*v);
  if (!d) throw CorruptionError("meta record \"digest\" is malformed");
  return *d;
}

void WriteDigests(MDB_txn* txn, MDB_dbi meta, size_t slot, const Digests& d) {
  PutOrThrow(txn, meta, keys::SlotName(meta_key::kDigest, slot), EncodeDigests(d));
}

void AddDigests(MDB_txn* txn, MDB_dbi meta, size_t slot, const Digests& deltas) {
  Digests d = ReadDigests(txn, meta, slot);
  for (size_t i = 0; i < d.size(); ++i) d[i] += deltas[i];
  WriteDigests(txn, meta, slot, d);
}

std::optional<VerifiedDigests> ReadVerified(MDB_txn* txn, MDB_dbi meta) {
  auto v = GetInPlace(txn, meta, keys::Name(meta_key::kVerified));
  if (!v || v->size() < 16) return std::nullopt;
  VerifiedDigests out;
  std::memcpy(&out.seq, v->data(), 8);
  std::memcpy(&out.projected, v->data() + 8, 8);
  auto d = DecodeDigests(v->substr(16));
  if (!d) return std::nullopt;
  out.digests = *d;
  return out;
}

void WriteVerified(MDB_txn* txn, MDB_dbi meta, const VerifiedDigests& v) {
  std::string bytes(16, '\0');
  std::memcpy(bytes.data(), &v.seq, 8);
  std::memcpy(bytes.data() + 8, &v.projected, 8);
  bytes += EncodeDigests(v.digests);
  PutOrThrow(txn, meta, keys::Name(meta_key::kVerified), bytes);
}

// Stored as text, "name=version;" per projector, NUL-padded to 8 bytes.
Versions SlotVersions(MDB_txn* txn, MDB_dbi meta, size_t slot) {
  Versions out;
  auto v = GetInPlace(txn, meta, VersionsKey(slot));
  if (!v) return out;
  std::string_view text = keys::DecodeId(*v);
  while (!text.empty()) {
    size_t end = text.find(';'), eq = text.find('=');
    if (end == std::string_view::npos || eq > end) break;
    out[std::string(text.substr(0, eq))] =
        static_cast<uint32_t>(std::stoul(std::string(text.substr(eq + 1, end - eq - 1))));
    text.remove_prefix(end + 1);
  }
  return out;
}

void WriteSlotVersions(MDB_txn* txn, MDB_dbi meta, size_t slot, const Versions& v) {
  std::string text;
  for (const auto& [name, version] : v)
    text += name + "=" + std::to_string(version) + ";";
  text.resize(keys::Pad8(text.size()), '\0');
  PutOrThrow(txn, meta, VersionsKey(slot), text);
}

std::string UpcastersChanged(const Versions& code, const Versions& recorded) {
  std::string changed;
  auto add = [&](std::string_view entry, std::string what) {
    changed += (changed.empty() ? "" : ", ") +
               std::string(entry.substr(kUpcastEntryPrefix.size())) + " " + what;
  };
  for (const auto& [name, version] : code) {
    if (!IsUpcastEntry(name)) continue;
    auto it = recorded.find(name);
    if (it == recorded.end()) {
      add(name, "added");
    } else if (it->second != version) {
      add(name,
          "version " + std::to_string(it->second) + " -> " + std::to_string(version));
    }
  }
  for (const auto& [name, version] : recorded) {
    if (IsUpcastEntry(name) && !code.contains(name)) add(name, "removed");
  }
  return changed;
}

std::vector<StaleProjection> StaleProjections(const Versions& code,
                                              const Versions& recorded) {
  std::vector<StaleProjection> stale;
  const std::string upcasters = UpcastersChanged(code, recorded);
  for (const auto& [name, version] : code) {
    if (IsUpcastEntry(name)) continue;
    auto it = recorded.find(name);
    if (it == recorded.end() || it->second != version) {
      stale.push_back({name, "projection " + name + " was built by projector version " +
                                 (it == recorded.end() ? std::string("(none)")
                                                       : std::to_string(it->second)) +
                                 ", this annal has version " + std::to_string(version) +
                                 "; run `annal rebuild`"});
    } else if (!upcasters.empty()) {
      stale.push_back({name, "projection " + name +
                                 " was built through other upcasters (upcaster " +
                                 upcasters + "); run `annal rebuild`"});
    }
  }
  return stale;
}

std::string ReadMode(MDB_txn* txn, MDB_dbi meta) {
  auto v = GetInPlace(txn, meta, keys::Name(meta_key::kMode));
  return v ? std::string(*v) : std::string("inline");
}

void WriteMode(MDB_txn* txn, MDB_dbi meta, std::string_view mode) {
  PutOrThrow(txn, meta, keys::Name(meta_key::kMode), mode);
}

}  // namespace annal::internal
