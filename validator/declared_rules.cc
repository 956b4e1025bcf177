#include "validator/declared_rules.h"

#include <cstring>

#include "store/errors.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

keys::Key KeyOf(std::string_view type) {
  return keys::Registry(EntityKind::kEventType, type);
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<FieldType> TypeOf(const Value& v) {
  if (std::holds_alternative<int64_t>(v)) return FieldType::kInt;
  if (std::holds_alternative<std::string>(v)) return FieldType::kStr;
  if (std::holds_alternative<bool>(v)) return FieldType::kBool;
  if (std::holds_alternative<double>(v)) return FieldType::kFloat;
  return std::nullopt;
}

// Why `next` does not extend `current` (the fields as they were, then
// optional ones), or nullopt when it does.
std::optional<std::string> Narrower(const std::vector<FieldSpec>& current,
                                    const std::vector<FieldSpec>& next) {
  for (size_t i = 0; i < current.size(); ++i) {
    const FieldSpec& was = current[i];
    if (i >= next.size()) return "it drops field " + Quote(was.name);
    const FieldSpec& is = next[i];
    if (is.name != was.name)
      return "field " + Quote(was.name) + " is renamed or moved (to " + Quote(is.name) +
             "); fields keep their names and order";
    if (is.type != was.type)
      return "field " + Quote(was.name) + " changes type from " +
             std::string(NameOf(was.type)) + " to " + std::string(NameOf(is.type));
    if (was.optional && !is.optional)
      return "optional field " + Quote(was.name) + " becomes required";
    if (!was.optional && is.optional)
      return "required field " + Quote(was.name) +
             " becomes optional (events logged under it would read differently)";
    if (was.personal != is.personal)
      return "field " + Quote(was.name) + (is.personal ? " becomes" : " stops being") +
             " personal (events logged before were sealed otherwise)";
  }
  for (size_t i = current.size(); i < next.size(); ++i) {
    if (!next[i].optional)
      return "new field " + Quote(next[i].name) +
             " is required (events logged before it have none): add it optional";
  }
  if (next.size() == current.size()) return "it adds no field";
  return std::nullopt;
}

}  // namespace

std::string EncodeDeclaration(const EventTypeDeclared& d) {
  std::string value(8, '\0');
  std::memcpy(value.data(), &d.version, 8);
  return value + d.fields;
}

std::optional<EventTypeDeclared> DecodeDeclaration(std::string_view type,
                                                   std::string_view value) {
  EventTypeDeclared d;
  d.name = std::string(type);
  if (value.size() < 8) return std::nullopt;
  std::memcpy(&d.version, value.data(), 8);
  d.fields = std::string(value.substr(8));
  if (!ParseFieldList(d.fields)) return std::nullopt;
  return d;
}

std::optional<EventTypeDeclared> LoadDeclaration(Kv& kv, std::string_view type,
                                                 AlignedBuf& buf) {
  if (!kv.Get(Db::kRegistry, KeyOf(type), buf)) return std::nullopt;
  auto d = DecodeDeclaration(type, buf.view());
  if (!d)
    throw CorruptionError("the registry's declaration of event type \"" +
                          std::string(type) + "\" is damaged");
  return d;
}

std::optional<std::string> AdmitDeclaration(Kv& kv, const EventTypeDeclared& d,
                                            AlignedBuf& buf,
                                            const UpcasterSet* upcasters) {
  const std::string rule =
      "a type is declared at version 1, then extended one version at a time by "
      "optional fields at the end";
  auto current = LoadDeclaration(kv, d.name, buf);
  if (!current) {
    if (d.version != 1)
      return "event type " + Quote(d.name) +
             " is not declared yet: its first version is 1 (rule: " + rule + ")";
  } else if (d.version == current->version) {
    if (d.fields == current->fields) return std::nullopt;  // the same again: no change
    return "event type " + Quote(d.name) + " is already at version " +
           std::to_string(current->version) + " with other fields (" + current->fields +
           "): a change is version " + std::to_string(current->version + 1) +
           " (rule: " + rule + ")";
  } else if (d.version != current->version + 1) {
    return "event type " + Quote(d.name) + " is at version " +
           std::to_string(current->version) + ": the next is " +
           std::to_string(current->version + 1) + " (rule: " + rule + ")";
  } else if (upcasters && upcasters->Reads(d.name, current->version)) {
    // Any shape: the upcaster brings the events logged under the current one to it.
  } else if (auto why =
                 Narrower(*ParseFieldList(current->fields), *ParseFieldList(d.fields))) {
    return "version " + std::to_string(d.version) + " of event type " + Quote(d.name) +
           " is refused: " + *why + " (rule: " + rule +
           "; any other change needs an upcaster from version " +
           std::to_string(current->version) + ", docs/events.md \"Evolution\")";
  }
  kv.Put(Db::kRegistry, KeyOf(d.name), EncodeDeclaration(d));
  return std::nullopt;
}

std::optional<std::string> AdmitDeclared(Kv& kv, const DeclaredEvent& e, AlignedBuf& buf,
                                         std::optional<DeclaredEvent>* logged,
                                         std::vector<std::string>* personal) {
  logged->reset();
  personal->clear();
  auto declared = LoadDeclaration(kv, e.type, buf);
  if (!declared) {
    return "event type " + Quote(e.type) +
           " is neither built in nor declared (rule: an event of your own has a declared "
           "type: `annal schema add`, docs/events.md)";
  }
  const std::vector<FieldSpec> specs = *ParseFieldList(declared->fields);
  const std::string rule = "fields as event type " + Quote(e.type) + " version " +
                           std::to_string(declared->version) +
                           " declares them: " + declared->fields;
  auto fail = [&](std::string what) { return what + " (rule: " + rule + ")"; };
  if (e.version != 0 && e.version != declared->version) {
    return fail("it was checked against version " + std::to_string(e.version) +
                ", not the current one");
  }
  if (e.version == 0) {  // stamped with the version it is checked against
    *logged = e;
    (*logged)->version = declared->version;
  }
  for (const auto& [name, value] : e.fields) {
    const FieldSpec* spec = nullptr;
    for (const FieldSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (!spec) return fail("field " + Quote(name) + " is not declared");
    const std::optional<FieldType> type = TypeOf(value);
    if (!type)
      return fail("field " + Quote(name) + " is null");  // (CheckFields says so first)
    const FieldType given = *type;
    if (given == spec->type) continue;
    if (given == FieldType::kInt && spec->type == FieldType::kFloat) {
      if (!*logged) *logged = e;
      for (auto& [n, v] : (*logged)->fields) {
        if (n == name) v = static_cast<double>(std::get<int64_t>(v));
      }
      continue;
    }
    return fail("field " + Quote(name) + " must be " +
                (spec->type == FieldType::kInt ? "an " : "a ") +
                std::string(NameOf(spec->type)) + ", not " +
                (given == FieldType::kInt ? "an " : "a ") + std::string(NameOf(given)));
  }
  for (const FieldSpec& s : specs) {
    if (s.personal) personal->push_back(s.name);
    if (s.optional) continue;
    bool given = false;
    for (const auto& [name, value] : e.fields) given = given || name == s.name;
    if (!given) return fail("missing required field " + Quote(s.name));
  }
  return std::nullopt;
}

}  // namespace annal::internal
