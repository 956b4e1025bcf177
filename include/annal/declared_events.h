// annal/declared_events.h: events of your own (docs/events.md, "Events of
// your own"): the declaration of an event type, an event of a declared
// type, and the field types and values they share with projections of
// your own (annal/projection.h). Included by annal/events.h, whose Event
// holds them like the built-in types.
//
// Plain values with no hidden state: safe to build and copy on any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "annal/export.h"

namespace annal {

// Wire names of each enum, indexed by the enumerator's value (annal/events.h).
template <class E>
struct EnumNames;

// Events of your own (docs/events.md, "Events of your own"). Their fields
// have these types; a declared projection's fields (annal/projection.h) too.
enum class FieldType : uint8_t { kInt, kStr, kBool, kFloat };
template <>
struct EnumNames<FieldType> {  // NameOf(type): "int", "str", "bool", "float"
  static constexpr std::array<std::string_view, 4> kNames = {"int", "str", "bool",
                                                             "float"};
};

// A field: its name ([a-z][a-z0-9_]{0,62}), its type, and whether it may be
// null. A key field is kInt or kStr and never optional.
struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kInt;
  bool optional = false;
  // An event of your own's personal field (a str): logged sealed under the
  // event's subject's key (docs/security.md, "Erasure"). Declarations only.
  bool personal = false;
  bool operator==(const FieldSpec&) const = default;
};

// A field's value: std::monostate is null (an optional field only).
using Value = std::variant<std::monostate, int64_t, std::string, bool, double>;
using Values = std::vector<Value>;

// Declares an event type of your own, or extends it: logged like any
// event, so a replica and a rebuild see it in order. Version 1 declares;
// each extension is the next version and keeps every field as it was,
// adding optional ones at the end (anything narrower is refused).
struct EventTypeDeclared {
  std::string name;  // [a-z][a-z0-9_.]{0,62}, not a built-in type's
  int64_t version = 1;
  // The fields in order, "name:type" joined by commas, a "?" after the type
  // of an optional one, ":personal" after a personal one (a str):
  // "amount:float,currency:str,note:str?,email:str:personal" (FieldListText).
  std::string fields;
  static constexpr std::string_view kType = "event_type_declared";
  bool operator==(const EventTypeDeclared&) const = default;
  template <class Self, class F>
  static void Fields(Self& s, F&& f) {
    f("name", s.name), f("version", s.version), f("fields", s.fields);
  }
};

// An event of a declared type. Its fields by name, in name order; an absent
// optional field is left out (null on the wire). The validator checks them
// against the type's declaration; a float field given an int logs a float.
struct DeclaredEvent {
  std::string type;
  std::vector<std::pair<std::string, Value>> fields;
  // The declaration's version it was checked against, stamped at append
  // (0 given: the current one; another than the current is refused). It is
  // in the log, not in JSONL: an export imported elsewhere is stamped
  // again, by the declarations its own lines replay in order.
  int64_t version = 0;
  static constexpr std::string_view kType = "";  // its `type` names it
  bool operator==(const DeclaredEvent&) const = default;
  // No built-in kind of field: each codec writes these fields itself.
  template <class Self, class F>
  static void Fields(Self&, F&&) {}
};

// The field list of EventTypeDeclared::fields as specs, nullopt when it is
// not one; and back.
ANNAL_EXPORT std::optional<std::vector<FieldSpec>> ParseFieldList(std::string_view text);
ANNAL_EXPORT std::string FieldListText(const std::vector<FieldSpec>& fields);

}  // namespace annal
