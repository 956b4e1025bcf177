// The crash simulator's recording (tests/crashsim/README.md): what the
// interposer (recorder.cc) writes, and the reading of it back.
//
// A recording is a sequence of operations, in the order the processes made
// them: writes to the watched directory's files, their truncations and
// syncs, and notes (an append acknowledged to its caller, a record
// published). Several processes may record into one file at once (each
// operation is one append to it); file ids are then each process's own
// (the process id in their high bits), and ReadRecording gives one id per
// file. Read by one thread.
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
  kSync,          // fsync/fdatasync: what was written to the file before it
                  // began is durable; `offset`: ReadRecording sets it to the
                  // index (in Recording::ops) of the first op it does not cover
  kNote,          // `data`: a note of the recorded program ("ack 12")
  kRename,        // file `file` renamed to `data` ("": removed): durable at the
                  // next sync of "."
  kSyncBegin,     // a sync of `file` called (the recorder's; ReadRecording folds
                  // it into the kSync that follows it and leaves it out)
};

// The bits of a recorded file id that are the recording process's own.
inline constexpr int kProcessShift = 10;

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
  std::vector<std::string> files;  // by id: each file's first name
  std::vector<Op> ops;             // kFile declarations left out
};

// Reads a recording; throws std::runtime_error naming what is wrong with it.
Recording ReadRecording(const std::string& path);

}  // namespace annal::crashsim
