#include "python/src/event_from_dict.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/printable.h"

namespace annal::binding {
namespace {

Status Bad(std::string msg) { return Status::InvalidInput(std::move(msg)); }

// The interned key object of a field name (a string literal of Fields()):
// a dict lookup by it hashes nothing and allocates nothing, where
// PyDict_GetItemString builds a new str per lookup.
PyObject* Key(const char* name) {
  thread_local std::unordered_map<const char*, PyObject*> keys;
  auto [it, added] = keys.try_emplace(name, nullptr);
  if (added) it->second = PyUnicode_InternFromString(name);  // kept for good
  return it->second;
}

// A name from the input, quoted; its control characters escaped.
std::string Quoted(std::string_view name) {
  return "field \"" + common::Printable(name, false) + "\"";
}

Status ReadString(std::string_view name, PyObject* v, std::string* out) {
  if (!PyUnicode_Check(v)) return Bad(Quoted(name) + " must be a string");
  Py_ssize_t size = 0;
  const char* s = PyUnicode_AsUTF8AndSize(v, &size);
  if (!s) {  // a lone surrogate: no UTF-8 spelling
    PyErr_Clear();
    return Bad(Quoted(name) + " is not valid UTF-8");
  }
  out->assign(s, static_cast<size_t>(size));
  return Status::Ok();
}

Status ReadInt(std::string_view name, PyObject* v, int64_t* out) {
  if (!PyLong_Check(v) || PyBool_Check(v))
    return Bad(Quoted(name) + " must be an integer");
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
  if (overflow) return Bad(Quoted(name) + " is out of range");
  *out = x;
  return Status::Ok();
}

template <class E>
Status ReadEnum(std::string_view name, PyObject* v, E* out) {
  const auto& names = EnumNames<E>::kNames;
  std::string s;
  if (ReadString(name, v, &s).ok()) {
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

// `v` is borrowed, null when the key is absent; None counts as absent.
template <class V>
Status ReadValue(std::string_view name, PyObject* v, V* out) {
  const bool absent = !v || v == Py_None;
  if constexpr (std::is_same_v<V, OptString> || std::is_same_v<V, OptTime>) {
    if (absent) return Status::Ok();
    typename V::value_type x{};
    Status st;
    if constexpr (std::is_same_v<V, OptString>) {
      st = ReadString(name, v, &x);
    } else {
      st = ReadInt(name, v, &x);
    }
    if (st.ok()) *out = std::move(x);
    return st;
  } else if constexpr (std::is_same_v<V, bool>) {
    if (absent) return Status::Ok();  // keeps the struct's default
    if (!PyBool_Check(v)) return Bad(Quoted(name) + " must be true or false");
    *out = v == Py_True;
    return Status::Ok();
  } else {
    if (absent) return Bad("missing required " + Quoted(name));
    if constexpr (std::is_same_v<V, std::string>) {
      return ReadString(name, v, out);
    } else if constexpr (std::is_same_v<V, int64_t>) {
      return ReadInt(name, v, out);
    } else {
      return ReadEnum(name, v, out);
    }
  }
}

// The first key of `dict` that is not one of the event's: its message.
Status UnknownKey(PyObject* dict, const Event& ev, std::string_view type) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    std::string name;
    bool known = false;
    if (ReadString("", key, &name).ok()) {
      known = name == "type" || name == "ts" || name == "actor" || name == "seq" ||
              name == "subject";
      std::visit(
          [&](const auto& body) {
            using E = std::decay_t<decltype(body)>;
            E::Fields(body, [&](std::string_view f, const auto&) { known |= f == name; });
          },
          ev.body);
    } else {
      PyObject* repr = PyObject_Repr(key);
      if (repr && !ReadString("", repr, &name).ok()) name = "?";
      Py_XDECREF(repr);
      PyErr_Clear();
    }
    if (!known) return Bad("unknown " + Quoted(name) + " for " + std::string(type));
  }
  return Bad("unknown field for " + std::string(type));  // not reached
}

// The fields of a declared event's dict: every key but the envelope's, None
// as absent, in name order; their declaration is the validator's to check.
Result<std::vector<std::pair<std::string, Value>>> DeclaredFields(PyObject* dict) {
  std::vector<std::pair<std::string, Value>> out;
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    std::string name;
    if (!ReadString("", key, &name).ok()) return Bad("a field's name must be a string");
    if (name == "type" || name == "ts" || name == "actor" || name == "seq" ||
        name == "subject")
      continue;
    if (value == Py_None) continue;
    if (PyBool_Check(value)) {
      out.emplace_back(name, value == Py_True);
    } else if (PyLong_Check(value)) {
      int64_t i = 0;
      if (Status st = ReadInt(name, value, &i); !st.ok()) return st;
      out.emplace_back(name, i);
    } else if (PyFloat_Check(value)) {
      out.emplace_back(name, PyFloat_AsDouble(value));
    } else if (PyUnicode_Check(value)) {
      std::string s;
      if (Status st = ReadString(name, value, &s); !st.ok()) return st;
      out.emplace_back(name, std::move(s));
    } else {
      return Bad(Quoted(name) + " must be an int, a str, a bool or a float");
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

Result<Event> EventFromDict(PyObject* dict) {
  if (!PyDict_Check(dict)) return Bad("an event must be a dict");
  Py_ssize_t used = 0;
  auto find = [&](const char* name) -> PyObject* {
    PyObject* key = Key(name);
    PyObject* v = key ? PyDict_GetItemWithError(dict, key) : nullptr;  // borrowed
    if (!v) PyErr_Clear();
    used += v != nullptr;
    return v;
  };
  Event ev;
  std::string type;
  if (Status st = ReadValue("type", find("type"), &type); !st.ok()) return st;
  const bool declared = !EmplaceBody(type, ev.body);
  if (Status st = ReadValue("ts", find("ts"), &ev.ts); !st.ok()) return st;
  if (Status st = ReadValue("actor", find("actor"), &ev.actor); !st.ok()) return st;
  if (!std::holds_alternative<SubjectForgotten>(ev.body)) {  // (its own field)
    if (Status st = ReadValue("subject", find("subject"), &ev.subject); !st.ok())
      return st;
  }
  find("seq");  // output only: assigned by the engine, ignored here
  if (declared) {
    // An event of your own (or no event at all: Append says which).
    auto fields = DeclaredFields(dict);
    if (!fields.ok()) return fields.status();
    ev.body = DeclaredEvent{std::move(type), std::move(*fields)};
    return ev;
  }
  Status status;
  std::visit(
      [&](auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, auto& v) {
          if (status.ok()) status = ReadValue(name, find(name.data()), &v);
        });
      },
      ev.body);
  if (!status.ok()) return status;
  if (used != PyDict_Size(dict)) return UnknownKey(dict, ev, type);
  return ev;
}

}  // namespace annal::binding
