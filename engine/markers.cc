// Replication's markers: small files in the store directory (`shipped`,
// `stream_end`), each holding a seq as 8 bytes little-endian. Files of their
// own rather than meta records: the shipper records every acknowledgement
// with one pwrite, never a write transaction that would contend with appends
// and cost an fsync. They need not survive a crash: the shipper and the
// replica re-read the stream's end when they start. And what is read from
// them (StandingAt), and SyncVisible, with which the shipper makes what it
// is about to publish durable first.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "annal/replication.h"
#include "engine/engine_impl.h"
#include "engine/store_watch.h"

namespace annal {

using namespace internal;

namespace {

std::string MarkerPath(const std::string& dir, StoreReplication::Marker m) {
  return dir + (m == StoreReplication::Marker::kShipped ? "/shipped" : "/stream_end");
}

// The marker's value; 0 when the file is missing or short.
uint64_t ReadMarkerFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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

Engine::Impl::MarkerFile::~MarkerFile() {
  MutexLock lock(mutex);
  if (fd >= 0) ::close(fd);
}

Status StoreReplication::RecordMarker(Marker marker, uint64_t seq) {
  Engine::Impl& s = *engine_.impl_;
  Engine::Impl::MarkerFile& f = s.markers[static_cast<size_t>(marker)];
  const std::string path = MarkerPath(s.dir, marker);
  MutexLock lock(f.mutex);
  if (f.fd < 0) {
    f.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, s.options.file_mode & 0666);
    if (f.fd < 0) return Status::IOError("cannot open " + path + ": " + strerror(errno));
    f.written = ReadMarkerFile(path);
  }
  if (seq <= f.written) return Status::Ok();
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(seq >> (8 * i));
  if (::pwrite(f.fd, bytes, 8, 0) != 8)
    return Status::IOError("cannot write " + path + ": " + strerror(errno));
  f.written = seq;
  return Status::Ok();
}

Result<uint64_t> StoreReplication::ReadMarker(Marker marker) const {
  return ReadMarkerFile(MarkerPath(engine_.impl_->dir, marker));
}

Status Engine::Impl::WaitShipped(uint64_t seq) const {
  const std::string path = MarkerPath(dir, StoreReplication::Marker::kShipped);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.wait_for_ship_ms);
  for (;;) {
    const uint64_t epoch = ship_watch.Epoch();  // before reading: no change is missed
    const uint64_t shipped = ReadMarkerFile(path);
    if (shipped >= seq) return Status::Ok();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::Busy("committed through seq " + std::to_string(seq) +
                          ", not yet acknowledged by the stream (it holds seq " +
                          std::to_string(shipped) + " after " +
                          std::to_string(options.wait_for_ship_ms) +
                          " ms): is `annal ship` running?");
    }
    ship_watch.WaitPast(epoch, static_cast<int>(std::min<int64_t>(left.count(), 50)));
  }
}

Result<StoreReplication::Standing> StoreReplication::StandingAt(
    const Snapshot& snap) const {
  auto head = snap.LastSeq();
  if (!head.ok()) return head.status();
  auto mode = snap.StoreMode();
  if (!mode.ok()) return mode.status();
  const std::string& dir = engine_.impl_->dir;
  Standing r;
  if (const uint64_t shipped = ReadMarkerFile(MarkerPath(dir, Marker::kShipped));
      shipped > 0) {
    r.shipped_seq = shipped;
    r.ship_lag_events = *head > shipped ? *head - shipped : 0;
  }
  if (*mode == "replica") {
    const uint64_t end = ReadMarkerFile(MarkerPath(dir, Marker::kStreamEnd));
    r.stream_end_seq = end;
    r.replica_lag_events = end > *head ? end - *head : 0;
  }
  return r;
}

Status StoreReplication::SyncVisible() const {
  const Engine::Impl& s = *engine_.impl_;
  mdb_filehandle_t fd;
  if (int rc = mdb_env_get_fd(s.env.handle(), &fd); rc != MDB_SUCCESS)
    return Status::IOError(std::string("mdb_env_get_fd: ") + mdb_strerror(rc));
  // The read-only descriptor of a read-only Engine serves as well: what
  // fdatasync flushes is the file's, not the descriptor's. A commit is
  // durable once its journal frame is (engine/durability.cc); the journal
  // is opened afresh each time, since a writer may make it after this
  // engine opened.
  if (::fdatasync(fd) != 0)
    return Status::IOError("cannot sync " + s.dir + "/data.mdb: " + strerror(errno));
  const std::string journal = s.dir + "/journal";
  const int jfd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC);
  if (jfd < 0 && errno == ENOENT) return Status::Ok();
  const bool synced = jfd >= 0 && ::fdatasync(jfd) == 0;
  const int err = errno;
  if (jfd >= 0) ::close(jfd);
  if (!synced) return Status::IOError("cannot sync " + journal + ": " + strerror(err));
  return Status::Ok();
}

}  // namespace annal
