// An exclusive flock(2) on a lock file in a store's directory, held for the
// life of the object: one verify or rebuild at a time (maintenance.lock), one
// projector per store (projector.lock). The kernel releases it when the
// process dies, so a SIGKILLed holder never leaves the store locked. Not
// shared between threads; movable, not copyable.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>

namespace annal::internal {

class FileLock {
 public:
  // Takes the lock on `path` (created with `mode` if missing) without
  // waiting; nullopt when another process or FileLock holds it.
  static std::optional<FileLock> TryAcquire(const std::string& path, unsigned mode) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                    static_cast<mode_t>(mode & 0777));
    if (fd < 0) return std::nullopt;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return std::nullopt;
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  // The lock file, open for writing: what the holder is doing may be told
  // there (engine/maintenance_marker.h).
  int fd() const { return fd_; }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace annal::internal
