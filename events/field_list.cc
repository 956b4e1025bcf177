// The field list of an event type's declaration (EventTypeDeclared::fields):
// "name:type" joined by commas, "?" after an optional field's type. One
// canonical text per list, so that the same declaration logs the same bytes.
#include <algorithm>

#include "annal/events.h"
#include "events/declared.h"

namespace annal {
namespace {

std::optional<FieldType> TypeNamed(std::string_view name) {
  const auto& names = EnumNames<FieldType>::kNames;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<FieldType>(i);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<FieldSpec>> ParseFieldList(std::string_view text) {
  std::vector<FieldSpec> out;
  if (text.empty()) return out;  // a type may have no fields
  for (;;) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    FieldSpec f;
    f.name = std::string(item.substr(0, colon));
    std::string_view type = item.substr(colon + 1);
    if (type.ends_with(":personal")) {
      f.personal = true;
      type.remove_suffix(std::string_view(":personal").size());
    }
    if (!type.empty() && type.back() == '?') {
      f.optional = true;
      type.remove_suffix(1);
    }
    auto t = TypeNamed(type);
    if (!t) return std::nullopt;
    f.type = *t;
    out.push_back(std::move(f));
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

std::string FieldListText(const std::vector<FieldSpec>& fields) {
  std::string out;
  for (const FieldSpec& f : fields) {
    if (!out.empty()) out += ',';
    out += f.name;
    out += ':';
    out += NameOf(f.type);
    if (f.optional) out += '?';
    if (f.personal) out += ":personal";
  }
  return out;
}

}  // namespace annal

namespace annal::internal {

bool IsDeclaredTypeName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsEnvelopeName(std::string_view name) {
  return name == "type" || name == "ts" || name == "actor" || name == "seq" ||
         name == "subject" || name == "erased";
}

bool IsBuiltInTypeName(std::string_view name) {
  EventBody body;
  return EmplaceBody(name, body);
}

std::optional<std::string> CheckDeclaration(const EventTypeDeclared& d) {
  if (IsBuiltInTypeName(d.name)) return "\"" + d.name + "\" is a built-in event type";
  if (!IsDeclaredTypeName(d.name)) {
    return "an event type's name is [a-z][a-z0-9_.]{0,62}; \"" + d.name + "\" is not";
  }
  if (d.version < 1) return "version must be 1 or more";
  auto fields = ParseFieldList(d.fields);
  if (!fields) {
    return "fields must be \"name:type\" items joined by commas (type int, str, bool "
           "or float, then ? when optional, then :personal when personal): \"" +
           d.fields + "\" is not";
  }
  if (FieldListText(*fields) != d.fields) return "fields must be written without spaces";
  if (fields->size() > kMaxDeclaredFields) {
    return "at most " + std::to_string(kMaxDeclaredFields) + " fields";
  }
  for (size_t i = 0; i < fields->size(); ++i) {
    const std::string& name = (*fields)[i].name;
    if (!IsFieldName(name))
      return "a field's name is [a-z][a-z0-9_]{0,62}; \"" + name + "\" is not";
    if (IsEnvelopeName(name))
      return "field \"" + name + "\" is an envelope field of every event";
    if ((*fields)[i].personal && (*fields)[i].type != FieldType::kStr)
      return "field \"" + name +
             "\" is personal: only a str field may be (it is logged "
             "sealed, docs/security.md)";
    for (size_t j = 0; j < i; ++j) {
      if ((*fields)[j].name == name) return "field \"" + name + "\" is declared twice";
    }
  }
  return std::nullopt;
}

}  // namespace annal::internal
