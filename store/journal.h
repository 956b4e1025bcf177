// The journal of a store: the file that makes a commit durable with one
// sync (docs/format.md, "The journal"). A commit's log values are
// appended to it as one frame and the journal alone is synced; LMDB's own
// commits are not synced then, and a checkpoint (an fdatasync of data.mdb)
// makes them durable now and then. After a power loss, the store is put back
// to the last checkpoint (its two meta pages, kept here) and the frames
// written since are applied again (engine/durability.cc).
//
// The file: two header slots (kSlotBytes each; the valid one of the higher
// generation counts), then frames from kFramesOffset. A frame belongs to the
// generation of the checkpoint it follows; a checkpoint starts a new
// generation, so the frames of the one before read as ended.
//
// Not thread-safe, but for Sync (an fdatasync, from any thread): one
// Journal per Engine, written under LMDB's write lock, which serializes
// every process. Views: none; what it reads is copied out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace annal::internal {

class Journal {
 public:
  static constexpr uint64_t kSlotBytes = 4096;
  static constexpr uint64_t kFramesOffset = 2 * kSlotBytes;
  // The bytes of an LMDB meta page that matter: page header and MDB_meta.
  static constexpr size_t kMetaBytes = 16 + 136;

  // The last checkpoint: data.mdb as it was synced then.
  struct Checkpoint {
    uint64_t generation = 0;
    uint64_t txnid = 0;  // LMDB's last transaction in it
    uint32_t page_size = 0;
    std::string meta[2];  // both meta pages' first kMetaBytes, as synced
  };
  struct Frame {
    uint64_t first_seq = 0;
    std::vector<std::string> values;  // log values (record + chain hash)
  };

  // Opens DIR/journal, creating it (mode `mode`) when `writable`; nullopt
  // when there is none and it may not be created. Throws lmdb::error.
  static std::optional<Journal> Open(const std::string& dir, bool writable,
                                     unsigned mode);
  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&& other) noexcept;
  Journal(const Journal&) = delete;
  ~Journal();

  // The newest valid checkpoint; nullopt for a new journal.
  std::optional<Checkpoint> ReadCheckpoint() const;
  // The highest generation either slot names, checksum unchecked: cheap, for
  // telling whether another engine took a checkpoint (a torn slot may name
  // a bogus one, which only costs a needless checkpoint).
  uint64_t NewestGeneration() const;
  // Writes `c` into the slot its generation picks and syncs the journal.
  void WriteCheckpoint(const Checkpoint& c);
  // The frames of `c`'s generation, in order, up to the first that is torn,
  // of another generation or does not follow the one before in seqs.
  std::vector<Frame> ReadFrames(const Checkpoint& c) const;
  // Writes a frame of `generation` at `offset` (from kFramesOffset); returns
  // the offset after it. The journal grows in steps of zeros written ahead,
  // so that most syncs need not record a new size.
  uint64_t WriteFrame(uint64_t generation, uint64_t offset, uint64_t first_seq,
                      const std::vector<std::string_view>& values);
  // Unwrites the frame at `offset` (its commit failed, so a recovery must
  // not apply it): its magic zeroed, and synced. Throws lmdb::error.
  void VoidFrame(uint64_t offset);
  // fdatasync; its errno, 0 when synced.
  int Sync();

  // The journal's lock: shared by every engine of the store, exclusive only
  // for an engine that finds no other (the one that may recover, or remove
  // the journal at close). An open file description lock: a failed try
  // keeps the shared lock held. A journal opened read-only only tests
  // whether the lock would be granted, and takes nothing.
  bool TryLockExclusive();
  void LockShared();
  // Whether the file is still in the directory (a closing engine may have
  // removed it while this one waited for the lock).
  bool Linked() const;
  // Removes DIR/journal and syncs the directory.
  static void Remove(const std::string& dir);

  // Reads both meta pages of `data_file` (pread, not the map); nullopt when
  // they cannot be read. txnid of each through MetaTxnid.
  static std::optional<std::array<std::string, 2>> ReadMetaPages(
      const std::string& data_file, uint32_t* page_size);
  static uint64_t MetaTxnid(const std::string& meta);
  // Writes `c`'s meta pages back into `data_file` and syncs it.
  static void RestoreMetaPages(const std::string& data_file, const Checkpoint& c);

 private:
  explicit Journal(int fd) : fd_(fd) {}
  int fd_;
  uint64_t zeroed_to_ = 0;  // the file holds written zeros up to here
};

}  // namespace annal::internal
