// The toy log's record (toy_writer.cc): record n at n * kToyRecordBytes.
#pragma once

#include <cstddef>
#include <string>

namespace annal::crashsim {

inline constexpr size_t kToyRecordBytes = 1000;  // records straddle 4 KiB blocks

inline std::string ToyRecord(size_t n) {
  std::string r = "record " + std::to_string(n) + " ";
  while (r.size() < kToyRecordBytes) r += static_cast<char>('a' + (r.size() + n) % 26);
  return r;
}

}  // namespace annal::crashsim
