// A Kv held in ordered maps, for fuzzing the validator and the projectors
// without LMDB: copying one is how a harness rolls a rejected batch back.
// Like LmdbKv, Restrict() makes a write or read outside the allowed
// sub-databases an error, so a projector reaching outside its own is caught.
#pragma once

#include <array>
#include <map>
#include <stdexcept>
#include <string>

#include "store/kv.h"

namespace annal::fuzz {

class MemoryKv final : public internal::Kv {
 public:
  using Db = internal::Db;
  void Restrict(uint64_t allowed_mask) override { allowed_ = allowed_mask; }

  bool Get(Db db, std::string_view key, internal::AlignedBuf& out) override {
    auto& m = Map(db);
    auto it = m.find(key);
    if (it == m.end()) return false;
    out.Assign(it->second);
    return true;
  }
  bool Has(Db db, std::string_view key) override { return Map(db).contains(key); }
  void Put(Db db, std::string_view key, std::string_view value) override {
    Map(db).insert_or_assign(std::string(key), std::string(value));
  }
  bool Del(Db db, std::string_view key) override {
    auto& m = Map(db);
    auto it = m.find(key);
    if (it == m.end()) return false;
    m.erase(it);
    return true;
  }
  void ScanKeysBackward(Db db,
                        const std::function<bool(std::string_view key)>& visit) override {
    auto& m = Map(db);
    for (auto it = m.rbegin(); it != m.rend() && visit(it->first); ++it) {
    }
  }

  // Equal keys and values in every sub-database.
  bool SameContents(const MemoryKv& other) const { return maps_ == other.maps_; }

 private:
  using Table = std::map<std::string, std::string, std::less<>>;
  Table& Map(Db db) {
    if (!(allowed_ & (uint64_t{1} << static_cast<unsigned>(db)))) {
      throw std::logic_error("access outside the allowed sub-databases");
    }
    return maps_[static_cast<size_t>(db)];
  }
  std::array<Table, internal::kMaxDbs> maps_;
  uint64_t allowed_ = ~uint64_t{0};
};

}  // namespace annal::fuzz
