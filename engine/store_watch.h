// StoreWatch: wakes waiting threads when a file of the store is modified
// (inotify), or after their timeout. data.mdb changes with every commit of
// any process: LMDB writes its pages with pwrite (the map is never written),
// then the engine touches its times once the commit is visible
// (SignalCommitted in store/lmdb.h says why); `shipped` is written by every
// ship acknowledgement.
//
// One per file per Engine, kept for the Engine's life, because closing an
// inotify descriptor waits for an SRCU grace period in the kernel: 10-25 ms
// measured here (strace of bench/replication_bench), which a watch made per
// wait paid on every append with wait_for_ship and on every wake-up of the
// shipper.
//
// Thread-safe: any number of threads may wait at once; one of them polls the
// descriptor, the others sleep on a condition variable until it wakes. The
// usage that misses no change: take Epoch(), then read what you wait for,
// then WaitPast(epoch, ms) if it is not there yet.
#pragma once

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace annal::internal {

class StoreWatch {
 public:
  StoreWatch() = default;
  ~StoreWatch() {
    if (fd_ >= 0) ::close(fd_);
  }
  StoreWatch(const StoreWatch&) = delete;
  StoreWatch& operator=(const StoreWatch&) = delete;

  // Names the file to watch; called once, before the first wait.
  void Watch(std::string file) { file_ = std::move(file); }

  // Changes whenever a wait ends (a modification or a timeout).
  uint64_t Epoch() {
    std::lock_guard lock(mutex_);
    return epoch_;
  }

  // Returns once the epoch has moved past `seen`, or after timeout_ms.
  void WaitPast(uint64_t seen, int timeout_ms) {
    std::unique_lock lock(mutex_);
    if (epoch_ != seen) return;
    if (polling_) {
      changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return epoch_ != seen; });
      return;
    }
    polling_ = true;
    lock.unlock();
    Poll(timeout_ms);
    lock.lock();
    polling_ = false;
    ++epoch_;
    changed_.notify_all();
  }

 private:
  // Only the polling thread gets here (polling_ excludes the others).
  void Poll(int timeout_ms) {
    if (!watching_ && !file_.empty()) {
      if (fd_ < 0) fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      // The file may not exist yet (a marker before its first write): the
      // watch is added by a later wait, and until then waits are short.
      watching_ =
          fd_ >= 0 && inotify_add_watch(fd_, file_.c_str(), IN_MODIFY | IN_ATTRIB) >= 0;
    }
    if (!watching_) {
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

  std::string file_;
  int fd_ = -1;
  bool watching_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t epoch_ = 0;
  bool polling_ = false;
};

}  // namespace annal::internal
