// A one-line progress report on stderr, drawn only when stderr is a terminal.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "annal/maintenance.h"

namespace annal::cli {

class ProgressBar {
 public:
  explicit ProgressBar(const char* what) : what_(what), on_(::isatty(2)) {}
  ~ProgressBar() {
    if (drawn_) std::fputs("\n", stderr);
  }
  ProgressFn fn() {
    if (!on_) return {};
    return [this](const ReplayProgress& p) { Draw(p); };
  }

 private:
  void Draw(const ReplayProgress& p) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double rate = secs > 0 ? p.done / secs : 0;
    double left = rate > 0 && p.total > p.done ? (p.total - p.done) / rate : 0;
    std::fprintf(stderr, "\r%s %llu/%llu events  %.0f events/s  %.1f s left   ", what_,
                 static_cast<unsigned long long>(p.done),
                 static_cast<unsigned long long>(p.total), rate, left);
    drawn_ = true;
  }
  const char* what_;
  bool on_, drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace annal::cli
