// Crash states of a recording (recording.h): what the files of the watched
// directory may hold after a power loss at some moment of the run.
//
// The model is a disk with a volatile cache: at a crash, everything a sync
// made durable is kept (a file's fsync/fdatasync keeps all that was written
// to it before the call began, by any process; an O_DSYNC write keeps
// itself); of each file's writes since
// its last sync, any may be lost, in any order, in 4 KiB blocks, and a
// block may be torn in 512-byte sectors. A file created in the run and never
// synced may be missing; a rename holds once the directory is synced. Crash
// points are the moments just before each sync and rename, where the most
// is unsynced, and the end of the run: a crash between two syncs is one of
// the states of the next one (a prefix of its writes).
// Not thread-safe; the states it hands out are valid during the call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/crashsim/recording.h"

namespace annal::crashsim {

// A crash state: each file's bytes, nullopt for a file that is not there.
struct CrashState {
  size_t point = 0;  // index of the operation the crash came before
  std::string how;   // "none", "all", "prefix 3/7", "blocks", "torn"
  std::map<std::string, std::optional<std::string>> files;
};

struct ExploreOptions {
  size_t prefixes = 6;       // prefixes of the unsynced writes per point, at most
  size_t random_blocks = 4;  // random choices of 4 KiB blocks per point
  size_t torn = 2;           // states with one block torn per point
  uint64_t seed = 1;
  bool final_only = false;  // the end of the run only, every write kept
  bool at_notes = false;    // crash points at the program's notes too
};

// The state with every write of the run kept, as if it had ended cleanly.
CrashState FinalState(const Recording& r);

// Calls `visit` for every state of every crash point of `r`, in order of
// point. Returns the number of states visited.
size_t ExploreCrashStates(const Recording& r, const ExploreOptions& options,
                          const std::function<void(const CrashState&)>& visit);

}  // namespace annal::crashsim
