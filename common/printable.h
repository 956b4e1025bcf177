// Bytes from outside, made safe to print in a message: control characters
// (a CR would rewrite the terminal line, a newline fake a second message),
// DEL and the backslash become \xNN; with `ascii_only`, so does every byte
// of 0x80 and above (an HTTP answer's message). Header-only, no state.
#pragma once

#include <string>
#include <string_view>

namespace annal::common {

inline std::string Printable(std::string_view bytes, bool ascii_only) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c < 0x20 || c == 0x7f || c == '\\' || (ascii_only && c > 0x7f)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace annal::common
