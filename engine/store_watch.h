// StoreWatch: sleeps until a file of the store is modified (inotify), or
// for the timeout. data.mdb is modified by every commit of any process
// (LMDB writes pages with pwrite); `shipped` by every ship acknowledgement.
#pragma once

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <string>

namespace annal::internal {

class StoreWatch {
 public:
  explicit StoreWatch(const std::string& file) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ >= 0 && inotify_add_watch(fd_, file.c_str(), IN_MODIFY) < 0) {
      ::close(fd_);  // no such file yet, or no inotify: a short poll
      fd_ = -1;
    }
  }
  ~StoreWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  StoreWatch(const StoreWatch&) = delete;
  StoreWatch& operator=(const StoreWatch&) = delete;

  void Wait(int timeout_ms) {
    if (fd_ < 0) {
      ::usleep(static_cast<useconds_t>(std::min(timeout_ms, 10)) * 1000);
      return;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) > 0) {
      char buf[4096];
      while (::read(fd_, buf, sizeof buf) > 0) {
      }
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace annal::internal
