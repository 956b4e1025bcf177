// Engine::Backup: a consistent, compacted copy of a live store, verified.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "engine/engine_impl.h"
#include "store/map_lock.h"

namespace annal {

using namespace internal;
namespace fs = std::filesystem;

namespace {

Status PrepareDestination(const std::string& dest, uint32_t file_mode) {
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    if (!fs::is_directory(dest, ec))
      return Status::InvalidInput("backup destination " + dest + " is not a directory");
    if (!fs::is_empty(dest, ec))
      return Status::InvalidInput("backup destination " + dest +
                                  " is not empty: a backup never overwrites");
  } else if (!fs::create_directories(dest, ec) || ec) {
    return Status::IOError("cannot create backup directory " + dest + ": " +
                           ec.message());
  }
  ::chmod(dest.c_str(), DirectoryMode(file_mode));
  return Status::Ok();
}

}  // namespace

Result<BackupReport> Engine::Backup(const std::string& dest) const {
  const Impl& s = *impl_;
  if (Status st = PrepareDestination(dest, s.options.file_mode); !st.ok()) return st;
  BackupReport report;
  report.dir = dest;
  Status copied = Guard([&]() -> Status {
    // mdb_env_copy2 reads in a transaction of its own: hold the map as a
    // view does, so that no growth of this process remaps it meanwhile.
    SnapshotMapHold hold(s.map_mutex);
    const auto start = std::chrono::steady_clock::now();
    int rc = mdb_env_copy2(s.env.handle(), dest.c_str(), MDB_CP_COMPACT);
    if (rc != MDB_SUCCESS) {
      return Status::IOError("backup to " + dest + ": " + mdb_strerror(rc));
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Status::Ok();
  });
  if (!copied.ok()) return copied;
  const std::string data = dest + "/data.mdb";
  ::chmod(data.c_str(), s.options.file_mode & 0777);
  std::error_code ec;
  report.bytes = fs::file_size(data, ec);

  Options o = s.options;
  o.create_if_missing = false;
  o.read_only = false;  // a full verify rebuilds into the copy's scratch slot
  auto copy = Engine::Open(dest, o);
  if (!copy.ok()) {
    return Status::Corruption("the backup at " + dest +
                              " does not open: " + copy.status().message());
  }
  auto verified = (*copy)->Verify();
  if (!verified.ok()) {
    return Status::Corruption("the backup at " + dest +
                              " failed its verification: " + verified.status().message());
  }
  report.log = verified->log;
  report.identical = verified->identical();
  if (!report.identical) {
    return Status::Corruption("the backup at " + dest +
                              " failed its verification: its projections differ from "
                              "its log");
  }
  return report;
}

}  // namespace annal
