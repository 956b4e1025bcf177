#include "projectors/declared_row.h"

#include <flatbuffers/flatbuffers.h>

#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>

#include "annal/query.h"

namespace annal::internal {
namespace {

// The Value alternative that holds a FieldType.
constexpr size_t IndexOf(FieldType t) { return static_cast<size_t>(t) + 1; }

std::string_view ValueTypeName(const Value& v) {
  static constexpr std::string_view kNames[] = {"null", "int", "str", "bool", "float"};
  return kNames[v.index()];
}

[[noreturn]] void ThrowMismatch(const TableSpec& table, const FieldSpec& f,
                                const Value& v) {
  if (auto* d = std::get_if<double>(&v); d && !std::isfinite(*d)) {
    throw std::invalid_argument("table " + table.name + ": field " + f.name +
                                " is not a finite number (JSON has no NaN or infinity)");
  }
  throw std::invalid_argument(
      "table " + table.name + ": field " + f.name + " is " + std::string(NameOf(f.type)) +
      (f.optional ? " or null" : "") + ", not " + std::string(ValueTypeName(v)));
}

// Inline: it runs for every field of every key and row an Apply writes.
inline void CheckValue(const TableSpec& table, const FieldSpec& f, const Value& v) {
  if (v.index() == IndexOf(f.type)) {
    if (f.type != FieldType::kFloat || std::isfinite(*std::get_if<double>(&v))) return;
  } else if (v.index() == 0 && f.optional) {
    return;
  }
  ThrowMismatch(table, f, v);
}

void CheckCount(const TableSpec& table, std::string_view what, size_t want, size_t got) {
  if (want == got) return;
  throw std::invalid_argument("table " + table.name + ": " + std::to_string(got) + " " +
                              std::string(what) + " values given, " +
                              std::to_string(want) + " declared");
}

flatbuffers::voffset_t Slot(size_t i) {
  return static_cast<flatbuffers::voffset_t>(
      flatbuffers::FieldIndexToOffset(static_cast<flatbuffers::voffset_t>(i)));
}

bool IsName(const std::string& s) {
  static const std::regex kName("[a-z][a-z0-9_]{0,62}");
  return std::regex_match(s, kName);
}

}  // namespace

keys::Key EncodeTableKey(const TableSpec& table, const Values& key) {
  CheckCount(table, "key", table.key.size(), key.size());
  keys::Key k;
  for (size_t i = 0; i < key.size(); ++i) {
    CheckValue(table, table.key[i], key[i]);
    try {
      if (table.key[i].type == FieldType::kInt) {
        k.Int(std::get<int64_t>(key[i]));
      } else {
        k.Str(std::get<std::string>(key[i]));
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("table " + table.name + ": key field " +
                                  table.key[i].name + ": " + e.what());
    }
  }
  return k;
}

std::optional<Values> DecodeTableKey(const TableSpec& table, std::string_view bytes) {
  keys::FieldReader r(bytes);
  Values out;
  out.reserve(table.key.size());
  for (const FieldSpec& f : table.key) {
    if (f.type == FieldType::kInt) {
      auto v = r.Int();
      if (!v) return std::nullopt;
      out.emplace_back(*v);
    } else {
      auto v = r.Str();
      if (!v) return std::nullopt;
      out.emplace_back(std::string(*v));
    }
  }
  if (!r.done()) return std::nullopt;
  return out;
}

void CheckTableRow(const TableSpec& table, const Values& fields) {
  CheckCount(table, "field", table.fields.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i)
    CheckValue(table, table.fields[i], fields[i]);
}

std::string_view EncodeTableRow(const Values& fields, flatbuffers::FlatBufferBuilder& b) {
  b.Clear();
  // Strings first: a table's fields are written after what they point to.
  constexpr size_t kOnStack = 16;
  flatbuffers::uoffset_t on_stack[kOnStack];
  std::vector<flatbuffers::uoffset_t> on_heap;
  flatbuffers::uoffset_t* strings = on_stack;
  if (fields.size() > kOnStack) {
    on_heap.resize(fields.size());
    strings = on_heap.data();
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (auto* s = std::get_if<std::string>(&fields[i])) strings[i] = b.CreateString(*s).o;
  }
  const auto start = b.StartTable();
  for (size_t i = 0; i < fields.size(); ++i) {
    const Value& v = fields[i];
    if (auto* n = std::get_if<int64_t>(&v)) b.AddElement<int64_t>(Slot(i), *n);
    if (auto* d = std::get_if<double>(&v)) b.AddElement<double>(Slot(i), *d);
    if (auto* t = std::get_if<bool>(&v)) b.AddElement<uint8_t>(Slot(i), *t ? 1 : 0);
    if (v.index() == 2)
      b.AddOffset(Slot(i), flatbuffers::Offset<flatbuffers::String>(strings[i]));
  }
  const flatbuffers::Offset<flatbuffers::Table> root(b.EndTable(start));
  b.TrackMinAlign(8);  // a multiple of 8 long: see store/keys.h
  b.Finish(root);
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

std::optional<Values> DecodeTableRow(const TableSpec& table, std::string_view bytes) {
  auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier v(data, bytes.size());
  if (bytes.size() < sizeof(flatbuffers::uoffset_t) ||
      !v.VerifyOffset(0))  // the root offset within the buffer
    return std::nullopt;
  auto* t = flatbuffers::GetRoot<flatbuffers::Table>(data);
  if (!t->VerifyTableStart(v)) return std::nullopt;
  Values out;
  out.reserve(table.fields.size());
  for (size_t i = 0; i < table.fields.size(); ++i) {
    const FieldSpec& f = table.fields[i];
    const auto slot = Slot(i);
    if (!t->CheckField(slot)) {
      if (!f.optional) return std::nullopt;
      out.emplace_back(std::monostate{});
      continue;
    }
    switch (f.type) {
      case FieldType::kInt:
        if (!t->VerifyField<int64_t>(v, slot, 8)) return std::nullopt;
        out.emplace_back(t->GetField<int64_t>(slot, 0));
        break;
      case FieldType::kFloat:
        if (!t->VerifyField<double>(v, slot, 8)) return std::nullopt;
        out.emplace_back(t->GetField<double>(slot, 0));
        break;
      case FieldType::kBool:
        if (!t->VerifyField<uint8_t>(v, slot, 1)) return std::nullopt;
        out.emplace_back(t->GetField<uint8_t>(slot, 0) != 0);
        break;
      case FieldType::kStr: {
        if (!t->VerifyOffset(v, slot)) return std::nullopt;
        auto* s = t->GetPointer<const flatbuffers::String*>(slot);
        if (!v.VerifyString(s)) return std::nullopt;
        out.emplace_back(s->str());
        break;
      }
    }
  }
  if (!v.EndTable()) return std::nullopt;
  return out;
}

std::string TableDbName(std::string_view projection, std::string_view table) {
  return "proj_" + std::string(projection) + "." + std::string(table);
}

std::string IndexDbName(std::string_view projection, std::string_view table,
                        std::string_view index) {
  return TableDbName(projection, table) + "." + std::string(index);
}

std::vector<IndexField> IndexFields(const TableSpec& table, const IndexSpec& index) {
  std::vector<IndexField> out;
  for (const std::string& name : index.fields) {
    bool found = false;
    for (bool in_key : {true, false}) {
      const auto& list = in_key ? table.key : table.fields;
      for (size_t i = 0; i < list.size() && !found; ++i) {
        if (list[i].name == name) out.push_back({in_key, i, list[i].type}), found = true;
      }
    }
    if (!found) throw std::invalid_argument("index " + index.name + ": no field " + name);
  }
  return out;
}

std::optional<keys::Key> EncodeIndexKey(const std::vector<IndexField>& index,
                                        const Values& key, const Values& fields,
                                        std::string_view row_key) {
  keys::Key k;
  for (const IndexField& f : index) {
    const Value& v = (f.in_key ? key : fields)[f.at];
    if (v.index() == 0) return std::nullopt;
    k.Raw(EncodeIndexBound(f, v));
  }
  k.Raw(row_key);
  return k;
}

keys::Key EncodeIndexBound(const IndexField& first, const Value& v) {
  keys::Key k;
  const auto* s = std::get_if<std::string>(&v);
  const auto* n = std::get_if<int64_t>(&v);
  const auto* b = std::get_if<bool>(&v);
  if (first.type == FieldType::kStr && s) {
    k.Str(*s);
  } else if (first.type == FieldType::kInt && n) {
    k.Int(*n);
  } else if (first.type == FieldType::kBool && b) {
    k.Int(*b ? 1 : 0);
  } else {
    throw std::invalid_argument("an index bound is " + std::string(ValueTypeName(v)) +
                                ", its field " + std::string(NameOf(first.type)));
  }
  return k;
}

std::optional<IndexKeyParts> SplitIndexKey(const std::vector<IndexField>& index,
                                           std::string_view bytes) {
  keys::FieldReader r(bytes);
  IndexKeyParts parts;
  for (size_t i = 0; i < index.size(); ++i) {
    const bool ok =
        index[i].type == FieldType::kStr ? r.Str().has_value() : r.Int().has_value();
    if (!ok) return std::nullopt;
    if (i == 0) parts.first_field_bytes = bytes.size() - r.rest().size();
  }
  parts.row_key = r.rest();
  return parts;
}

std::optional<std::string> CheckDeclaration(const Projection& p) {
  const std::string name = p.name();
  const std::string what = "projection " + name;
  if (!IsName(name)) return what + ": a name is [a-z][a-z0-9_]{0,62}";
  if (IsBuiltInProjection(name)) return what + ": the name of a built-in projection";
  if (p.version() < 1) return what + ": its version is 0; versions start at 1";
  const std::vector<TableSpec> tables = p.tables();
  if (tables.empty()) return what + ": it declares no table";
  std::set<std::string> table_names;
  for (const TableSpec& t : tables) {
    const std::string in = what + ", table " + t.name;
    if (!IsName(t.name)) return in + ": a table's name is [a-z][a-z0-9_]{0,62}";
    if (!table_names.insert(t.name).second) return in + ": declared twice";
    if (t.key.empty()) return in + ": it has no key field";
    std::set<std::string> fields;
    for (const auto* list : {&t.key, &t.fields}) {
      for (const FieldSpec& f : *list) {
        if (!IsName(f.name))
          return in + ": field " + f.name + ": a field's name is [a-z][a-z0-9_]{0,62}";
        if (!fields.insert(f.name).second)
          return in + ": field " + f.name + " declared twice";
      }
    }
    for (const FieldSpec& f : t.key) {
      if (f.optional || (f.type != FieldType::kInt && f.type != FieldType::kStr))
        return in + ": key field " + f.name + " must be int or str, not optional";
    }
    std::set<std::string> index_names;
    for (const IndexSpec& ix : t.indexes) {
      const std::string at = in + ", index " + ix.name;
      if (!IsName(ix.name)) return at + ": an index's name is [a-z][a-z0-9_]{0,62}";
      if (!index_names.insert(ix.name).second) return at + ": declared twice";
      if (ix.fields.empty()) return at + ": it has no field";
      std::set<std::string> seen;
      for (const std::string& name : ix.fields) {
        if (!seen.insert(name).second) return at + ": field " + name + " given twice";
        const FieldSpec* f = nullptr;
        for (const auto* list : {&t.key, &t.fields}) {
          for (const FieldSpec& g : *list) {
            if (g.name == name) f = &g;
          }
        }
        if (!f) return at + ": the table has no field " + name;
        if (f->type == FieldType::kFloat)
          return at + ": field " + name +
                 " is a float; an index field is int, str or bool";
      }
    }
  }
  return std::nullopt;
}

}  // namespace annal::internal
