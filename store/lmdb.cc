#include "store/lmdb.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace annal::internal {

void SignalCommitted(MDB_env* env) {
  mdb_filehandle_t fd;
  if (mdb_env_get_fd(env, &fd) == MDB_SUCCESS) (void)::futimens(fd, nullptr);
}

std::optional<std::string_view> GetInPlace(MDB_txn* txn, MDB_dbi dbi,
                                           std::string_view key) {
  MDB_val k = ToVal(key), v{};
  if (!lmdb::dbi_get(txn, dbi, &k, &v)) return std::nullopt;
  return FromVal(v);
}

void PutOrThrow(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value,
                unsigned flags) {
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn, dbi, &k, &v, flags);
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_put", rc);
}

std::optional<std::string_view> LastKey(MDB_txn* txn, MDB_dbi dbi) {
  Cursor c(txn, dbi);
  std::string_view k, v;
  if (!c.Get(MDB_LAST, &k, &v)) return std::nullopt;
  return k;
}

bool Cursor::Get(MDB_cursor_op op, std::string_view* key, std::string_view* value) {
  MDB_val k{}, v{};
  if (!lmdb::cursor_get(cursor_, &k, &v, op)) return false;
  *key = FromVal(k);
  *value = FromVal(v);
  return true;
}

bool Cursor::Seek(std::string_view key, std::string_view* found_key,
                  std::string_view* value) {
  MDB_val k = ToVal(key), v{};
  if (!lmdb::cursor_get(cursor_, &k, &v, MDB_SET_RANGE)) return false;
  *found_key = FromVal(k);
  *value = FromVal(v);
  return true;
}

MDB_dbi LmdbKv::Handle(Db db) const {
  if (!(allowed_ & (uint64_t{1} << static_cast<unsigned>(db)))) {
    throw std::logic_error("sub-database " + std::string(Spec(db).name) +
                           " is not owned by the component writing to it");
  }
  return dbis_[static_cast<size_t>(db)];
}

bool LmdbKv::Get(Db db, std::string_view key, AlignedBuf& out) {
  auto v = GetInPlace(txn_, Handle(db), key);
  if (!v) return false;
  out.Assign(*v);
  return true;
}

bool LmdbKv::Has(Db db, std::string_view key) {
  return GetInPlace(txn_, Handle(db), key).has_value();
}

void LmdbKv::CloseCursors() {
  for (MDB_cursor*& c : cursors_) {
    if (c) mdb_cursor_close(c);
    c = nullptr;
  }
}

MDB_cursor* LmdbKv::CursorFor(Db db) {
  MDB_cursor*& c = cursors_[static_cast<size_t>(db)];
  if (!c) lmdb::cursor_open(txn_, Handle(db), &c);
  return c;
}

// Writes go through a cursor so that finding the old value (for the digest)
// and replacing it cost one descent of the tree, not two. A key past the
// sub-database's last one (a replay into the empty scratch slot, a new seq)
// is appended without a search (MDB_APPEND, which also keeps pages full).
void LmdbKv::Put(Db db, std::string_view key, std::string_view value) {
  Handle(db);  // ownership check
  MDB_cursor* c = CursorFor(db);
  Digest& d = deltas_[static_cast<size_t>(db)];
  LastKey& last = last_keys_[static_cast<size_t>(db)];
  if (!last.known) {
    MDB_val k{}, v{};
    int rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    if (rc == MDB_SUCCESS) last.key.assign(FromVal(k));
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) lmdb::error::raise("mdb_cursor_get", rc);
    last.known = true;
    last.none = rc == MDB_NOTFOUND;
  }
  MDB_val k = ToVal(key), v = ToVal(value);
  if (last.none || key > std::string_view(last.key)) {
    int rc = mdb_cursor_put(c, &k, &v, MDB_APPEND);
    if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_cursor_put", rc);
    last.key.assign(key);
    last.none = false;
    d.Add(key, value);
    return;
  }
  MDB_val old{};
  int rc = mdb_cursor_get(c, &k, &old, MDB_SET_KEY);
  unsigned flags = 0;
  if (rc == MDB_SUCCESS) {
    d.Remove(key, FromVal(old));
    flags = MDB_CURRENT;
  } else if (rc != MDB_NOTFOUND) {
    lmdb::error::raise("mdb_cursor_get", rc);
  }
  k = ToVal(key);
  rc = mdb_cursor_put(c, &k, &v, flags);
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_cursor_put", rc);
  d.Add(key, value);
}

bool LmdbKv::Del(Db db, std::string_view key) {
  Handle(db);
  MDB_cursor* c = CursorFor(db);
  MDB_val k = ToVal(key), old{};
  int rc = mdb_cursor_get(c, &k, &old, MDB_SET_KEY);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_cursor_get", rc);
  deltas_[static_cast<size_t>(db)].Remove(key, FromVal(old));
  rc = mdb_cursor_del(c, 0);
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_cursor_del", rc);
  return true;
}

void LmdbKv::ScanKeysBackward(Db db,
                              const std::function<bool(std::string_view key)>& visit) {
  Cursor c(txn_, Handle(db));
  std::string_view k, v;
  for (bool more = c.Get(MDB_LAST, &k, &v); more && visit(k);
       more = c.Get(MDB_PREV, &k, &v)) {
  }
}

}  // namespace annal::internal

namespace annal::internal {
namespace {
// Less free space than this is "full": LMDB writes dirty pages with one
// pwritev per 64 pages (256 KiB of 4 KiB pages; more with large values,
// mdb_page_flush in mdb.c), so a short write can leave that much unused.
constexpr uint64_t kNearlyFullBytes = uint64_t{1} << 20;
}  // namespace

std::string DescribeLmdbError(const lmdb::error& e, const std::string& dir) {
  // What became of the transaction: a checkpoint that failed after its
  // commit (kAfterCommit, engine/durability.cc) leaves it in the store, and
  // the next checkpoint makes it durable; any other failed write aborted it.
  const std::string fate =
      std::string_view(e.origin()).starts_with(kAfterCommit)
          ? "the transaction was committed, but not synced: the next "
            "commit's checkpoint makes it durable"
          : "the transaction was rolled back, nothing of it written";
  // LMDB reports a short write as EIO: on a filesystem with (almost) nothing
  // left, that is a full disk, and the user should be told so.
  if (e.code() == EIO && !dir.empty()) {
    struct statvfs fs;
    if (statvfs(dir.c_str(), &fs) == 0 && fs.f_bavail * fs.f_frsize < kNearlyFullBytes) {
      return "no space left on device for " + dir + " (" +
             std::to_string(fs.f_bavail * fs.f_frsize >> 10) + " KiB free; " + fate +
             "): " + e.what();
    }
  }
  switch (e.code()) {
    case ENOSPC:
      return "no space left on device (" + fate + "): " + e.what();
    case EACCES:
    case EPERM:
      return std::string("permission denied: ") + e.what();
    case EROFS:
      return std::string("the store is on a read-only file system: ") + e.what();
    case MDB_READERS_FULL:
      return std::string("too many open readers: ") + e.what();
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
      return std::string("the store file is corrupted: ") + e.what();
    default:
      return std::string("storage error: ") + e.what();
  }
}

}  // namespace annal::internal
