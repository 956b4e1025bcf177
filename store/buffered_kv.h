// A write-back buffer over another Kv, for the length of one write
// transaction: the batch's reads see its own writes, repeated writes to a key
// coalesce, and Flush() writes each dirty key once to the Kv below, sorted by
// sub-database and key, so that LMDB walks each tree forward instead of
// descending it again for every write of a hot key (the counters row, the
// registry entries of a busy entity). The running digests (LmdbKv) then see
// one old and one new value per key. Reads that miss are cached, found or
// not, so a key is read from LMDB at most once per batch.
//
// Memory is bounded: once the buffer holds more than `budget_bytes` of keys
// and values, the next write flushes it (still inside the same transaction).
// Restrict() is enforced here; the Kv below is opened to every sub-database.
// A layer above may hold writes back until the flush (Hold, store/kv.h):
// Flush() has them written into this buffer first; the destructor of a
// buffer never flushed drops them with it.
// Buffers stack: a buffer over a buffer holds one caller's batch inside a
// group commit, flushed into the group's buffer or dropped with the batch.
// Not thread-safe: one transaction, one thread, like the Kv below it, which
// must outlive it. Nothing reaches the Kv below before Flush() (or a flush
// forced by the budget): a caller that abandons the transaction need not.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/entry_table.h"
#include "store/kv.h"

namespace annal::internal {

class BufferedKv final : public Kv {
 public:
  static constexpr size_t kDefaultBudget = size_t{64} << 20;
  explicit BufferedKv(Kv& below, size_t budget_bytes = kDefaultBudget)
      : below_(below), budget_(budget_bytes) {}
  // Held writes not written out yet are dropped: the batch was abandoned.
  ~BufferedKv() override;
  BufferedKv(const BufferedKv&) = delete;
  BufferedKv& operator=(const BufferedKv&) = delete;

  void Restrict(uint64_t allowed_mask) override { allowed_ = allowed_mask; }
  bool Get(Db db, std::string_view key, AlignedBuf& out) override;
  bool Has(Db db, std::string_view key) override;
  void Put(Db db, std::string_view key, std::string_view value) override;
  bool Del(Db db, std::string_view key) override;
  void ScanKeysBackward(Db db,
                        const std::function<bool(std::string_view key)>& visit) override;

  bool Hold(HeldWrites& w) override;
  void Release(HeldWrites& w) override;

  // Has the held writes written out into this buffer, then writes every
  // dirty key to the Kv below, in (sub-database, key) order, and empties
  // the buffer.
  void Flush();
  // Buffered keys and values, and an estimate of the entries' bookkeeping.
  size_t bytes() const { return arena_.bytes() + bytes_; }

 private:
  using Entry = EntryTable::Entry;
  EntryTable& TableFor(Db db);  // checks the Restrict() mask
  // The entry of `key`, read from below on a miss.
  Entry& Load(EntryTable& t, Db db, std::string_view key, uint64_t hash);
  // A new key in `db`'s table: also into its ordered index, if it has one.
  Entry& Insert(EntryTable& t, Db db, std::string_view key, uint64_t hash);
  void Write(Db db, std::string_view key, std::optional<std::string_view> value);
  // Flush() without the held writes: what the budget forces mid-batch.
  void FlushEntries();

  Kv& below_;
  const size_t budget_;
  size_t bytes_ = 0;  // the entries' bookkeeping
  uint64_t allowed_ = ~uint64_t{0};
  Arena arena_;
  std::array<EntryTable, kMaxDbs> tables_;
  // For the sub-databases scanned in this batch (alarms' resolution order),
  // their buffered keys in order, kept from the first scan on; the views
  // point at the keys in the arena, which stay put until the flush.
  std::array<std::unique_ptr<std::set<std::string_view>>, kMaxDbs> ordered_;
  AlignedBuf scratch_;
  std::vector<HeldWrites*> held_;
};

}  // namespace annal::internal
