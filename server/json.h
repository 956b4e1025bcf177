// Small pieces of JSON the server writes around rows that the library has
// already encoded: errors, arrays of raw objects (strings: AppendJsonString
// of annal/jsonl.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annal/jsonl.h"

namespace annal::server {

inline std::string ErrorJson(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += "}";
  return out;
}

// [raw, raw, ...]: each element is already a JSON value.
inline void AppendRawArray(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += ']';
}

// ["a", "b", ...]: each element a string to quote (std::string or string_view).
template <class Strings>
void AppendStringArray(std::string& out, const Strings& items) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, item);
  }
  out += ']';
}

template <class T>
void AppendNumberOrNull(std::string& out, const std::optional<T>& v) {
  out += v ? std::to_string(*v) : "null";
}

}  // namespace annal::server
