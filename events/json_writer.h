// A minimal JSON object writer: the export and query output paths need
// nothing more, and it writes straight into the caller's string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "annal/events.h"

namespace annal::internal {

void AppendJsonString(std::string& out, std::string_view s);
// A field's value (annal/events.h): null, an integer, a string, a bool, or a
// float in its shortest exact form (null when JSON cannot hold it); with
// `float_fraction`, a float always has a fraction or an exponent ("5.0"),
// so that it reads back as a float anywhere.
void AppendJsonValue(std::string& out, const Value& v, bool float_fraction = false);

class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  ~JsonObject() { out_ += '}'; }

  void Field(std::string_view name, std::string_view v) {
    Key(name), AppendJsonString(out_, v);
  }
  void Field(std::string_view name, const std::string& v) {
    Field(name, std::string_view(v));
  }
  void Field(std::string_view name, bool v) { Key(name), out_ += v ? "true" : "false"; }
  void Field(std::string_view name, int64_t v) { Key(name), out_ += std::to_string(v); }
  void Field(std::string_view name, uint64_t v) { Key(name), out_ += std::to_string(v); }
  void Field(std::string_view name, uint32_t v) { Key(name), out_ += std::to_string(v); }
  template <class E>
  requires std::is_enum_v<E>
  void Field(std::string_view name, E v) { Field(name, NameOf(v)); }
  // Absent values print as null.
  template <class T>
  void Field(std::string_view name, const std::optional<T>& v) {
    if (v) {
      Field(name, *v);
    } else {
      Key(name), out_ += "null";
    }
  }
  // Absent values are left out.
  template <class T>
  void FieldIfSet(std::string_view name, const std::optional<T>& v) {
    if (v) Field(name, *v);
  }

 private:
  void Key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendJsonString(out_, name);
    out_ += ':';
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace annal::internal
