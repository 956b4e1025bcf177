// The write-back buffer's storage: an open-addressing hash table of entries
// whose keys and values live in one bump arena. A replay batch touches a few
// hundred thousand keys; with a node per entry (std::unordered_map plus two
// std::strings) every lookup cost three or four cache misses and every insert
// two mallocs, a fifth of a replay's time. Here a lookup reads one 16-byte
// slot (the hash and an index) and, on a hash match, the key in the arena.
//
// Views (keys, values) point into the arena and stay valid until Clear();
// a value that grows past its old room is copied to new arena space (the old
// bytes are dead until Clear(), and counted by arena_bytes()).
// Entry pointers stay valid until the next Insert(). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace annal::internal {

// Bump allocation in chunks, released all at once.
class Arena {
 public:
  char* Allocate(size_t n);
  // Frees every chunk but the last (kept for the next batch).
  void Reset();
  size_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kFirstChunk = size_t{4} << 10;
  static constexpr size_t kChunk = size_t{256} << 10;
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t used_ = 0;  // in the last chunk
  size_t room_ = 0;  // size of the last chunk
  size_t bytes_ = 0;
};

class EntryTable {
 public:
  struct Entry {
    const char* key;
    char* value;  // meaningful when present
    uint32_t key_size;
    uint32_t value_size;
    uint32_t value_room;
    bool present;  // false: absent (deleted, or never there)
    bool dirty;
    std::string_view key_view() const { return {key, key_size}; }
    std::optional<std::string_view> value_view() const {
      if (!present) return std::nullopt;
      return std::string_view(value, value_size);
    }
  };

  static uint64_t HashOf(std::string_view key);
  Entry* Find(std::string_view key, uint64_t hash);
  // `key` must not be in the table yet; the new entry is absent, clean.
  Entry& Insert(std::string_view key, uint64_t hash, Arena& arena);
  static void SetValue(Entry& e, std::optional<std::string_view> value, Arena& arena);

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }
  // The dirty entries, in key order.
  std::vector<const Entry*> DirtySorted() const;
  void Clear();

 private:
  struct Slot {
    uint64_t hash;
    uint32_t index_plus_one;  // 0: empty
  };
  void Grow();

  std::vector<Slot> slots_;  // a power of two in size, at most 3/4 full
  std::vector<Entry> entries_;
};

}  // namespace annal::internal
