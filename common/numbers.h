// The one parser of numbers typed by people: CLI options (tools/) and HTTP
// parameters (server/). Decimal digits only: no sign where none is allowed,
// no space, no base prefix, no fraction; a value out of range is refused
// with the real bounds, never wrapped (`generate -5` was 2^64-5 events).
//
// Header-only, below every layer; thread-safe (pure functions).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace annal::common {

// `digits` (the text after any sign) as decimal digits only, then the whole
// `text` as a T in [min, max], else nullopt.
template <class T>
std::optional<T> ParseChecked(std::string_view text, std::string_view digits, T min,
                              T max) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  T v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
    return std::nullopt;
  return v;
}

// `text` as a decimal integer in [min, max], else nullopt.
inline std::optional<uint64_t> ParseDecimal(std::string_view text, uint64_t min,
                                            uint64_t max) {
  return ParseChecked(text, text, min, max);
}

// The same with an optional leading '-'.
inline std::optional<int64_t> ParseSignedDecimal(std::string_view text, int64_t min,
                                                 int64_t max) {
  return ParseChecked(text, text.substr(!text.empty() && text[0] == '-' ? 1 : 0), min,
                      max);
}

// "WHAT must be an integer from MIN to MAX, not TEXT"
inline std::string RangeMessage(std::string_view what, std::string_view min,
                                std::string_view max, std::string_view text) {
  std::string m(what);
  m += " must be an integer from ";
  m += min;
  m += " to ";
  m += max;
  m += ", not ";
  m += text.size() > 40 ? std::string(text.substr(0, 40)) + "..." : std::string(text);
  return m;
}

}  // namespace annal::common
