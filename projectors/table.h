// A projection's tables as the generic readers see them (Snapshot::Table,
// Snapshot::TableRows, and through them `annal query --table`, the HTTP
// API's table pages and Python's Snapshot.rows): a declared projection's
// (projectors/declared.h) and the nine's (projectors/built_in_table.h)
// alike. Plain values: safe to read from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annal/projection.h"
#include "projectors/declared_row.h"
#include "store/schema.h"

namespace annal::internal {

// An index of a table and the sub-database it lives in.
struct DeclaredIndex {
  std::string name;
  std::vector<IndexField> fields;
  Db db;
};

// A built-in table's stored row as key and field values (the key fields are
// fields of the row too); nullopt when the bytes are not such a row.
using RowReader = std::optional<TableRow> (*)(std::string_view value);

// A table and the sub-databases it lives in.
struct DeclaredTable {
  TableSpec spec;
  Db db;
  std::vector<DeclaredIndex> indexes;
  // Set for the nine's tables only: their rows are flatc's (fbs/rows.fbs),
  // read by `read`, and a table may hold one key range of a sub-database it
  // shares with another (autonomy_history's current level and its changes):
  // from `first_key` on, up to `last_key` when it is not empty. A declared
  // table's rows are read by DecodeTableKey and DecodeTableRow.
  RowReader read = nullptr;
  std::string first_key, last_key;
};

struct DeclaredProjection {
  std::string name;
  std::vector<DeclaredTable> tables;
};

// The nine's tables, in the order of store/schema.h (projectors/all.cc).
const std::vector<DeclaredProjection>& BuiltInTables();

}  // namespace annal::internal
