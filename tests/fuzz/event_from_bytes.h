// Builds events of every type from fuzzer bytes: ids come mostly from a small
// pool, so that sequences of events meet the same entities and reach the
// stateful rules; texts, numbers and enum values are sometimes hostile
// (invalid UTF-8, NUL bytes, over-long, out of range).
#pragma once

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

inline Event EventFromBytes(FuzzInput& in) {
  constexpr size_t kTypes = std::variant_size_v<EventBody>;
  Event ev;
  ev.body = BodyAt(in.Below(kTypes), std::make_index_sequence<kTypes>());
  std::visit([&](auto& body) { body.Fields(body, FieldFiller{in}); }, ev.body);
  if (in.Bool()) ev.ts = FuzzNumber(in);
  if (in.Bool()) ev.actor = FuzzText(in);
  return ev;
}

}  // namespace annal::fuzz
