// Builds events of every type from fuzzer bytes: ids come mostly from a small
// pool, so that sequences of events meet the same entities and reach the
// stateful rules; texts, numbers and enum values are sometimes hostile
// (invalid UTF-8, NUL bytes, over-long, out of range).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "annal/events.h"
#include "tests/fuzz/fuzz_input.h"

namespace annal::fuzz {

inline std::string FuzzId(FuzzInput& in) {
  static constexpr std::string_view kPool[] = {"a", "b", "c", "\xc3\xa9t\xc3\xa9"};
  uint8_t pick = in.Byte();
  if (pick < 248) return std::string(kPool[pick % 4]);
  if (pick == 255) return std::string(257, 'i');  // one byte over the id limit
  return in.Bytes(300);
}

inline std::string FuzzText(FuzzInput& in) {
  static constexpr std::string_view kPool[] = {"", "x", "nightly \"backup\"\n",
                                               "\xe2\x82\xac"};
  uint8_t pick = in.Byte();
  if (pick < 192) return std::string(kPool[pick % 4]);
  if (pick == 255)
    return std::string(64 * 1024 + 1, 't');  // one byte over the text limit
  return in.Bytes(80);
}

inline int64_t FuzzNumber(FuzzInput& in) {
  uint8_t pick = in.Byte();
  if (pick < 224) return static_cast<int64_t>(pick % 12) - 2;  // around the ranges' edges
  return static_cast<int64_t>(in.U64());
}

struct FieldFiller {
  FuzzInput& in;
  void operator()(std::string_view name, std::string& v) {
    v = name.ends_with("_id") ? FuzzId(in) : FuzzText(in);
  }
  void operator()(std::string_view name, OptString& v) {
    if (in.Bool()) v = FuzzText(in);
  }
  void operator()(std::string_view, int64_t& v) { v = FuzzNumber(in); }
  void operator()(std::string_view name, OptTime& v) {
    if (in.Bool()) v = FuzzNumber(in);
  }
  void operator()(std::string_view, bool& v) { v = in.Bool(); }
  template <class E>
  requires std::is_enum_v<E>
  void operator()(std::string_view, E& v) {
    // One value past the last name, to reach the out-of-range rule.
    v = static_cast<E>(in.Below(EnumNames<E>::kNames.size() + 1));
  }
};

template <size_t... I>
EventBody BodyAt(size_t index, std::index_sequence<I...>) {
  EventBody body;
  ((index == I ? (body.emplace<I>(), 0) : 0), ...);
  return body;
}

// An event of your own: a type and fields from small pools (so that a
// declaration made earlier in the input meets its events), values of every
// kind, sometimes out of order, twice, or null.
inline DeclaredEvent DeclaredFromBytes(FuzzInput& in) {
  static constexpr std::string_view kTypes[] = {"ev.a", "ev.b", "task_created", "Ev"};
  static constexpr std::string_view kNames[] = {"a", "b", "c_id", "ts"};
  DeclaredEvent e{std::string(kTypes[in.Below(4)]), {}};
  const size_t n = in.Below(4);
  for (size_t i = 0; i < n; ++i) {
    std::string name(kNames[in.Below(4)]);
    switch (in.Below(5)) {
      case 0:
        e.fields.emplace_back(name, FuzzNumber(in));
        break;
      case 1:
        e.fields.emplace_back(name, name.ends_with("_id") ? FuzzId(in) : FuzzText(in));
        break;
      case 2:
        e.fields.emplace_back(name, in.Bool());
        break;
      case 3:
        e.fields.emplace_back(name, static_cast<double>(FuzzNumber(in)) / 4);
        break;
      default:
        e.fields.emplace_back(name, std::monostate{});
    }
  }
  if (in.Bool()) {
    std::sort(e.fields.begin(), e.fields.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
  }
  if (in.Byte() > 240) e.version = FuzzNumber(in);
  return e;
}

inline Event EventFromBytes(FuzzInput& in) {
  constexpr size_t kTypes = std::variant_size_v<EventBody>;
  Event ev;
  ev.body = BodyAt(in.Below(kTypes), std::make_index_sequence<kTypes>());
  std::visit([&](auto& body) { body.Fields(body, FieldFiller{in}); }, ev.body);
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) *d = DeclaredFromBytes(in);
  if (auto* d = std::get_if<EventTypeDeclared>(&ev.body); d && in.Byte() < 224) {
    // Mostly a declaration of the pool's types, valid or an extension's
    // near miss; else the filler's hostile texts stand.
    static constexpr std::string_view kLists[] = {"a:int",
                                                  "a:int,b:str?",
                                                  "a:int,b:str?,c_id:str?",
                                                  "a:float,c_id:str",
                                                  "b:bool",
                                                  "a:int,b:str",
                                                  ""};
    d->name = in.Bool() ? "ev.a" : "ev.b";
    d->version = static_cast<int64_t>(in.Below(3)) + 1;
    d->fields = std::string(kLists[in.Below(7)]);
  }
  if (in.Bool()) ev.ts = FuzzNumber(in);
  if (in.Bool()) ev.actor = FuzzText(in);
  return ev;
}

}  // namespace annal::fuzz
