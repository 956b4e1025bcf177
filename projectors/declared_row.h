// The keys and rows of declared projections' tables (annal/projection.h),
// checked against their TableSpec and encoded as docs/format.md says: a key
// is built by store/keys.h (Key::Int, Key::Str), a row is a FlatBuffers
// table whose field i is the table's i-th non-key field. Shared by the
// projector (projectors/declared.cc) and the snapshot that reads the rows.
// Thread-safe: no state.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <optional>
#include <string>
#include <string_view>

#include "annal/projection.h"
#include "store/keys.h"

namespace annal::internal {

// The key of `key` in `table`. Throws std::invalid_argument naming the
// table and the field when it does not match the declaration.
keys::Key EncodeTableKey(const TableSpec& table, const Values& key);
// The values of a stored key; nullopt when the bytes are not such a key.
std::optional<Values> DecodeTableKey(const TableSpec& table, std::string_view bytes);

// The stored row of `fields` (the table's non-key fields in declared
// order), built in `b` (cleared first; the view is valid until its next
// use): a multiple of 8 bytes long. Throws std::invalid_argument naming the
// table and the field when they do not match the declaration.
std::string_view EncodeTableRow(const TableSpec& table, const Values& fields,
                                flatbuffers::FlatBufferBuilder& b);
// The fields of a stored row; nullopt when the bytes fail FlatBuffers'
// verifier or the declaration (a damaged row).
std::optional<Values> DecodeTableRow(const TableSpec& table, std::string_view bytes);

// A problem with the declaration of `p` (names, types, tables), naming it;
// nullopt when it is sound.
std::optional<std::string> CheckDeclaration(const Projection& p);

// The LMDB sub-database of a table (slot 0's name).
std::string TableDbName(std::string_view projection, std::string_view table);

}  // namespace annal::internal
