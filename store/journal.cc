#include "store/journal.h"

#include <fcntl.h>
#include <lmdb++.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "store/chain.h"
#include "store/lmdb_layout.h"
#include "store/new_data_file.h"

namespace annal::internal {
namespace {

using lmdb_layout::Load;
using lmdb_layout::MetaRecord;

constexpr char kMagic[8] = {'a', 'n', 'n', 'a', 'l', 'j', 'r', 'n'};
constexpr uint32_t kFormat = 1;
constexpr uint32_t kFrameMagic = 0x4A4E5246;  // "FRNJ"
constexpr size_t kFrameHeader = 32;
constexpr uint64_t kGrowStep = 256 << 10;
// A frame's payload at most: far above any group (kMaxGroupEvents events of
// at most a few hundred KiB each would not reach it), below a bogus length.
constexpr uint64_t kMaxPayload = uint64_t{1} << 34;

template <class T>
void Put(std::string& out, size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof v);
}

Hash Checksum(uint64_t seq, std::string_view bytes) {
  return ChainHash(Hash{}, seq, bytes);
}

void Raise(const char* what) { lmdb::error::raise(what, errno); }

void PreadAll(int fd, char* to, size_t n, uint64_t at, const char* what) {
  for (size_t done = 0; done < n;) {
    const ssize_t r = ::pread(fd, to + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) Raise(what);
    if (r == 0) lmdb::error::raise(what, EIO);  // the caller checked the size
    done += static_cast<size_t>(r);
  }
}

void PwriteAll(int fd, const char* from, size_t n, uint64_t at, const char* what) {
  for (size_t done = 0; done < n;) {
    const ssize_t r = ::pwrite(fd, from + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) Raise(what);
    done += static_cast<size_t>(r);
  }
}

uint64_t FileSize(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) Raise("fstat (journal)");
  return static_cast<uint64_t>(st.st_size);
}

// A header slot: magic, format, page size, generation, txnid, the two meta
// pages, then a checksum of all that.
constexpr size_t kSlotUsed = 32 + 2 * Journal::kMetaBytes + kHashBytes;

std::optional<Journal::Checkpoint> ParseSlot(const std::string& slot) {
  const size_t body = kSlotUsed - kHashBytes;
  if (slot.size() < kSlotUsed || std::memcmp(slot.data(), kMagic, 8) != 0 ||
      Load<uint32_t>(slot.data() + 8) != kFormat)
    return std::nullopt;
  const Hash sum = Checksum(0, std::string_view(slot.data(), body));
  if (std::memcmp(sum.data(), slot.data() + body, kHashBytes) != 0) return std::nullopt;
  Journal::Checkpoint c;
  c.page_size = Load<uint32_t>(slot.data() + 12);
  c.generation = Load<uint64_t>(slot.data() + 16);
  c.txnid = Load<uint64_t>(slot.data() + 24);
  c.meta[0] = slot.substr(32, Journal::kMetaBytes);
  c.meta[1] = slot.substr(32 + Journal::kMetaBytes, Journal::kMetaBytes);
  return c;
}

}  // namespace

std::optional<Journal> Journal::Open(const std::string& dir, bool writable,
                                     unsigned mode) {
  const std::string path = dir + "/journal";
  int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  bool created = false;
  if (fd < 0 && errno == ENOENT && writable) {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                static_cast<mode_t>(mode & 0777));
    created = fd >= 0;
  }
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) Raise("open (journal)");
  Journal j(fd);  // closes it, whatever throws below
  if (created) {
    ::fchmod(fd, static_cast<mode_t>(mode & 0777));  // whatever the umask
    SyncDirectory(dir);  // a journal that vanished would take its frames along
  }
  // The header slots are written in place, never zeroed over.
  j.zeroed_to_ = std::max(FileSize(fd), kFramesOffset);
  return j;
}

Journal::Journal(Journal&& other) noexcept
    : fd_(other.fd_), zeroed_to_(other.zeroed_to_) {
  other.fd_ = -1;
}

Journal& Journal::operator=(Journal&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(zeroed_to_, other.zeroed_to_);
  return *this;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<Journal::Checkpoint> Journal::ReadCheckpoint() const {
  const uint64_t size = FileSize(fd_);
  std::optional<Checkpoint> best;
  for (uint64_t i = 0; i < 2; ++i) {
    if (size < i * kSlotBytes + kSlotUsed) break;
    std::string slot(kSlotUsed, '\0');
    PreadAll(fd_, slot.data(), slot.size(), i * kSlotBytes, "pread (journal)");
    auto c = ParseSlot(slot);
    if (c && (c->generation & 1) == i && (!best || c->generation > best->generation))
      best = std::move(c);
  }
  return best;
}

uint64_t Journal::NewestGeneration() const {
  uint64_t newest = 0;
  for (uint64_t i = 0; i < 2; ++i) {
    uint64_t g = 0;
    if (::pread(fd_, &g, sizeof g, static_cast<off_t>(i * kSlotBytes + 16)) ==
        static_cast<ssize_t>(sizeof g))
      newest = std::max(newest, g);
  }
  return newest;
}

void Journal::WriteCheckpoint(const Checkpoint& c) {
  std::string slot(kSlotUsed, '\0');
  std::memcpy(slot.data(), kMagic, 8);
  Put(slot, 8, kFormat);
  Put(slot, 12, c.page_size);
  Put(slot, 16, c.generation);
  Put(slot, 24, c.txnid);
  for (int i = 0; i < 2; ++i) {
    if (c.meta[i].size() != kMetaBytes)
      lmdb::error::raise("a checkpoint's meta page", EINVAL);
    std::memcpy(slot.data() + 32 + i * kMetaBytes, c.meta[i].data(), kMetaBytes);
  }
  const size_t body = kSlotUsed - kHashBytes;
  const Hash sum = Checksum(0, std::string_view(slot.data(), body));
  std::memcpy(slot.data() + body, sum.data(), kHashBytes);
  PwriteAll(fd_, slot.data(), slot.size(), (c.generation & 1) * kSlotBytes,
            "pwrite (journal checkpoint)");
  if (int err = Sync(); err != 0)
    lmdb::error::raise("fdatasync (journal checkpoint)", err);
}

std::vector<Journal::Frame> Journal::ReadFrames(const Checkpoint& c) const {
  std::vector<Frame> frames;
  const uint64_t size = FileSize(fd_);
  uint64_t at = kFramesOffset, next_seq = 0;  // 0: the first frame's, whatever it is
  std::string header(kFrameHeader, '\0'), body;
  while (at + kFrameHeader + kHashBytes <= size) {
    PreadAll(fd_, header.data(), kFrameHeader, at, "pread (journal frame)");
    const uint32_t count = Load<uint32_t>(header.data() + 4);
    const uint64_t payload = Load<uint64_t>(header.data() + 24);
    if (Load<uint32_t>(header.data()) != kFrameMagic ||
        Load<uint64_t>(header.data() + 8) != c.generation ||
        (next_seq != 0 && Load<uint64_t>(header.data() + 16) != next_seq) || count == 0 ||
        payload > kMaxPayload || at + kFrameHeader + payload + kHashBytes > size)
      break;
    if (next_seq == 0) next_seq = Load<uint64_t>(header.data() + 16);
    body.resize(kFrameHeader + payload + kHashBytes);
    PreadAll(fd_, body.data(), body.size(), at, "pread (journal frame)");
    const Hash sum =
        Checksum(next_seq, std::string_view(body.data(), kFrameHeader + payload));
    if (std::memcmp(sum.data(), body.data() + kFrameHeader + payload, kHashBytes) != 0)
      break;
    Frame f{next_seq, {}};
    size_t pos = kFrameHeader;
    const size_t end = kFrameHeader + payload;
    for (uint32_t i = 0; i < count; ++i) {
      if (pos + 4 > end) break;
      const uint32_t len = Load<uint32_t>(body.data() + pos);
      if (pos + 4 + len > end) break;
      f.values.emplace_back(body.data() + pos + 4, len);
      pos += 4 + len;
    }
    if (f.values.size() != count || pos != end) break;  // checksummed, yet malformed
    next_seq += count;
    at += body.size();
    frames.push_back(std::move(f));
  }
  return frames;
}

uint64_t Journal::WriteFrame(uint64_t generation, uint64_t offset, uint64_t first_seq,
                             const std::vector<std::string_view>& values) {
  uint64_t payload = 0;
  for (std::string_view v : values) payload += 4 + v.size();
  std::string frame(kFrameHeader + payload + kHashBytes, '\0');
  Put(frame, 0, kFrameMagic);
  Put(frame, 4, static_cast<uint32_t>(values.size()));
  Put(frame, 8, generation);
  Put(frame, 16, first_seq);
  Put(frame, 24, payload);
  size_t pos = kFrameHeader;
  for (std::string_view v : values) {
    Put(frame, pos, static_cast<uint32_t>(v.size()));
    std::memcpy(frame.data() + pos + 4, v.data(), v.size());
    pos += 4 + v.size();
  }
  const Hash sum = Checksum(first_seq, std::string_view(frame.data(), pos));
  std::memcpy(frame.data() + pos, sum.data(), kHashBytes);
  const uint64_t end = offset + frame.size();
  if (end > zeroed_to_) {
    const uint64_t grown = (end + kGrowStep - 1) / kGrowStep * kGrowStep;
    const std::string zeros(grown - zeroed_to_, '\0');
    PwriteAll(fd_, zeros.data(), zeros.size(), zeroed_to_, "pwrite (journal)");
    zeroed_to_ = grown;
  }
  PwriteAll(fd_, frame.data(), frame.size(), offset, "pwrite (journal frame)");
  return end;
}

void Journal::VoidFrame(uint64_t offset) {
  const uint32_t none = 0;
  PwriteAll(fd_, reinterpret_cast<const char*>(&none), sizeof none, offset,
            "pwrite (voiding a journal frame)");
  if (int err = Sync(); err != 0)
    lmdb::error::raise("fdatasync (voiding a journal frame)", err);
}

int Journal::Sync() { return ::fdatasync(fd_) == 0 ? 0 : errno; }

// Open file description locks (fcntl F_OFD_*), not flock(2): a closing
// engine tries to turn its shared lock into an exclusive one, and flock
// drops the shared lock first, so a failed try left it holding none, and
// another process could take the journal for a recovery and write back
// meta pages under the live engine (CI saw a reader's meta page older
// than LMDB's transaction id). An OFD lock's conversion is atomic: a
// failed try keeps the shared lock.
namespace {
int OfdLock(int fd, short type, bool wait) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;  // l_start 0, l_len 0: the whole file
  return ::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &l);
}
}  // namespace

bool Journal::TryLockExclusive() {
  // A write lock needs a file open for writing: a read-only engine's
  // journal can only ask whether one would be granted (it then recovers
  // nothing itself: it has a writer do it, or takes the lock shared).
  if ((::fcntl(fd_, F_GETFL) & O_ACCMODE) == O_RDONLY) {
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    return ::fcntl(fd_, F_OFD_GETLK, &l) == 0 && l.l_type == F_UNLCK;
  }
  return OfdLock(fd_, F_WRLCK, false) == 0;
}

void Journal::LockShared() {
  while (OfdLock(fd_, F_RDLCK, true) != 0) {
    if (errno != EINTR) Raise("fcntl F_OFD_SETLKW (journal)");
  }
}

bool Journal::Linked() const {
  struct stat st;
  return ::fstat(fd_, &st) == 0 && st.st_nlink > 0;
}

void Journal::Remove(const std::string& dir) {
  if (::unlink((dir + "/journal").c_str()) != 0 && errno != ENOENT)
    Raise("unlink (journal)");
  SyncDirectory(dir);
}

std::optional<std::array<std::string, 2>> Journal::ReadMetaPages(
    const std::string& data_file, uint32_t* page_size) {
  const int fd = ::open(data_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::array<std::string, 2> pages{std::string(kMetaBytes, '\0'),
                                   std::string(kMetaBytes, '\0')};
  bool ok =
      ::pread(fd, pages[0].data(), kMetaBytes, 0) == static_cast<ssize_t>(kMetaBytes);
  const auto m0 = Load<MetaRecord>(pages[0].data() + lmdb_layout::kPageHeader);
  *page_size = m0.dbs[0].pad;
  ok = ok && *page_size >= 4096 && *page_size <= 65536 &&
       ::pread(fd, pages[1].data(), kMetaBytes, *page_size) ==
           static_cast<ssize_t>(kMetaBytes);
  ::close(fd);
  if (!ok) return std::nullopt;
  return pages;
}

uint64_t Journal::MetaTxnid(const std::string& meta) {
  if (meta.size() < kMetaBytes) return 0;
  return Load<MetaRecord>(meta.data() + lmdb_layout::kPageHeader).txnid;
}

void Journal::RestoreMetaPages(const std::string& data_file, const Checkpoint& c) {
  const int fd = ::open(data_file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) Raise("open (data.mdb, to restore a checkpoint)");
  try {
    PwriteAll(fd, c.meta[0].data(), kMetaBytes, 0, "pwrite (data.mdb meta page 0)");
    PwriteAll(fd, c.meta[1].data(), kMetaBytes, c.page_size,
              "pwrite (data.mdb meta page 1)");
    if (::fdatasync(fd) != 0) Raise("fdatasync (data.mdb, a restored checkpoint)");
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace annal::internal
