// Events of your own inside the engine (docs/events.md, "Events of your
// own"): the rules of a declaration that need no store, and the FlexBuffers
// form of a declared event's fields in the log (docs/format.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annal/events.h"

namespace annal::internal {

inline constexpr size_t kMaxNameBytes = 63;
inline constexpr size_t kMaxDeclaredFields = 32;

bool IsDeclaredTypeName(std::string_view name);  // [a-z][a-z0-9_.]{0,62}
bool IsFieldName(std::string_view name);         // [a-z][a-z0-9_]{0,62}
bool IsEnvelopeName(std::string_view name);      // type, ts, actor, seq, subject, erased
bool IsBuiltInTypeName(std::string_view name);
// What is wrong with a declaration taken alone, or nullopt.
std::optional<std::string> CheckDeclaration(const EventTypeDeclared& d);

// The fields as one FlexBuffers map (its keys sorted, as FlexBuffers sorts
// them): ints, strings, bools and floats; an absent field is not in it.
std::vector<uint8_t> EncodeDeclaredFields(const DeclaredEvent& e);
// The map back, in key order; nullopt when the bytes hold anything else
// (another kind of value, keys out of order or twice).
std::optional<std::vector<std::pair<std::string, Value>>> DecodeDeclaredFields(
    const uint8_t* data, size_t size);
// Whether DecodeDeclaredFields would decode the bytes, without building
// the fields (the record verifier's check).
bool DeclaredFieldsWellFormed(const uint8_t* data, size_t size);

}  // namespace annal::internal
