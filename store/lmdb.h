// A thin layer over LMDB (through Debian's lmdbxx) that avoids lmdbxx's known
// pitfalls (docs/stack.md): values go through the C API with explicit
// MDB_vals, commit nulls the handle before mdb_txn_commit, and every error
// surfaces as lmdb::error carrying the LMDB code.
#pragma once

#include <lmdb++.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "store/digest.h"
#include "store/kv.h"
#include "store/schema.h"

namespace annal::internal {

using DbHandles = std::array<MDB_dbi, kMaxDbs>;

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view FromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Tells threads waiting for commits (engine/store_watch.h), in any process,
// that one is visible: an attribute change of data.mdb (futimens), after
// mdb_txn_commit has published the transaction. Waking on LMDB's own writes
// is not enough: its last one, the meta page, comes before it publishes the
// txn id, so a waiter woken by it can read the store a moment too early and
// then sleep through the commit (measured: most wait-for-ship appends took a
// whole 50 ms wait). Best effort: a waiter without it wakes on its timeout.
void SignalCommitted(MDB_env* env);

// A transaction whose commit cannot double-free when mdb_txn_commit fails.
class Txn : public lmdb::txn {
 public:
  enum Access : uint8_t { kReadOnly, kWrite };
  Txn(MDB_env* env, Access access)
      : lmdb::txn(lmdb::txn::begin(env, nullptr, access == kReadOnly ? MDB_RDONLY : 0)),
        env_(env),
        access_(access) {}
  void Commit() {
    MDB_txn* h = _handle;
    _handle = nullptr;  // LMDB frees the txn whether commit succeeds or not
    int rc = mdb_txn_commit(h);
    if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_txn_commit", rc);
    if (access_ == kWrite) SignalCommitted(env_);
  }

 private:
  MDB_env* env_;
  Access access_;
};

// Reads a value in place; valid until the transaction writes or ends.
std::optional<std::string_view> GetInPlace(MDB_txn* txn, MDB_dbi dbi,
                                           std::string_view key);
void PutOrThrow(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                unsigned flags = 0);
// The last key of a sub-database, if any.
std::optional<std::string_view> LastKey(MDB_txn* txn, MDB_dbi dbi);

// RAII cursor closed before its transaction ends.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { lmdb::cursor_open(txn, dbi, &cursor_); }
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  // Positions with `op`; false at the end (MDB_NOTFOUND).
  bool Get(MDB_cursor_op op, std::string_view* key, std::string_view* value);
  // MDB_SET_RANGE: the first key >= `key`.
  bool Seek(std::string_view key, std::string_view* found_key, std::string_view* value);

 private:
  MDB_cursor* cursor_ = nullptr;
};

// The Kv of a write transaction. Restrict() limits the sub-databases that the
// next caller may touch, so a projector cannot reach outside its own. Every
// write also updates the running digest of its sub-database (deltas(), which
// the caller adds to meta before committing).
class LmdbKv final : public Kv {
 public:
  LmdbKv(MDB_txn* txn, const DbHandles& dbis) : txn_(txn), dbis_(dbis) {}
  ~LmdbKv() { CloseCursors(); }
  LmdbKv(const LmdbKv&) = delete;
  LmdbKv& operator=(const LmdbKv&) = delete;
  // Cursors must be closed before their transaction commits (docs/stack.md).
  void CloseCursors();
  void Restrict(uint64_t allowed_mask) override { allowed_ = allowed_mask; }
  const Digests& deltas() const { return deltas_; }

  bool Get(Db db, std::string_view key, AlignedBuf& out) override;
  bool Has(Db db, std::string_view key) override;
  void Put(Db db, std::string_view key, std::string_view value) override;
  bool Del(Db db, std::string_view key) override;
  void ScanKeysBackward(Db db,
                        const std::function<bool(std::string_view key)>& visit) override;

 private:
  MDB_dbi Handle(Db db) const;
  MDB_cursor* CursorFor(Db db);
  MDB_txn* txn_;
  std::array<MDB_cursor*, kMaxDbs> cursors_{};
  // Each sub-database's last key, read at its first write. A delete may leave
  // it past the real last key: appends then take the searching path, which
  // is only slower.
  struct LastKey {
    bool known = false, none = false;
    std::string key;
  };
  std::array<LastKey, kMaxDbs> last_keys_{};
  const DbHandles& dbis_;
  uint64_t allowed_ = ~uint64_t{0};
  Digests deltas_{};
};

}  // namespace annal::internal

namespace annal::internal {
// A message for an LMDB failure that says what it means for the user; with
// the store's directory, an I/O error on a full filesystem says "no space".
std::string DescribeLmdbError(const lmdb::error& e, const std::string& dir = {});
// The start of an error's origin when the transaction committed and only
// making it durable failed (DescribeLmdbError tells the caller so).
inline constexpr std::string_view kAfterCommit = "after the commit, ";
}  // namespace annal::internal
