// The key-value view of one write transaction that projectors and the
// validator write through. Every write path backs it with a write-back
// buffer (BufferedKv, store/buffered_kv.h) over the LMDB write transaction
// (LmdbKv, store/lmdb.h); the fuzzers back it with ordered maps. The
// projectors never know which. Not thread-safe: one transaction, one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "store/schema.h"

namespace annal::internal {

// A copy of a value, 8-byte aligned so FlatBuffers can read it in place.
class AlignedBuf {
 public:
  void Assign(std::string_view bytes) {
    words_.resize((bytes.size() + 7) / 8);
    if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.data()); }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data()), size_}; }

 private:
  std::vector<uint64_t> words_;
  size_t size_ = 0;
};

class Kv;

// Writes that a layer above a Kv holds back (decoded rows of declared
// projections, encoded once per batch however often Apply rewrote them)
// until that Kv flushes: its Flush() first calls WriteOut, then writes its
// own buffer below; a Kv abandoned without a flush calls Drop instead, so
// nothing held back outlives a failed batch or a retried transaction.
class HeldWrites {
 public:
  virtual void WriteOut(Kv& kv) = 0;
  virtual void Drop() = 0;

 protected:
  ~HeldWrites() = default;
};

class Kv {
 public:
  virtual ~Kv() = default;
  // Registers `w` to be written out at this Kv's flush (or dropped with it);
  // false when this Kv has no flush (then write through). Registering twice
  // is once. Release() takes a registration back.
  virtual bool Hold(HeldWrites& w) {
    (void)w;
    return false;
  }
  virtual void Release(HeldWrites& w) { (void)w; }
  // Limits the sub-databases (a mask of Db bits) that later calls may touch,
  // so that a projector cannot reach outside its own; a call outside the
  // mask throws std::logic_error (a bug in annal, not damage on disk).
  virtual void Restrict(uint64_t allowed_mask) = 0;
  // Copies the value of `key` into `out`; false when there is none.
  virtual bool Get(Db db, std::string_view key, AlignedBuf& out) = 0;
  virtual bool Has(Db db, std::string_view key) = 0;
  virtual void Put(Db db, std::string_view key, std::string_view value) = 0;
  // False when the key was not there.
  virtual bool Del(Db db, std::string_view key) = 0;
  // Visits keys from the last one backwards until `visit` returns false.
  // `visit` must not write to this Kv (a buffer may flush under it).
  virtual void ScanKeysBackward(
      Db db, const std::function<bool(std::string_view key)>& visit) = 0;
};

}  // namespace annal::internal
