// The JSON document of event type declarations (`annal schema add FILE`,
// docs/events.md): one declaration or an array of them, each
//   {"name": "budget.exceeded", "version": 1,
//    "fields": [{"name": "amount", "type": "float"},
//               {"name": "note", "type": "str", "optional": true}]}
// "version" defaults to 1 and "optional" to false.
#include <simdjson.h>

#include "annal/jsonl.h"
#include "events/json_writer.h"

namespace annal {
namespace {

using simdjson::dom::element;

Status Bad(std::string what) { return Status::InvalidInput(std::move(what)); }

Result<FieldSpec> ReadField(element f, size_t i) {
  const std::string at = "field " + std::to_string(i) + ": ";
  simdjson::dom::object obj;
  if (f.get_object().get(obj) != simdjson::SUCCESS)
    return Bad(at + "a field is an object with \"name\", \"type\" and \"optional\"");
  FieldSpec spec;
  std::string_view name, type;
  for (auto [key, value] : obj) {
    if (key == "name" && value.get_string().get(name) == simdjson::SUCCESS) continue;
    if (key == "type" && value.get_string().get(type) == simdjson::SUCCESS) continue;
    if (key == "optional" && value.get_bool().get(spec.optional) == simdjson::SUCCESS)
      continue;
    if (key == "personal" && value.get_bool().get(spec.personal) == simdjson::SUCCESS)
      continue;
    return Bad(at + "\"" + std::string(key) +
               "\" is not one of name (a string), type (a string), optional (true or "
               "false), personal (true or false)");
  }
  if (name.empty()) return Bad(at + "\"name\" is missing");
  spec.name = std::string(name);
  const auto& names = EnumNames<FieldType>::kNames;
  auto it = std::find(names.begin(), names.end(), type);
  if (it == names.end())
    return Bad(at + "\"type\" must be int, str, bool or float, not \"" +
               std::string(type) + "\"");
  spec.type = static_cast<FieldType>(it - names.begin());
  return spec;
}

Result<EventTypeDeclared> ReadDeclaration(element d) {
  simdjson::dom::object obj;
  if (d.get_object().get(obj) != simdjson::SUCCESS)
    return Bad("a declaration is an object with \"name\", \"version\" and \"fields\"");
  EventTypeDeclared out;
  std::vector<FieldSpec> fields;
  bool named = false;
  for (auto [key, value] : obj) {
    std::string_view name;
    if (key == "name" && value.get_string().get(name) == simdjson::SUCCESS) {
      out.name = std::string(name), named = true;
    } else if (key == "version" &&
               value.get_int64().get(out.version) == simdjson::SUCCESS) {
    } else if (key == "fields" && value.is_array()) {
      size_t i = 0;
      for (element f : value.get_array()) {
        auto spec = ReadField(f, i++);
        if (!spec.ok()) return Bad("\"" + out.name + "\" " + spec.status().message());
        fields.push_back(std::move(*spec));
      }
    } else {
      return Bad("\"" + std::string(key) +
                 "\" is not one of name (a string), version (an integer), fields (an "
                 "array)");
    }
  }
  if (!named) return Bad("a declaration's \"name\" is missing");
  out.fields = FieldListText(fields);
  return out;
}

}  // namespace

Result<std::vector<EventTypeDeclared>> ParseDeclarations(std::string_view json) {
  simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc))
    return Bad(std::string("malformed JSON: ") + simdjson::error_message(err));
  std::vector<EventTypeDeclared> out;
  if (doc.is_array()) {
    for (element d : doc.get_array()) {
      auto one = ReadDeclaration(d);
      if (!one.ok()) return one.status();
      out.push_back(std::move(*one));
    }
  } else {
    auto one = ReadDeclaration(doc);
    if (!one.ok()) return one.status();
    out.push_back(std::move(*one));
  }
  return out;
}

void AppendDeclarationJson(std::string& out, const EventTypeDeclared& d) {
  internal::JsonObject o(out);
  o.Field("name", d.name);
  o.Field("version", d.version);
  out += ",\"fields\":[";
  bool first = true;
  for (const FieldSpec& f : ParseFieldList(d.fields).value_or(std::vector<FieldSpec>{})) {
    if (!first) out += ',';
    first = false;
    internal::JsonObject fo(out);
    fo.Field("name", f.name);
    fo.Field("type", NameOf(f.type));
    fo.Field("optional", f.optional);
    if (f.personal) fo.Field("personal", true);
  }
  out += ']';
}

}  // namespace annal
