// Reads JSONL input one line at a time with a bound on the line's length, so
// a hostile file (gigabytes without a newline) costs a bounded amount of
// memory and an error rather than all of it. Lines may hold any bytes, NUL
// included (the decoder refuses them with a message). Not thread-safe.
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

namespace annal::cli {

// The longest line import accepts: the largest valid event (five text fields
// at the 64 KiB limit, each byte escaped as \u00XX) is about 2 MiB of JSON.
inline constexpr size_t kMaxLineBytes = size_t{4} << 20;

enum class LineRead { kLine, kEnd, kTooLong, kError };

class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line, without its '\n', in `line`.
  LineRead Next(std::string& line) {
    line.clear();
    for (;;) {
      if (pos_ == end_) {
        pos_ = 0;
        end_ = std::fread(buf_, 1, sizeof buf_, in_);
        if (end_ == 0) {
          if (std::ferror(in_)) return LineRead::kError;
          return line.empty() ? LineRead::kEnd : LineRead::kLine;
        }
      }
      const void* nl = std::memchr(buf_ + pos_, '\n', end_ - pos_);
      const size_t stop =
          nl ? static_cast<size_t>(static_cast<const char*>(nl) - buf_) : end_;
      if (line.size() + (stop - pos_) > kMaxLineBytes) return LineRead::kTooLong;
      line.append(buf_ + pos_, stop - pos_);
      pos_ = stop;
      if (nl) {
        ++pos_;
        return LineRead::kLine;
      }
    }
  }

 private:
  std::FILE* in_;
  char buf_[64 * 1024];
  size_t pos_ = 0, end_ = 0;
};

}  // namespace annal::cli
