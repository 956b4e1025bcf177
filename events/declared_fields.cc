// A declared event's fields in the log: one FlexBuffers map, so that a
// record explains itself without its declaration (export, a replica, a tool
// reading the log) and new optional fields cost no schema change.
#include <flatbuffers/flexbuffers.h>

#include <cmath>

#include "events/declared.h"

namespace annal::internal {

std::vector<uint8_t> EncodeDeclaredFields(const DeclaredEvent& e) {
  flexbuffers::Builder b;
  b.Map([&] {
    for (const auto& [name, value] : e.fields) {
      const char* key = name.c_str();
      if (auto* i = std::get_if<int64_t>(&value)) {
        b.Int(key, *i);
      } else if (auto* s = std::get_if<std::string>(&value)) {
        b.String(key, *s);
      } else if (auto* v = std::get_if<bool>(&value)) {
        b.Bool(key, *v);
      } else if (auto* d = std::get_if<double>(&value)) {
        b.Double(key, *d);
      }  // null: absent (CheckFields refuses nulls before an encoding)
    }
  });
  b.Finish();
  return b.GetBuffer();
}

namespace {

// Calls each(name, value) for every field of a well-formed map, in order;
// false (at the first fault) when the bytes are not one: a key out of order
// or twice (lookups in a map rely on the order; the verifier does not check
// it), a value of another kind, a float the validator would not admit.
template <class Each>
bool WalkFields(const uint8_t* data, size_t size, Each&& each) {
  if (size == 0) return false;
  auto root = flexbuffers::GetRoot(data, size);
  if (!root.IsMap()) return false;
  auto map = root.AsMap();
  auto keys = map.Keys();
  auto values = map.Values();
  std::string_view last;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].IsKey()) return false;
    const std::string_view name(keys[i].AsKey());
    if (i > 0 && !(last < name)) return false;
    last = name;
    auto v = values[i];
    const bool known = v.IsInt() || v.IsString() || v.IsBool() ||
                       (v.IsFloat() && std::isfinite(v.AsDouble()));
    if (!known) return false;
    each(name, v);
  }
  return true;
}

}  // namespace

bool DeclaredFieldsWellFormed(const uint8_t* data, size_t size) {
  return WalkFields(data, size, [](std::string_view, const flexbuffers::Reference&) {});
}

std::optional<std::vector<std::pair<std::string, Value>>> DecodeDeclaredFields(
    const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, Value>> out;
  const bool ok = WalkFields(data, size, [&](std::string_view name, const auto& v) {
    if (v.IsInt()) {
      out.emplace_back(name, v.AsInt64());
    } else if (v.IsString()) {
      out.emplace_back(name, v.AsString().str());
    } else if (v.IsBool()) {
      out.emplace_back(name, v.AsBool());
    } else {
      out.emplace_back(name, v.AsDouble());
    }
  });
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace annal::internal
