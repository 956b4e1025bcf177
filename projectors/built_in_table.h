// The nine's tables declared for the generic readers (projectors/table.h):
// each projector's file names its tables, their key fields and indexes; the
// fields, their types and the reader of a stored row derive from the typed
// row's Fields() (annal/rows.h). The nine keep their own Apply over the Kv
// and their rows' bytes (docs/projections.md, "The nine and this API").
// Thread-safe: no state.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "projectors/row_codec.h"
#include "projectors/table.h"

namespace annal::internal {

// The public row of a decoded one: the alarm's stored extra is not a field.
template <class Row>
const Row& PublicRow(const Row& r) {
  return r;
}
inline const AlarmRow& PublicRow(const StoredAlarm& a) { return a.row; }

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// A row field's declared type: ints (the nine's counters fit int64), bools,
// and strings (text, and enums as their names, as in the rows' JSON).
template <class T>
FieldSpec SpecOf(std::string_view name) {
  if constexpr (IsOptional<T>::value) {
    FieldSpec f = SpecOf<typename T::value_type>(name);
    f.optional = true;
    return f;
  } else if constexpr (std::is_same_v<T, bool>) {
    return {std::string(name), FieldType::kBool};
  } else if constexpr (std::is_integral_v<T>) {
    return {std::string(name), FieldType::kInt};
  } else {
    return {std::string(name), FieldType::kStr};
  }
}

template <class T>
Value ValueOf(const T& v) {
  if constexpr (IsOptional<T>::value) {
    return v ? ValueOf(*v) : Value{};
  } else if constexpr (std::is_same_v<T, bool>) {
    return Value{v};
  } else if constexpr (std::is_enum_v<T>) {
    return Value{std::string(NameOf(v))};
  } else if constexpr (std::is_integral_v<T>) {
    return Value{static_cast<int64_t>(v)};
  } else {
    return Value{std::string(v)};
  }
}

template <class Fb>
using PublicRowOf =
    std::remove_cvref_t<decltype(PublicRow(Decode(std::declval<const Fb&>())))>;

// The values of a stored row of Fb: its first `KeyFields` fields are the key.
template <class Fb, size_t KeyFields>
std::optional<TableRow> ReadBuiltInRow(std::string_view value) {
  const Fb* stored = VerifiedRow<Fb>(value);
  if (!stored) return std::nullopt;
  const auto decoded = Decode(*stored);
  TableRow out;
  size_t i = 0;
  PublicRowOf<Fb>::Fields(PublicRow(decoded), [&](std::string_view, const auto& v) {
    (i++ < KeyFields ? out.key : out.fields).push_back(ValueOf(v));
  });
  return out;
}

struct BuiltInIndex {
  std::string name;
  std::string field;  // an int field: the index's keys are (time, id)
  Db db;
};

// The table `name` of rows Fb in `db`, keyed by their first KeyFields fields.
template <class Fb, size_t KeyFields>
DeclaredTable BuiltInTable(std::string name, Db db,
                           const std::vector<BuiltInIndex>& indexes = {}) {
  DeclaredTable t{.spec = {.name = std::move(name)}, .db = db};
  size_t i = 0;
  using Row = PublicRowOf<Fb>;
  const Row fields_of{};
  Row::Fields(fields_of, [&](std::string_view field, const auto& v) {
    (i++ < KeyFields ? t.spec.key : t.spec.fields)
        .push_back(SpecOf<std::remove_cvref_t<decltype(v)>>(field));
  });
  for (const BuiltInIndex& ix : indexes) {
    IndexSpec spec{ix.name, {ix.field}};
    t.spec.indexes.push_back(spec);
    t.indexes.push_back({ix.name, IndexFields(t.spec, spec), ix.db});
  }
  t.read = &ReadBuiltInRow<Fb, KeyFields>;
  return t;
}

}  // namespace annal::internal
