// JSON of a declared table's row (annal/jsonl.h).
#include <charconv>
#include <cmath>

#include "annal/jsonl.h"
#include "events/json_writer.h"

namespace annal {
namespace internal {

void AppendJsonValue(std::string& out, const Value& v, bool float_fraction) {
  if (auto* n = std::get_if<int64_t>(&v)) {
    out += std::to_string(*n);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    AppendJsonString(out, *s);
  } else if (auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else if (auto* d = std::get_if<double>(&v); d && std::isfinite(*d)) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, *d);  // shortest round-trip form
    const std::string_view text(buf, r.ptr - buf);
    out += text;
    if (float_fraction && text.find_first_of(".e") == std::string_view::npos) out += ".0";
  } else {
    out += "null";  // null, or a float JSON cannot hold (Put and Append refuse those)
  }
}

}  // namespace internal

namespace {

void AppendFields(std::string& out, const std::vector<FieldSpec>& specs,
                  const Values& values, bool& first) {
  for (size_t i = 0; i < specs.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    internal::AppendJsonString(out, specs[i].name);
    out += ':';
    internal::AppendJsonValue(out, values[i]);
  }
}

}  // namespace

void AppendJson(std::string& out, const TableSpec& table, const TableRow& row) {
  out += '{';
  bool first = true;
  AppendFields(out, table.key, row.key, first);
  AppendFields(out, table.fields, row.fields, first);
  out += '}';
}

std::optional<Value> ParseIndexBound(const TableSpec& table, std::string_view index,
                                     std::string_view text) {
  std::string_view first;  // the bounded field: the index's first, or the key's
  if (index.empty() && !table.key.empty()) first = table.key.front().name;
  for (const IndexSpec& ix : table.indexes) {
    if (ix.name == index && !ix.fields.empty()) first = ix.fields.front();
  }
  if (first.empty()) return std::nullopt;
  {
    for (const auto* list : {&table.key, &table.fields}) {
      for (const FieldSpec& f : *list) {
        if (f.name != first) continue;
        switch (f.type) {
          case FieldType::kStr:
            return Value{std::string(text)};
          case FieldType::kBool:
            if (text == "true" || text == "false") return Value{text == "true"};
            return std::nullopt;
          case FieldType::kInt: {
            int64_t v = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (ec != std::errc() || end != text.data() + text.size() || text.empty())
              return std::nullopt;
            return Value{v};
          }
          case FieldType::kFloat:
            return std::nullopt;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace annal
