// Paging cursors (annal/query.h): what one names, and its opaque form. A
// cursor carries the query it belongs to (projection, due, state, as-of seq)
// and the last row's key, and ends in a tag keyed by the store's first chain
// hash, so a cursor this store (or a replica of its log) did not issue is
// refused rather than misread. The tag is an integrity check, not a secret:
// anyone who holds the log can compute it (docs/http.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "annal/query.h"
#include "store/chain.h"

namespace annal::internal {

inline constexpr uint8_t kDeclaredCursor = 0xff;

struct CursorQuery {
  uint8_t projection = 0;  // index in kProjections
  std::optional<int64_t> due;
  std::optional<AlarmState> state;
  std::optional<uint64_t> as_of;
  std::string table;   // a declared table's sub-database; then projection is kDeclared
  std::string bounds;  // a declared index's bounds, as encoded
  bool operator==(const CursorQuery&) const = default;
};

std::string EncodeCursor(const CursorQuery& q, std::string_view last_key,
                         const Hash& key);
// The last row's key, when `cursor` was issued under `key` for query `q`.
std::optional<std::string> DecodeCursor(std::string_view cursor, const CursorQuery& q,
                                        const Hash& key);

}  // namespace annal::internal
