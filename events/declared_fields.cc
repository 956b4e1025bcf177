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

std::optional<std::vector<std::pair<std::string, Value>>> DecodeDeclaredFields(
    const uint8_t* data, size_t size) {
  if (size == 0) return std::nullopt;
  auto root = flexbuffers::GetRoot(data, size);
  if (!root.IsMap()) return std::nullopt;
  auto map = root.AsMap();
  auto keys = map.Keys();
  auto values = map.Values();
  std::vector<std::pair<std::string, Value>> out;
  out.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].IsKey()) return std::nullopt;
    std::string name(keys[i].AsKey());
    // Keys in strictly increasing byte order, as a builder writes them
    // (lookups in a map rely on it; the verifier does not check it).
    if (!out.empty() && !(out.back().first < name)) return std::nullopt;
    auto v = values[i];
    if (v.IsInt()) {
      out.emplace_back(std::move(name), v.AsInt64());
    } else if (v.IsString()) {
      out.emplace_back(std::move(name), v.AsString().str());
    } else if (v.IsBool()) {
      out.emplace_back(std::move(name), v.AsBool());
    } else if (v.IsFloat() && std::isfinite(v.AsDouble())) {  // (as the validator admits)
      out.emplace_back(std::move(name), v.AsDouble());
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace annal::internal
