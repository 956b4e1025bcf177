// The crash simulator's recorder: an LD_PRELOAD library that records every
// write, truncation and sync a process makes to the files of one directory
// (tests/crashsim/README.md says why an interposer rather than FUSE).
//
//   ANNAL_CRASHREC_DIR=/path/to/store ANNAL_CRASHREC_OUT=run.rec
//     LD_PRELOAD=libannal_crashrec.so program ...
//
// Each call (the above, and unlink, a rename to nothing) goes through to
// the C library unchanged; what it did is then
// appended to the recording (recording.h), under one lock, so the order of
// the recording is an order the kernel saw; a sync is recorded both when it
// is called and when it returned, so that a write another thread or process
// made while it ran is not taken as covered by it. The program notes
// moments of its own (an append acknowledged) through annal_crashrec_note,
// which it finds with dlsym; a JetStream publish through nats.c is noted
// ("published SEQ") before it is sent (recorder_nats.cc). Descriptors are
// told apart by the file they name (/proc/self/fd), so data.mdb opened
// twice by LMDB is one file.
//
// Several processes may record into one OUT (a writer and `annal ship`):
// it is opened for appending, never truncated (start with none), and each
// operation is one write(2) to it.
//
// A wrong store, for the simulator's own test: ANNAL_CRASHREC_SKIP_SYNC=NAME
// makes every fsync and fdatasync of the file NAME (say "journal") return
// success without syncing, and records none.
//
// Faults: ANNAL_CRASHREC_FAIL=KIND:N:ERRNO makes the Nth (from 1) call of
// KIND on the directory's files fail with ERRNO (EIO or ENOSPC) without
// doing anything; KIND is "write" (any write call) or "sync" (fsync and
// fdatasync). The failure is recorded as a note ("fault write 3 EIO").
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>

#include "tests/crashsim/recording.h"

using annal::crashsim::OpHeader;
using annal::crashsim::OpKind;

namespace {

template <class F>
F Real(const char* name) {
  static_assert(sizeof(F) == sizeof(void*));
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) abort();  // the C library lacks it: nothing sensible to do
  return reinterpret_cast<F>(f);
}

// Keeps errno as the C library's call left it: the recorder's own calls
// (stat, readlink, its write) must not change what the program sees.
struct ErrnoKept {
  int saved = errno;
  ~ErrnoKept() { errno = saved; }
};

struct Watched {
  uint32_t file;
  bool durable;    // opened O_DSYNC or O_SYNC
  bool skip_sync;  // ANNAL_CRASHREC_SKIP_SYNC names it
};

class Recorder {
 public:
  Recorder() {
    const char* dir = getenv("ANNAL_CRASHREC_DIR");
    const char* out = getenv("ANNAL_CRASHREC_OUT");
    if (!dir || !out) return;
    char real[PATH_MAX];
    // The directory may not exist yet: watch the path as given then.
    prefix_ = std::string(realpath(dir, real) ? real : dir) + "/";
    out_ = Real<int (*)(const char*, int, ...)>("open")(
        out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    next_id_ = static_cast<uint32_t>(getpid()) << annal::crashsim::kProcessShift;
    if (const char* skip = getenv("ANNAL_CRASHREC_SKIP_SYNC")) skip_sync_ = skip;
    if (const char* fail = getenv("ANNAL_CRASHREC_FAIL")) {
      char kind[16] = {0}, err[16] = {0};
      if (sscanf(fail, "%15[a-z]:%lu:%15[A-Z]", kind, &fail_at_, err) == 3) {
        fail_kind_ = kind;
        fail_errno_ = strcmp(err, "ENOSPC") == 0 ? ENOSPC : EIO;
      }
    }
  }

  // Whether this call of `kind` ("write", "sync") on `fd` is the one to
  // fail; if so errno is set and the fault noted.
  bool Fails(int fd, const char* kind) {
    std::lock_guard lock(mu_);
    if (fail_kind_ != kind || fds_.count(fd) == 0) return false;
    if (++calls_ != fail_at_) return false;
    const std::string note = "fault " + fail_kind_ + " " + std::to_string(fail_at_) +
                             " " + (fail_errno_ == ENOSPC ? "ENOSPC" : "EIO");
    Emit(OpKind::kNote, 0, 0, note.data(), note.size());
    errno = fail_errno_;
    return true;
  }

  // After a successful open of `fd`; `existed`: the path was there before.
  void Opened(int fd, int flags, bool existed) {
    ErrnoKept kept;
    if (out_ < 0 || fd < 0) return;
    const std::string name = NameOf(PathOf(fd));
    if (name.empty()) return;
    struct stat st;
    if (fstat(fd, &st) != 0 ||
        (S_ISDIR(st.st_mode) && name != annal::crashsim::kDirectory))
      return;  // a directory below: its entries are not modelled
    std::lock_guard lock(mu_);
    const uint32_t id = IdOf(name);
    if (!existed) Emit(OpKind::kCreate, id, 0, nullptr, 0);
    fds_[fd] = {id, (flags & (O_DSYNC | O_SYNC)) != 0,
                !skip_sync_.empty() && name == skip_sync_};
  }
  // After a successful rename of the paths `from` (no longer there) and `to`.
  void Renamed(const std::string& from, const std::string& to) {
    ErrnoKept kept;
    if (out_ < 0) return;
    const std::string old_name = NameOf(from), new_name = NameOf(to);
    if (old_name.empty() || new_name.empty()) return;  // across the border: not modelled
    std::lock_guard lock(mu_);
    const uint32_t id = IdOf(old_name);
    Emit(OpKind::kRename, id, 0, new_name.data(), new_name.size());
    ids_.erase(old_name);
    ids_[new_name] = id;  // the next open of the new name is the same file
  }
  // After a successful unlink of `path`: a rename to nothing.
  void Removed(const std::string& path) {
    ErrnoKept kept;
    if (out_ < 0) return;
    const std::string name = NameOf(path);
    if (name.empty()) return;
    std::lock_guard lock(mu_);
    const uint32_t id = IdOf(name);
    Emit(OpKind::kRename, id, 0, nullptr, 0);
    ids_.erase(name);  // a file made under the name next is another
  }
  // `path` absolute, its directory resolved; for a path that may be gone.
  static std::string Resolved(int dirfd, const char* path) {
    std::string p = path;
    if (p.empty() || p[0] != '/') {
      const std::string base = dirfd == AT_FDCWD ? CurrentDir() : PathOf(dirfd);
      p = base + "/" + p;
    }
    const size_t slash = p.rfind('/');
    char real[PATH_MAX];
    const std::string parent = slash == 0 ? "/" : p.substr(0, slash);
    if (!realpath(parent.c_str(), real)) return p;
    return std::string(real) + (slash == 0 ? "" : "/") + p.substr(slash + 1);
  }
  void Closed(int fd) {
    ErrnoKept kept;
    std::lock_guard lock(mu_);
    fds_.erase(fd);
  }
  void Wrote(int fd, uint64_t offset, const void* data, ssize_t n) {
    ErrnoKept kept;
    if (n <= 0) return;
    std::lock_guard lock(mu_);
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    Emit(it->second.durable ? OpKind::kDurableWrite : OpKind::kWrite, it->second.file,
         offset, data, static_cast<size_t>(n));
  }
  void Wrote(int fd, uint64_t offset, const iovec* iov, int count, ssize_t n) {
    for (int i = 0; i < count && n > 0; ++i) {
      const ssize_t part = std::min<ssize_t>(n, static_cast<ssize_t>(iov[i].iov_len));
      Wrote(fd, offset, iov[i].iov_base, part);
      offset += static_cast<uint64_t>(part);
      n -= part;
    }
  }
  void Truncated(int fd, uint64_t size) { Simple(fd, OpKind::kTruncate, size); }
  void SyncBegins(int fd) { Simple(fd, OpKind::kSyncBegin, 0); }
  void Synced(int fd) { Simple(fd, OpKind::kSync, 0); }
  void Note(const char* text) {
    ErrnoKept kept;
    if (out_ < 0) return;
    std::string s(text);
    std::lock_guard lock(mu_);
    Emit(OpKind::kNote, 0, 0, s.data(), s.size());
  }
  // Whether a sync of `fd` is to be skipped (and not recorded): the test
  // double of a store that acknowledges before its sync.
  bool SkipsSync(int fd) {
    ErrnoKept kept;
    std::lock_guard lock(mu_);
    auto it = fds_.find(fd);
    return it != fds_.end() && it->second.skip_sync;
  }
  bool Watching(int fd) {
    std::lock_guard lock(mu_);
    return fds_.count(fd) != 0;
  }

 private:
  static std::string CurrentDir() {
    char buf[PATH_MAX];
    return getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
  }
  // The name of `path` inside the watched directory; "" outside it.
  std::string NameOf(const std::string& path) const {
    if (path + "/" == prefix_) return annal::crashsim::kDirectory;
    if (path.compare(0, prefix_.size(), prefix_) != 0) return "";
    return path.substr(prefix_.size());
  }
  uint32_t IdOf(const std::string& name) {  // under mu_
    auto [it, added] = ids_.try_emplace(name, next_id_);
    if (added) {
      ++next_id_;
      Emit(OpKind::kFile, it->second, 0, name.data(), name.size());
    }
    return it->second;
  }
  static std::string PathOf(int fd) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
  }
  void Simple(int fd, OpKind kind, uint64_t offset) {
    ErrnoKept kept;
    std::lock_guard lock(mu_);
    auto it = fds_.find(fd);
    if (it != fds_.end()) Emit(kind, it->second.file, offset, nullptr, 0);
  }
  // Written straight through, in one write(2) (O_APPEND: whole among other
  // processes' operations): the recording must hold every operation even
  // when the program is killed right after.
  void Emit(OpKind kind, uint32_t file, uint64_t offset, const void* data, size_t size) {
    static auto write_all = Real<ssize_t (*)(int, const void*, size_t)>("write");
    std::string buf(sizeof(OpHeader) + size, '\0');
    OpHeader h{static_cast<uint8_t>(kind), file, offset, size};
    memcpy(buf.data(), &h, sizeof h);
    if (size) memcpy(buf.data() + sizeof h, data, size);
    for (size_t done = 0; done < buf.size();) {
      const ssize_t n = write_all(out_, buf.data() + done, buf.size() - done);
      if (n <= 0) abort();  // a recording with a hole would prove nothing
      done += static_cast<size_t>(n);
    }
  }

  std::mutex mu_;
  std::string prefix_;
  int out_ = -1;
  std::map<std::string, uint32_t> ids_;  // by current name
  uint32_t next_id_ = 0;
  std::map<int, Watched> fds_;
  std::string skip_sync_;  // "": none
  std::string fail_kind_;  // "": no fault
  unsigned long fail_at_ = 0, calls_ = 0;
  int fail_errno_ = EIO;
};

Recorder& TheRecorder() {
  ErrnoKept kept;  // the first call builds it
  static Recorder recorder;
  return recorder;
}

bool Exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0;
}

int Open(const char* name, const char* path, int flags, mode_t mode) {
  const bool existed = Exists(path);
  const int fd = Real<int (*)(const char*, int, ...)>(name)(path, flags, mode);
  TheRecorder().Opened(fd, flags, existed);
  return fd;
}

int OpenAt(const char* name, int dirfd, const char* path, int flags, mode_t mode) {
  struct stat st;
  const bool existed = fstatat(dirfd, path, &st, 0) == 0;
  const int fd =
      Real<int (*)(int, const char*, int, ...)>(name)(dirfd, path, flags, mode);
  TheRecorder().Opened(fd, flags, existed);
  return fd;
}

mode_t ModeOf(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

// The C library's functions, each looked up once (by its entry point below).
using WriteAtFn = ssize_t (*)(int, const void*, size_t, off_t);
using TruncateFn = int (*)(int, off_t);
using AllocateFn = int (*)(int, off_t, off_t);
using SyncFn = int (*)(int);

// The bodies of the entry points below, around the C library's `real`.
ssize_t WriteAt(WriteAtFn real, int fd, const void* buf, size_t n, off_t offset) {
  if (TheRecorder().Fails(fd, "write")) return -1;
  const ssize_t r = real(fd, buf, n, offset);
  TheRecorder().Wrote(fd, static_cast<uint64_t>(offset), buf, r);
  return r;
}
// write and writev: at the descriptor's offset.
template <class Buffer, class Count>
ssize_t WriteHere(ssize_t (*real)(int, Buffer, Count), int fd, Buffer buf, Count n) {
  if (TheRecorder().Fails(fd, "write")) return -1;
  const bool watched = TheRecorder().Watching(fd);
  const off_t at = watched ? lseek(fd, 0, SEEK_CUR) : 0;
  const ssize_t r = real(fd, buf, n);
  if (!watched) return r;
  if constexpr (std::is_same_v<Buffer, const iovec*>) {
    TheRecorder().Wrote(fd, static_cast<uint64_t>(at), buf, n, r);
  } else {
    TheRecorder().Wrote(fd, static_cast<uint64_t>(at), buf, r);
  }
  return r;
}
int TruncateTo(TruncateFn real, int fd, off_t size) {
  const int r = real(fd, size);
  if (r == 0) TheRecorder().Truncated(fd, static_cast<uint64_t>(size));
  return r;
}
// Extending a file with posix_fallocate: recorded as the size it gives
// (zeros), durable like any other size change, at the next sync.
int Allocate(AllocateFn real, int fd, off_t offset, off_t len) {
  const int r = real(fd, offset, len);
  struct stat st;
  if (r == 0 && fstat(fd, &st) == 0)
    TheRecorder().Truncated(fd, static_cast<uint64_t>(st.st_size));
  return r;
}
int Sync(SyncFn real, int fd) {
  if (TheRecorder().Fails(fd, "sync")) return -1;
  if (TheRecorder().SkipsSync(fd)) return 0;
  TheRecorder().SyncBegins(fd);
  const int r = real(fd);
  if (r == 0) TheRecorder().Synced(fd);
  return r;
}

}  // namespace

// The mode argument of an open call, present only when the flags create.
#define ANNAL_OPEN_MODE(flags)           \
  va_list ap;                            \
  va_start(ap, flags);                   \
  const mode_t mode = ModeOf(flags, ap); \
  va_end(ap)

extern "C" {

void annal_crashrec_note(const char* text) { TheRecorder().Note(text); }

int open(const char* path, int flags, ...) {
  ANNAL_OPEN_MODE(flags);
  return Open("open", path, flags, mode);
}
int open64(const char* path, int flags, ...) {
  ANNAL_OPEN_MODE(flags);
  return Open("open64", path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
  ANNAL_OPEN_MODE(flags);
  return OpenAt("openat", dirfd, path, flags, mode);
}
int openat64(int dirfd, const char* path, int flags, ...) {
  ANNAL_OPEN_MODE(flags);
  return OpenAt("openat64", dirfd, path, flags, mode);
}
int close(int fd) {
  static const auto real = Real<int (*)(int)>("close");
  TheRecorder().Closed(fd);
  return real(fd);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  static const auto real = Real<WriteAtFn>("pwrite");
  return WriteAt(real, fd, buf, n, offset);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  static const auto real = Real<WriteAtFn>("pwrite64");
  return WriteAt(real, fd, buf, n, offset);
}
ssize_t pwritev(int fd, const iovec* iov, int count, off_t offset) {
  static const auto real = Real<ssize_t (*)(int, const iovec*, int, off_t)>("pwritev");
  if (TheRecorder().Fails(fd, "write")) return -1;
  const ssize_t r = real(fd, iov, count, offset);
  TheRecorder().Wrote(fd, static_cast<uint64_t>(offset), iov, count, r);
  return r;
}
ssize_t write(int fd, const void* buf, size_t n) {
  static const auto real = Real<ssize_t (*)(int, const void*, size_t)>("write");
  return WriteHere(real, fd, buf, n);
}
ssize_t writev(int fd, const iovec* iov, int count) {
  static const auto real = Real<ssize_t (*)(int, const iovec*, int)>("writev");
  return WriteHere(real, fd, iov, count);
}
int ftruncate(int fd, off_t size) {
  static const auto real = Real<TruncateFn>("ftruncate");
  return TruncateTo(real, fd, size);
}
int ftruncate64(int fd, off_t size) {
  static const auto real = Real<TruncateFn>("ftruncate64");
  return TruncateTo(real, fd, size);
}
int posix_fallocate(int fd, off_t offset, off_t len) {
  static const auto real = Real<AllocateFn>("posix_fallocate");
  return Allocate(real, fd, offset, len);
}
int posix_fallocate64(int fd, off_t offset, off_t len) {
  static const auto real = Real<AllocateFn>("posix_fallocate64");
  return Allocate(real, fd, offset, len);
}
int rename(const char* from, const char* to) {
  const std::string old_path = Recorder::Resolved(AT_FDCWD, from);
  const int r = Real<int (*)(const char*, const char*)>("rename")(from, to);
  if (r == 0) TheRecorder().Renamed(old_path, Recorder::Resolved(AT_FDCWD, to));
  return r;
}
int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  const std::string old_path = Recorder::Resolved(from_dir, from);
  const int r = Real<int (*)(int, const char*, int, const char*)>("renameat")(
      from_dir, from, to_dir, to);
  if (r == 0) TheRecorder().Renamed(old_path, Recorder::Resolved(to_dir, to));
  return r;
}
int renameat2(int from_dir, const char* from, int to_dir, const char* to,
              unsigned flags) {
  const std::string old_path = Recorder::Resolved(from_dir, from);
  const int r = Real<int (*)(int, const char*, int, const char*, unsigned)>("renameat2")(
      from_dir, from, to_dir, to, flags);
  if (r == 0) TheRecorder().Renamed(old_path, Recorder::Resolved(to_dir, to));
  return r;
}
int unlink(const char* path) {
  const std::string gone = Recorder::Resolved(AT_FDCWD, path);
  const int r = Real<int (*)(const char*)>("unlink")(path);
  if (r == 0) TheRecorder().Removed(gone);
  return r;
}
int unlinkat(int dirfd, const char* path, int flags) {
  const std::string gone = Recorder::Resolved(dirfd, path);
  const int r = Real<int (*)(int, const char*, int)>("unlinkat")(dirfd, path, flags);
  if (r == 0 && !(flags & AT_REMOVEDIR)) TheRecorder().Removed(gone);
  return r;
}
int fsync(int fd) {
  static const auto real = Real<SyncFn>("fsync");
  return Sync(real, fd);
}
int fdatasync(int fd) {
  static const auto real = Real<SyncFn>("fdatasync");
  return Sync(real, fd);
}

}  // extern "C"
