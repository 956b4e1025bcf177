// JSONL → Event, on simdjson's DOM parser (which also rejects invalid UTF-8).
#include <simdjson.h>

#include <algorithm>
#include <array>

#include "annal/jsonl.h"
#include "common/hidden.h"
#include "common/printable.h"
#include "events/declared.h"

namespace annal {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// More fields than any event has, with room for the envelope.
constexpr size_t kMaxFields = internal::kMaxDeclaredFields + 8;

struct Field {
  std::string_view name;
  element value;
  bool used = false;
};

Status Bad(std::string msg) { return Status::InvalidInput(std::move(msg)); }

// A name from the input, quoted; its control characters escaped.
std::string Quoted(std::string_view name) {
  return "field \"" + common::Printable(name, false) + "\"";
}

Status ReadInt(std::string_view name, element v, int64_t* out) {
  if (v.type() == element_type::UINT64) return Bad(Quoted(name) + " is out of range");
  if (v.get_int64().get(*out) != simdjson::SUCCESS)
    return Bad(Quoted(name) + " must be an integer");
  return Status::Ok();
}

Status ReadString(std::string_view name, element v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS)
    return Bad(Quoted(name) + " must be a string");
  out->assign(s);
  return Status::Ok();
}

template <class E>
Status ReadEnum(std::string_view name, element v, E* out) {
  std::string_view s;
  const auto& names = EnumNames<E>::kNames;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == s) {
        *out = static_cast<E>(i);
        return Status::Ok();
      }
    }
  }
  std::string allowed;
  for (auto n : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
  return Bad(Quoted(name) + " must be one of " + allowed);
}

// Reads a value into a field of the event struct; null counts as absent.
template <class V>
Status ReadValue(std::string_view name, const Field* f, V* out) {
  bool absent = !f || f->value.is_null();
  if constexpr (std::is_same_v<V, OptString> || std::is_same_v<V, OptTime>) {
    if (absent) return Status::Ok();
    typename V::value_type v{};
    Status st;
    if constexpr (std::is_same_v<V, OptString>) {
      st = ReadString(name, f->value, &v);
    } else {
      st = ReadInt(name, f->value, &v);
    }
    if (st.ok()) *out = std::move(v);
    return st;
  } else if constexpr (std::is_same_v<V, bool>) {
    if (absent) return Status::Ok();  // keeps the struct's default
    if (f->value.get_bool().get(*out) != simdjson::SUCCESS) {
      return Bad(Quoted(name) + " must be true or false");
    }
    return Status::Ok();
  } else {
    if (absent) return Bad("missing required " + Quoted(name));
    if constexpr (std::is_same_v<V, std::string>) {
      return ReadString(name, f->value, out);
    } else if constexpr (std::is_same_v<V, int64_t>) {
      return ReadInt(name, f->value, out);
    } else {
      return ReadEnum(name, f->value, out);
    }
  }
}

// A built-in event's shape (annal/upcast.h): 1 to 2^32-1, absent when null.
Status ReadShape(const Field* f, std::optional<uint32_t>* out) {
  if (!f || f->value.is_null()) return Status::Ok();
  int64_t v = 0;
  if (Status st = ReadInt("shape", f->value, &v); !st.ok()) return st;
  if (v < 1 || v > int64_t{UINT32_MAX})
    return Bad("field \"shape\" must be from 1 to " + std::to_string(UINT32_MAX));
  *out = static_cast<uint32_t>(v);
  return Status::Ok();
}

// The personal fields an export shows erased (docs/security.md).
Status ReadErased(const Field* f, std::vector<std::string>* out) {
  if (!f || f->value.is_null()) return Status::Ok();
  simdjson::dom::array list;
  if (f->value.get_array().get(list) != simdjson::SUCCESS)
    return Bad("field \"erased\" must be a list of field names");
  for (element name : list) {
    std::string_view s;
    if (name.get_string().get(s) != simdjson::SUCCESS)
      return Bad("field \"erased\" must be a list of field names");
    out->emplace_back(s);
  }
  return Status::Ok();
}

// A declared event's field as given: its declaration is checked at the
// front door (the validator), where the store's declarations are known.
Status ReadDeclared(std::string_view name, element v, Value* out) {
  switch (v.type()) {
    case element_type::STRING:
      *out = std::string(v.get_string().value());
      return Status::Ok();
    case element_type::INT64:
      *out = v.get_int64().value();
      return Status::Ok();
    case element_type::UINT64:
      return Bad(Quoted(name) + " is out of range");
    case element_type::DOUBLE:
      *out = v.get_double().value();
      return Status::Ok();
    case element_type::BOOL:
      *out = v.get_bool().value();
      return Status::Ok();
    default:
      return Bad(Quoted(name) + " must be an int, a str, a bool or a float");
  }
}

}  // namespace

struct ANNAL_HIDDEN JsonDecoder::Impl {
  simdjson::dom::parser parser;
  std::array<Field, kMaxFields> fields;
};

JsonDecoder::JsonDecoder() : impl_(std::make_unique<Impl>()) {}
JsonDecoder::~JsonDecoder() = default;

Result<Event> JsonDecoder::Decode(std::string_view line) {
  element doc;
  if (auto err = impl_->parser.parse(line.data(), line.size()).get(doc)) {
    // What simdjson says of common mistakes is a riddle ("missing or
    // superfluous commas"): say what they are.
    if (line.substr(0, 3) == "\xEF\xBB\xBF")
      return Bad("the line starts with a UTF-8 byte order mark; JSONL has none");
    const size_t first = line.find_first_not_of(" \t\r");
    const size_t last = line.find_last_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] == '[')
      return Bad(
          "the line is (part of) a JSON array; JSONL is one event object per line");
    if (last != std::string_view::npos && line[last] == ',' && line[first] == '{')
      return Bad(
          "the line ends with a comma; JSONL is one event object per line, "
          "nothing between them");
    return Bad(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    if (doc.is_array())
      return Bad("the line is a JSON array; JSONL is one event object per line");
    return Bad("an event must be a JSON object");
  }

  auto& fields = impl_->fields;
  size_t n = 0;
  for (auto [key, value] : obj) {
    for (size_t i = 0; i < n; ++i) {
      if (fields[i].name == key) return Bad("duplicate " + Quoted(key));
    }
    if (n == fields.size()) return Bad("too many fields");
    fields[n++] = Field{key, value};
  }
  auto find = [&](std::string_view name) -> Field* {
    for (size_t i = 0; i < n; ++i) {
      if (fields[i].name == name) return fields[i].used = true, &fields[i];
    }
    return nullptr;
  };

  Event ev;
  std::string type;
  if (Status st = ReadValue("type", find("type"), &type); !st.ok()) return st;
  const bool declared = !EmplaceBody(type, ev.body);
  if (declared && !internal::IsDeclaredTypeName(type))
    return Bad("unknown event type \"" + common::Printable(type, false) + "\"");
  if (Status st = ReadValue("ts", find("ts"), &ev.ts); !st.ok()) return st;
  if (Status st = ReadValue("actor", find("actor"), &ev.actor); !st.ok()) return st;
  if (!declared) {  // (an event of your own may have a field named so)
    if (Status st = ReadShape(find("shape"), &ev.shape); !st.ok()) return st;
  }
  // (A subject_forgotten's "subject" is its own field, not the envelope's.)
  if (!std::holds_alternative<SubjectForgotten>(ev.body)) {
    if (Status st = ReadValue("subject", find("subject"), &ev.subject); !st.ok())
      return st;
  }
  if (Status st = ReadErased(find("erased"), &ev.erased); !st.ok()) return st;
  find("seq");  // output only: assigned by the engine, ignored here
  if (declared) {
    // An event of your own: every other field is one of its own, null is
    // absent; whether they are the declared ones is the validator's to say.
    DeclaredEvent d{type, {}};
    for (size_t i = 0; i < n; ++i) {
      if (fields[i].used || fields[i].value.is_null()) continue;
      Value v;
      if (Status st = ReadDeclared(fields[i].name, fields[i].value, &v); !st.ok())
        return st;
      d.fields.emplace_back(std::string(fields[i].name), std::move(v));
    }
    std::sort(d.fields.begin(), d.fields.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    ev.body = std::move(d);
    return ev;
  }

  Status status;
  std::visit(
      [&](auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, auto& v) {
          const Field* f = find(name);
          // A value an export shows erased (null) imports empty.
          if ((!f || f->value.is_null()) &&
              std::find(ev.erased.begin(), ev.erased.end(), name) != ev.erased.end())
            return;
          if (status.ok()) status = ReadValue(name, f, &v);
        });
      },
      ev.body);
  if (!status.ok()) return status;
  for (size_t i = 0; i < n; ++i) {
    if (!fields[i].used) return Bad("unknown " + Quoted(fields[i].name) + " for " + type);
  }
  return ev;
}

}  // namespace annal
