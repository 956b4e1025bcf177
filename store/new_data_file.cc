#include "store/new_data_file.h"

#include <fcntl.h>
#include <lmdb++.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace annal::internal {
namespace {

namespace fs = std::filesystem;

void RaiseIf(bool failed, const char* what) {
  if (failed) lmdb::error::raise(what, errno);
}

// The leftovers of creators that died (their pid is gone).
void RemoveLeftovers(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kCreatingPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + kCreatingPrefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  RaiseIf(fd < 0, "open (the store's directory)");
  const bool failed = ::fsync(fd) != 0;
  const int err = errno;
  ::close(fd);
  errno = err;
  RaiseIf(failed, "fsync (the store's directory)");
}

void CreateDataFile(const std::string& dir, mode_t mode, size_t map_size) {
  RemoveLeftovers(dir);
  const std::string work =
      dir + "/" + std::string(kCreatingPrefix) + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(work, ec);
  RaiseIf(::mkdir(work.c_str(), 0700) != 0, "mkdir (a new store's data file)");
  struct RemoveWork {
    const std::string& work;
    ~RemoveWork() {
      std::error_code ignored;
      fs::remove_all(work, ignored);
    }
  } remove_work{work};
  {
    auto env = lmdb::env::create();
    env.set_mapsize(map_size);
    env.open(work.c_str(), 0, mode);  // writes the two meta pages
    if (int rc = mdb_env_sync(env.handle(), 1); rc != MDB_SUCCESS)
      lmdb::error::raise("mdb_env_sync (a new store's data file)", rc);
  }
  const std::string made = work + "/data.mdb", target = dir + "/data.mdb";
  int rc =
      ::renameat2(AT_FDCWD, made.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    // A file system without RENAME_NOREPLACE (NFS): link(2) refuses an
    // existing name too; the work directory goes below.
    rc = ::link(made.c_str(), target.c_str());
  }
  if (rc != 0 && errno != EEXIST) RaiseIf(true, "rename (a new store's data file)");
  SyncDirectory(dir);
}

}  // namespace annal::internal
