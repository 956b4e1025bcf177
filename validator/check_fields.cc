#include <cmath>
#include <type_traits>

#include "events/declared.h"
#include "events/sealed.h"
#include "store/keys.h"
#include "validator/validate.h"

namespace annal::internal {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++p;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

namespace {

bool IsIdField(std::string_view name) {
  return name.size() > 3 && name.substr(name.size() - 3) == "_id";
}

std::optional<std::string> CheckString(std::string_view field, std::string_view v) {
  // A sealed personal value (events/sealed.h), as logged: the front door
  // refuses one given (engine/append.cc), so only the log holds them.
  if (SealedSubject(v)) return std::nullopt;
  if (!IsValidUtf8(v)) return "field \"" + std::string(field) + "\" is not valid UTF-8";
  if (IsIdField(field)) {
    if (v.empty()) return "field \"" + std::string(field) + "\" must be a non-empty id";
    if (v.size() > keys::kMaxIdBytes) {
      return "field \"" + std::string(field) + "\" is longer than " +
             std::to_string(keys::kMaxIdBytes) + " bytes";
    }
    if (v.find('\0') != std::string_view::npos) {
      return "field \"" + std::string(field) + "\" contains a NUL character";
    }
  } else if (v.size() > kMaxTextBytes) {
    return "field \"" + std::string(field) + "\" is longer than " +
           std::to_string(kMaxTextBytes) + " bytes";
  }
  return std::nullopt;
}

// A declared event's fields taken alone: well named, in name order, once
// each, no nulls, text as any text field's; whether they are the declared
// ones is Admit's to say.
std::optional<std::string> CheckDeclaredEvent(const DeclaredEvent& e) {
  if (!IsDeclaredTypeName(e.type) || IsBuiltInTypeName(e.type))
    return "an event type of your own is named [a-z][a-z0-9_.]{0,62}, not a built-in's";
  if (e.version < 0) return "\"version\" must be 0 (the current one) or more";
  if (e.fields.size() > kMaxDeclaredFields)
    return "more than " + std::to_string(kMaxDeclaredFields) + " fields";
  for (size_t i = 0; i < e.fields.size(); ++i) {
    const auto& [name, value] = e.fields[i];
    if (!IsFieldName(name) || IsEnvelopeName(name))
      return "\"" + name + "\" cannot name a field (they are [a-z][a-z0-9_]{0,62})";
    if (i > 0 && !(e.fields[i - 1].first < name))
      return "fields must be in name order, each once (\"" + name + "\")";
    if (std::holds_alternative<std::monostate>(value))
      return "field \"" + name + "\" is null: leave an absent field out";
    if (auto* s = std::get_if<std::string>(&value)) {
      if (auto err = CheckString(name, *s)) return err;
    }
    if (auto* d = std::get_if<double>(&value); d && !std::isfinite(*d))
      return "field \"" + name + "\" is not a finite number";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckFields(const Event& ev) {
  std::optional<std::string> err;
  if (ev.actor) err = CheckString("actor", *ev.actor);
  if (!err && ev.subject && !IsSubjectName(*ev.subject))
    err = "\"subject\" must be 1 to 128 of A-Z a-z 0-9 : . _ @ / + -";
  std::visit(
      [&](const auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if (err) return;
          if constexpr (std::is_same_v<V, std::string>) {
            err = CheckString(name, v);
          } else if constexpr (std::is_same_v<V, OptString>) {
            if (v) err = CheckString(name, *v);
          } else if constexpr (std::is_enum_v<V>) {
            if (static_cast<size_t>(v) >= EnumNames<V>::kNames.size()) {
              err = "field \"" + std::string(name) + "\" has an out-of-range value";
            }
          }
        });
        if constexpr (std::is_same_v<E, IntegrationRateLimited>) {
          if (!err && body.remaining < 0) err = "\"remaining\" must be >= 0";
        }
        if constexpr (std::is_same_v<E, AutonomyLevelChanged>) {
          if (!err && (body.level < 0 || body.level > 5))
            err = "\"level\" must be 0 to 5";
        }
        if constexpr (std::is_same_v<E, SubjectForgotten>) {
          if (!err && ev.subject)
            err =
                "a subject_forgotten names its subject in its own field, not as the "
                "envelope's \"subject\"";
          if (!err && !IsSubjectName(body.subject))
            err = "\"subject\" must be 1 to 128 of A-Z a-z 0-9 : . _ @ / + -";
        }
        if constexpr (std::is_same_v<E, EventTypeDeclared>) {
          if (!err) err = CheckDeclaration(body);
        }
        if constexpr (std::is_same_v<E, DeclaredEvent>) {
          if (!err) err = CheckDeclaredEvent(body);
          if (!err && ev.shape)
            err =
                "an event of your own has no \"shape\": its declaration's version is its "
                "shape";
        }
      },
      ev.body);
  return err;
}

Event UpcastChecked(const UpcasterSet& upcasters, Event ev, uint64_t seq) {
  const std::string type(ev.type());
  Event up = upcasters.Upcast(std::move(ev), seq);
  if (auto broken = CheckFields(up)) {
    throw UpcastError("the upcasters of " + type + " made the record at seq " +
                      std::to_string(seq) + " malformed: " + *broken);
  }
  return up;
}

}  // namespace annal::internal
