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
#include <vector>

#include "annal/projection.h"
#include "store/keys.h"

namespace annal::internal {

// The key of `key` in `table`. Throws std::invalid_argument naming the
// table and the field when it does not match the declaration.
keys::Key EncodeTableKey(const TableSpec& table, const Values& key);
// The values of a stored key; nullopt when the bytes are not such a key.
std::optional<Values> DecodeTableKey(const TableSpec& table, std::string_view bytes);

// Throws std::invalid_argument naming the table and the field when
// `fields` (the table's non-key fields in declared order) do not match the
// declaration.
void CheckTableRow(const TableSpec& table, const Values& fields);
// The stored row of `fields`, checked by CheckTableRow already (so the
// values' types are the declaration's), built in `b` (cleared first; the
// view is valid until its next use): a multiple of 8 bytes long.
std::string_view EncodeTableRow(const Values& fields, flatbuffers::FlatBufferBuilder& b);
// The fields of a stored row; nullopt when the bytes fail FlatBuffers'
// verifier or the declaration (a damaged row).
std::optional<Values> DecodeTableRow(const TableSpec& table, std::string_view bytes);

// Where an index's field is in a row: the key's field `at`, or the other
// fields' field `at`.
struct IndexField {
  bool in_key = false;
  size_t at = 0;
  FieldType type = FieldType::kInt;
};
// The fields of `index` in `table` (a sound declaration: CheckDeclaration).
std::vector<IndexField> IndexFields(const TableSpec& table, const IndexSpec& index);

// The index key of a row: its index fields' values (a bool as the int 0 or
// 1), then the row's key bytes `row_key`. nullopt when one of them is null:
// such a row is not in the index. The values are checked already
// (EncodeTableKey, EncodeTableRow).
std::optional<keys::Key> EncodeIndexKey(const std::vector<IndexField>& index,
                                        const Values& key, const Values& fields,
                                        std::string_view row_key);
// A bound on an index's first field, encoded as in its keys. Throws
// std::invalid_argument when `v` is not of the field's type.
keys::Key EncodeIndexBound(const IndexField& first, const Value& v);
// The length of an index key's first field, and the row key after its
// fields; nullopt when the bytes are not such a key.
struct IndexKeyParts {
  size_t first_field_bytes = 0;
  std::string_view row_key;
};
std::optional<IndexKeyParts> SplitIndexKey(const std::vector<IndexField>& index,
                                           std::string_view bytes);

// A problem with the declaration of `p` (names, types, tables), naming it;
// nullopt when it is sound.
std::optional<std::string> CheckDeclaration(const Projection& p);

// The LMDB sub-database of a table, and of one of its indexes (slot 0's name).
std::string TableDbName(std::string_view projection, std::string_view table);
std::string IndexDbName(std::string_view projection, std::string_view table,
                        std::string_view index);

}  // namespace annal::internal
