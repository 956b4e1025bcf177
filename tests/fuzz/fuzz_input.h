// Reads a fuzzer's bytes as a stream of typed choices. Running out of bytes
// yields zeros, so every input decodes to something and short inputs mean
// simple choices, which is what lets libFuzzer grow inputs step by step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace annal::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool Bool() { return Byte() & 1; }
  // A value in [0, n); n must be at most 256.
  size_t Below(size_t n) { return Byte() % n; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{Byte()} << (8 * i);
    return v;
  }
  // Up to `max` raw bytes, the length read first (two bytes).
  std::string Bytes(size_t max) {
    size_t n = (size_t{Byte()} | size_t{Byte()} << 8) % (max + 1);
    std::string s;
    while (s.size() < n && !empty()) s.push_back(static_cast<char>(Byte()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace annal::fuzz
