// python/src/schema.h: the events' and rows' fields as plain data, read from
// their Fields() lists, so that the Python classes (generated at build time
// by python/gen_types.py) can never drift from the C++ structs.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace annal::binding {

struct FieldInfo {
  std::string name;
  std::string kind;                  // "str", "int", "bool" or "enum"
  bool optional = false;             // may be absent (events) or null (rows)
  std::vector<std::string> choices;  // an enum's wire names
};
struct TypeInfo {
  std::string name;  // an event's wire type, or a row's projection name
  std::vector<FieldInfo> fields;
};

// Every event type, in the log schema's union order.
std::vector<TypeInfo> EventSchema();
// Every row shape: one per projection, and "autonomy_current" beside
// "autonomy_history" (whose first row is the current level).
std::vector<TypeInfo> RowSchema();

}  // namespace annal::binding
