#include "engine/page_cursor.h"

#include <cstring>

#include "common/hex.h"

namespace annal::internal {
namespace {

constexpr uint8_t kCursorVersion = 1;
constexpr size_t kTagBytes = 8;

void PutU64(std::string& s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s += static_cast<char>(v >> (8 * i));
}

// The query's fields, in a fixed layout.
std::string Header(const CursorQuery& q) {
  std::string s;
  s += static_cast<char>(kCursorVersion);
  s += static_cast<char>(q.projection);
  s += static_cast<char>((q.due ? 1 : 0) | (q.state ? 2 : 0) | (q.as_of ? 4 : 0));
  PutU64(s, static_cast<uint64_t>(q.due.value_or(0)));
  s += static_cast<char>(q.state ? static_cast<uint8_t>(*q.state) : 0);
  PutU64(s, q.as_of.value_or(0));
  if (q.projection == kDeclaredCursor) {  // (the nine's cursors are as before)
    s += static_cast<char>(q.table.size());
    s += q.table;
    if (!q.bounds.empty()) {  // (a cursor without bounds is as before)
      s += static_cast<char>(q.bounds.size() >> 8);
      s += static_cast<char>(q.bounds.size());
      s += q.bounds;
    }
  }
  return s;
}

std::string Tag(std::string_view body, const Hash& key) {
  // SHA-256 of the key, then the body (ChainHash's layout, seq 0): a keyed
  // hash, truncated; no length extension reaches a truncated tag.
  Hash h = ChainHash(key, 0, body);
  return std::string(reinterpret_cast<const char*>(h.data()), kTagBytes);
}

}  // namespace

std::string EncodeCursor(const CursorQuery& q, std::string_view last_key,
                         const Hash& key) {
  std::string body = Header(q);
  body += last_key;
  return common::Hex(body + Tag(body, key));
}

std::optional<std::string> DecodeCursor(std::string_view cursor, const CursorQuery& q,
                                        const Hash& key) {
  auto bytes = common::Unhex(cursor);
  const std::string header = Header(q);
  if (!bytes || bytes->size() < header.size() + kTagBytes) return std::nullopt;
  std::string_view body(bytes->data(), bytes->size() - kTagBytes);
  std::string_view tag(bytes->data() + body.size(), kTagBytes);
  if (body.substr(0, header.size()) != header || Tag(body, key) != tag)
    return std::nullopt;
  return std::string(body.substr(header.size()));
}

}  // namespace annal::internal
