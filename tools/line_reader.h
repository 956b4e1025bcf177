// Reads JSONL input one line at a time with a bound on the line's length, so
// a hostile file (gigabytes without a newline) costs a bounded amount of
// memory and an error rather than all of it. Lines may hold any bytes, NUL
// included (the decoder refuses them with a message). Not thread-safe.
#pragma once

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace annal::cli {

// The longest line import accepts: the largest valid event (five text fields
// at the 64 KiB limit, each byte escaped as \u00XX) is about 2 MiB of JSON.
inline constexpr size_t kMaxLineBytes = size_t{4} << 20;

// kIdle: no byte arrived within Next's idle wait (the partial line is kept).
enum class LineRead { kLine, kEnd, kTooLong, kError, kIdle };

class LineReader {
 public:
  // Reads the descriptor of `in` directly: stdio's fread waits for a whole
  // buffer, which on a live pipe (`tail -F log | annal import -`) can be never.
  explicit LineReader(std::FILE* in) : fd_(::fileno(in)) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line, without its '\n', in `line`. With `idle_ms` >= 0, returns
  // kIdle once the input has been silent that long.
  LineRead Next(std::string& line, int idle_ms = -1) {
    for (;;) {
      if (pos_ == end_) {
        if (idle_ms >= 0) {
          pollfd p{fd_, POLLIN, 0};
          int r;
          do r = ::poll(&p, 1, idle_ms);
          while (r < 0 && errno == EINTR);
          if (r == 0) return LineRead::kIdle;
        }
        ssize_t n;
        do n = ::read(fd_, buf_, sizeof buf_);
        while (n < 0 && errno == EINTR);
        if (n < 0) return LineRead::kError;
        if (n == 0) {
          if (partial_.empty()) return LineRead::kEnd;
          return Take(line);
        }
        pos_ = 0;
        end_ = static_cast<size_t>(n);
      }
      const void* nl = std::memchr(buf_ + pos_, '\n', end_ - pos_);
      const size_t stop =
          nl ? static_cast<size_t>(static_cast<const char*>(nl) - buf_) : end_;
      if (partial_.size() + (stop - pos_) > kMaxLineBytes) return LineRead::kTooLong;
      partial_.append(buf_ + pos_, stop - pos_);
      pos_ = stop;
      if (nl) {
        ++pos_;
        return Take(line);
      }
    }
  }

  // Whether the input is a pipe, a terminal or a socket (not a file).
  bool IsLive() const {
    struct stat st;
    return ::fstat(fd_, &st) == 0 && !S_ISREG(st.st_mode);
  }

 private:
  LineRead Take(std::string& line) {
    line.swap(partial_);
    partial_.clear();
    return LineRead::kLine;
  }

  const int fd_;
  std::string partial_;
  char buf_[64 * 1024];
  size_t pos_ = 0, end_ = 0;
};

}  // namespace annal::cli
