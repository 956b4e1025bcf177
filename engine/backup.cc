// Engine::Backup: a consistent, compacted copy of a live store, verified.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "engine/engine_impl.h"
#include "store/map_lock.h"

namespace annal {

using namespace internal;
namespace fs = std::filesystem;

namespace {

// `created`: whether the directory is ours to remove if the backup fails.
Status PrepareDestination(const std::string& dest, uint32_t file_mode, bool* created) {
  std::error_code ec;
  *created = false;
  if (fs::exists(dest, ec)) {
    if (!fs::is_directory(dest, ec))
      return Status::InvalidInput("backup destination " + dest + " is not a directory");
    if (!fs::is_empty(dest, ec))
      return Status::InvalidInput("backup destination " + dest +
                                  " is not empty: a backup never overwrites");
  } else if (!fs::create_directories(dest, ec) || ec) {
    return Status::IOError("cannot create backup directory " + dest + ": " +
                           ec.message());
  } else {
    *created = true;
  }
  ::chmod(dest.c_str(), DirectoryMode(file_mode));
  return Status::Ok();
}

// Copies the store into `path`, created with the store's mode, and syncs it.
Status CopyInto(MDB_env* env, const std::string& path, uint32_t file_mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        static_cast<mode_t>(file_mode & 0777));
  if (fd < 0)
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  ::fchmod(fd, static_cast<mode_t>(file_mode & 0777));  // whatever the umask
  int rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
  if (rc == MDB_SUCCESS && ::fdatasync(fd) != 0) rc = errno;
  if (::close(fd) != 0 && rc == MDB_SUCCESS) rc = errno;
  if (rc != MDB_SUCCESS)
    return Status::IOError("backup to " + path + ": " + mdb_strerror(rc));
  return Status::Ok();
}

}  // namespace

Result<BackupReport> Engine::Backup(const std::string& dest) const {
  const Impl& s = *impl_;
  bool created = false;
  if (Status st = PrepareDestination(dest, s.options.file_mode, &created); !st.ok())
    return st;
  // A failed backup leaves nothing behind: a retry must not find "not empty".
  auto failed = [&](Status st) {
    std::error_code ec;
    if (created) {
      fs::remove_all(dest, ec);
    } else {
      for (const char* f : {"/data.mdb", "/lock.mdb"}) fs::remove(dest + f, ec);
    }
    return st;
  };
  BackupReport report;
  report.dir = dest;
  Status copied = Guard([&]() -> Status {
    // mdb_env_copy2 reads in a transaction of its own: hold the map as a
    // view does, so that no growth of this process remaps it meanwhile.
    SnapshotMapHold hold(s.map_mutex);
    const auto start = std::chrono::steady_clock::now();
    if (Status st = CopyInto(s.env.handle(), dest + "/data.mdb", s.options.file_mode);
        !st.ok()) {
      return st;
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Status::Ok();
  });
  if (!copied.ok()) return failed(copied);
  const std::string data = dest + "/data.mdb";
  std::error_code ec;
  report.bytes = fs::file_size(data, ec);

  Options o = s.options;
  o.create_if_missing = false;
  o.read_only = false;  // a full verify rebuilds into the copy's scratch slot
  auto copy = Engine::Open(dest, o);
  if (!copy.ok()) {
    return failed(Status::Corruption("the backup at " + dest +
                                     " does not open: " + copy.status().message()));
  }
  auto verified = (*copy)->Verify();
  if (!verified.ok()) {
    copy->reset();
    return failed(
        Status::Corruption("the backup at " + dest +
                           " failed its verification: " + verified.status().message()));
  }
  report.log = verified->log;
  report.identical = verified->identical();
  if (!report.identical) {
    copy->reset();
    return failed(Status::Corruption("the backup at " + dest +
                                     " failed its verification: its projections differ "
                                     "from its log"));
  }
  return report;
}

}  // namespace annal
