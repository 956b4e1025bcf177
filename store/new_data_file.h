// A new store's data.mdb, made whole before it is in place.
//
// LMDB writes a new file's two meta pages without a sync; a power loss
// before the first commit's sync could leave a data.mdb that no longer
// opens as LMDB, in a store that was never used (found by the power-loss
// simulator, tests/crashsim). So the file is made in a directory of its
// own, synced, and renamed into place without replacing one another process
// put there first; then the directory is synced. Thread-safe (no shared
// state); throws lmdb::error naming the call that failed.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace annal::internal {

// The directories CreateDataFile works in: DIR/.creating-PID.
inline constexpr std::string_view kCreatingPrefix = ".creating-";

// Makes DIR/data.mdb, an empty LMDB environment with a map of `map_size`
// bytes and mode `mode`, unless another process's appeared first. Removes
// what crashed creators left behind.
void CreateDataFile(const std::string& dir, mode_t mode, size_t map_size);

// fsync of the directory: the files made or renamed in it stay after a
// power loss.
void SyncDirectory(const std::string& dir);

}  // namespace annal::internal
