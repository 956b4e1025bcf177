// The crash simulator's recording (tests/crashsim/README.md): what the
// interposer (recorder.cc) writes, and the reading of it back.
//
// A recording is a sequence of operations, in the order the process made
// them: writes to the watched directory's files, their truncations and
// syncs, and notes (an append acknowledged to its caller). Written by one
// process at a time; read by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace annal::crashsim {

enum class OpKind : uint8_t {
  kFile = 1,      // file `file` is `data` (a path relative to the directory)
  kCreate,        // file `file` was created by this run
  kWrite,         // `data` written at `offset`: durable at the file's next sync
  kDurableWrite,  // the same through an O_DSYNC/O_SYNC descriptor: durable at once
  kTruncate,      // the file's size set to `offset`
  kSync,          // fsync/fdatasync: everything written to the file is durable
  kNote,          // `data`: a note of the recorded program ("ack 12")
  kRename,        // file `file` renamed to `data`: durable at the next sync of "."
};

// The name of the watched directory itself, as a file: its fsync makes the
// renames and creations in it durable.
inline constexpr const char* kDirectory = ".";

struct Op {
  OpKind kind;
  uint32_t file = 0;
  uint64_t offset = 0;
  std::string data;
};

// The header of each operation in the file; `size` bytes of data follow.
#pragma pack(push, 1)
struct OpHeader {
  uint8_t kind;
  uint32_t file;
  uint64_t offset;
  uint64_t size;
};
#pragma pack(pop)

struct Recording {
  std::vector<std::string> files;  // by id
  std::vector<Op> ops;             // kFile declarations left out
};

// Reads a recording; throws std::runtime_error naming what is wrong with it.
Recording ReadRecording(const std::string& path);

}  // namespace annal::crashsim
