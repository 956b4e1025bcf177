// The log read ahead of a replay: a thread of its own reads records from seq
// `from` in a read transaction, verifies each (structure, gapless seq, hash
// chain) and decodes it, while the replay's thread runs the validator and
// projectors on the records before them. Two cores do the work of one
// replay; the records are byte for byte the same as a LogReader gives, so is
// everything built from them.
//
// Memory is bounded: at most kChunksInFlight chunks of kChunkRecords records
// wait between the threads (one more being filled, one being applied). A failure of the
// reader (a corrupt record) reaches the replay at that record's place, as the same
// exception.
//
// A ReplayFeed belongs to the replay's thread. The caller keeps the
// environment's map size fixed (holds the map lock shared) for the feed's
// whole life, since its read transaction lives as long. An Item stays valid
// until the next call of Next().
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "annal/events.h"
#include "common/handoff.h"
#include "common/mutex.h"
#include "log_generated.h"
#include "store/chain.h"

namespace annal::internal {

class ReplayFeed {
 public:
  static constexpr size_t kChunkRecords = 1024;
  static constexpr size_t kChunksInFlight = 4;

  struct Item {
    uint64_t seq = 0;
    const fbs::Record* record = nullptr;  // verified, 8-aligned
    Hash hash{};                          // the record's chain hash
    Event event;                          // decoded and field-checked, if asked
  };

  // Reads records `from`..`to` (inclusive) of `log`, whose chain hash before
  // `from` is `prev`. With `decode`, each Item's event is the decoded record.
  ReplayFeed(MDB_env* env, MDB_dbi log, uint64_t from, uint64_t to, const Hash& prev,
             bool decode);
  ~ReplayFeed();  // stops the reader and waits for it
  ReplayFeed(const ReplayFeed&) = delete;
  ReplayFeed& operator=(const ReplayFeed&) = delete;

  // The next record, nullptr past `to` or at the log's end. Rethrows the
  // reader's exception in the place of the record it failed on.
  Item* Next();

 private:
  struct Chunk {
    std::vector<uint64_t> arena;  // the records' bytes, each 8-aligned
    std::vector<size_t> offsets;  // where each item's record starts, in words
    std::vector<Item> items;
    std::exception_ptr error;  // after the items
    bool last = false;
  };

  void Read(MDB_env* env, MDB_dbi log, uint64_t from, uint64_t to, Hash prev,
            bool decode);
  // A chunk the replay is done with, emptied, or a new one.
  std::unique_ptr<Chunk> FreeChunk();

  Handoff<std::unique_ptr<Chunk>> full_{kChunksInFlight};  // read, not yet taken
  Mutex free_mu_;
  std::vector<std::unique_ptr<Chunk>> free_ GUARDED_BY(free_mu_);  // to reuse

  std::unique_ptr<Chunk> current_;  // the replay's chunk
  size_t next_item_ = 0;
  bool ended_ = false;
  std::thread reader_;  // last: started once everything above exists
};

}  // namespace annal::internal
