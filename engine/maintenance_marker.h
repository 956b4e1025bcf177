// What the holder of a store's maintenance.lock (a verify or a rebuild) is
// doing, written into that lock file for `annal status` in any process to
// read. The line counts only while the lock is held: the kernel drops a dead
// holder's flock, so what a killed rebuild last wrote is never reported.
// Not thread-safe: one marker per lock holder.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "annal/maintenance.h"

namespace annal::internal {

class MaintenanceMarker {
 public:
  // `fd`: the lock file, held exclusively by the caller for the marker's life.
  MaintenanceMarker(int fd, std::string kind, std::vector<std::string> building);
  void Report(const ReplayProgress& progress);

 private:
  int fd_;
  MaintenanceInProgress state_;
};

// What runs on the store in `dir` now; nullopt when nothing holds its lock.
std::optional<MaintenanceInProgress> ReadMaintenanceMarker(const std::string& dir);

}  // namespace annal::internal
