// The ship marker: `shipped` in the store directory holds, as 8 bytes
// little-endian, the highest seq the stream acknowledged. A file of its own
// rather than a meta record: the shipper records every acknowledgement with
// one pwrite, never a write transaction that would contend with appends and
// cost an fsync; the marker need not survive a crash (the shipper re-reads
// the stream's end when it starts).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "engine/engine_impl.h"
#include "engine/store_watch.h"

namespace annal {

using namespace internal;

namespace {

std::string ShippedPath(const std::string& dir) { return dir + "/shipped"; }

// The marker's value; 0 when the file is missing or short.
uint64_t ReadShipped(const std::string& dir) {
  const int fd = ::open(ShippedPath(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint8_t bytes[8] = {};
  const ssize_t n = ::pread(fd, bytes, 8, 0);
  ::close(fd);
  uint64_t v = 0;
  if (n == 8) {
    for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
  }
  return v;
}

}  // namespace

Engine::Impl::ShippedFile::~ShippedFile() {
  MutexLock lock(mutex);
  if (fd >= 0) ::close(fd);
}

Status Engine::RecordShipped(uint64_t seq) {
  Impl& s = *impl_;
  MutexLock lock(s.shipped.mutex);
  if (seq <= s.shipped.written && s.shipped.fd >= 0) return Status::Ok();
  if (s.shipped.fd < 0) {
    s.shipped.fd = ::open(ShippedPath(s.dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                          s.options.file_mode & 0666);
    if (s.shipped.fd < 0)
      return Status::IOError("cannot open " + ShippedPath(s.dir) + ": " +
                             strerror(errno));
    s.shipped.written = ReadShipped(s.dir);
    if (seq <= s.shipped.written) return Status::Ok();
  }
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(seq >> (8 * i));
  if (::pwrite(s.shipped.fd, bytes, 8, 0) != 8)
    return Status::IOError("cannot write " + ShippedPath(s.dir) + ": " + strerror(errno));
  s.shipped.written = seq;
  return Status::Ok();
}

Result<uint64_t> Engine::ShippedSeq() const { return ReadShipped(impl_->dir); }

Status Engine::Impl::WaitShipped(uint64_t seq) const {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.wait_for_ship_ms);
  for (;;) {
    StoreWatch watch(ShippedPath(dir));  // before reading: no wake-up is missed
    const uint64_t shipped = ReadShipped(dir);
    if (shipped >= seq) return Status::Ok();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Busy("committed through seq " + std::to_string(seq) +
                          ", but the stream has acknowledged only seq " +
                          std::to_string(shipped) + " after " +
                          std::to_string(options.wait_for_ship_ms) +
                          " ms: is `annal ship` running?");
    }
    watch.Wait(static_cast<int>(std::min<int64_t>(left.count(), 50)));
  }
}

}  // namespace annal
