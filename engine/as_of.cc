// Engine::ReadAsOf, time travel: the projections as they were right after
// seq N, rebuilt from the log's first N records into a private store of
// their own (a temporary LMDB environment), by the same validator and
// projectors as Append and replay. The view copies those N log records too,
// so every Snapshot call answers as it would on a store holding only them.
//
// Cost: a replay of N events (docs/http.md has figures). Memory: the
// write-back buffer's budget; the private store's pages are file-backed,
// in the temporary directory ($TMPDIR, else /tmp), whose files are unlinked
// as soon as they are open, so nothing is left behind, even by a crash.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "engine/replay.h"
#include "engine/snapshot_impl.h"
#include "events/log_reader.h"
#include "store/buffered_kv.h"
#include "store/meta.h"

namespace annal {

using namespace internal;

namespace {

constexpr size_t kBatchEvents = 50000;
constexpr size_t kMinMapBytes = size_t{64} << 20;

struct PrivateStore {
  lmdb::env env{nullptr};
  DbHandles dbis{};
};

// `map_bytes`: the private store never holds more than the engine's own
// (one slot, a prefix of the log), so its map starts at that size; it
// doubles if a batch fills it all the same.
std::shared_ptr<PrivateStore> MakePrivateStore(size_t map_bytes,
                                               const std::vector<Db>& dbs) {
  namespace fs = std::filesystem;
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string parent = tmpdir && *tmpdir ? tmpdir : "/tmp";
  std::string dir = parent + "/annal-as-of-XXXXXX";
  if (!::mkdtemp(dir.data())) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create a directory for time travel in " + parent +
                                (tmpdir && *tmpdir ? " ($TMPDIR)" : ""));
  }
  auto store = std::make_shared<PrivateStore>();
  store->env = lmdb::env::create();
  lmdb::env_set_max_dbs(store->env.handle(), kMaxDbs);
  lmdb::env_set_mapsize(store->env.handle(), std::max(map_bytes, kMinMapBytes));
  // One thread writes it, then one read transaction reads it: no lock file.
  int rc = mdb_env_open(store->env.handle(), dir.c_str(),
                        MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOLOCK | MDB_NOTLS, 0600);
  std::error_code ignored;
  fs::remove_all(dir, ignored);  // the open file lives on until the env closes
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_env_open", rc);
  Txn txn(store->env.handle(), Txn::kWrite);
  for (Db db : dbs) {
    lmdb::dbi_open(txn.handle(), SlotName(db, 0).c_str(), MDB_CREATE,
                   &store->dbis[static_cast<size_t>(db)]);
  }
  txn.Commit();
  return store;
}

// Replays the records after `*done` (up to `seq`, at most a batch) into the
// private store in one write transaction, moving `*done` and `*chain` on.
Status ReplayBatch(MDB_txn* source, MDB_dbi source_log, PrivateStore& store, uint64_t seq,
                   Validator& validator, ProjectorSet& projectors, uint64_t* done,
                   Hash* chain) {
  const MDB_dbi log = store.dbis[static_cast<size_t>(Db::kLog)];
  const MDB_dbi meta = store.dbis[static_cast<size_t>(Db::kMeta)];
  LogReader reader(source, source_log, *done + 1, seq, ChainCheck::kVerify, *chain);
  Txn txn(store.env.handle(), Txn::kWrite);
  uint64_t at = *done;
  {
    LmdbKv below(txn.handle(), store.dbis);
    BufferedKv kv(below);
    std::string value;
    for (size_t n = 0; n < kBatchEvents && at < seq; ++n) {
      const LogRecord* r = reader.Next();
      if (!r) throw CorruptionError("the log ends before seq " + std::to_string(seq));
      EncodeLogValue(r->bytes, r->hash, value);
      PutOrThrow(txn.handle(), log, keys::Seq(r->seq), value, MDB_APPEND);
      if (Status st = AdmitLogged(validator, kv, *r); !st.ok()) return st;
      if (Status st = projectors.Apply(kv, *r->record); !st.ok()) return st;
      at = r->seq;
    }
    kv.Flush();
    AddDigests(txn.handle(), meta, 0, below.deltas());
  }
  if (at == seq) {
    WriteProjected(txn.handle(), meta, 0, seq);
    WriteChainHead(txn.handle(), meta, {seq, reader.chain()});
  }
  txn.Commit();
  *done = at;
  *chain = reader.chain();
  return Status::Ok();
}

// The keys as the engine's store holds them now, for the view's readers: a
// subject forgotten since `seq` reads erased there too.
void CopySubjectKeys(MDB_txn* source, MDB_dbi keys, PrivateStore& store) {
  if (keys == kNoSubjectKeys) return;
  Txn txn(store.env.handle(), Txn::kWrite);
  Cursor c(source, keys);
  std::string_view k, v;
  const MDB_dbi to = store.dbis[static_cast<size_t>(Db::kSubjectKeys)];
  for (bool more = c.Get(MDB_FIRST, &k, &v); more; more = c.Get(MDB_NEXT, &k, &v))
    PutOrThrow(txn.handle(), to, k, v);
  txn.Commit();
}

}  // namespace

Result<Snapshot> Engine::ReadAsOf(uint64_t seq) const {
  return Guard([&]() -> Result<Snapshot> {
    // The log as of one commit of the engine's store, held for the replay.
    SnapshotMapHold map_lock(impl_->map_mutex);
    Txn source(impl_->env.handle(), Txn::kReadOnly);
    const uint64_t head = LogHead(source.handle(), impl_->log());
    if (seq > head) {
      return Status::InvalidInput("as-of seq " + std::to_string(seq) +
                                  " is past the log's head " + std::to_string(head));
    }
    MDB_envinfo info;
    mdb_env_info(impl_->env.handle(), &info);
    auto store = MakePrivateStore(info.me_mapsize, impl_->dbs);
    size_t map_bytes = std::max(info.me_mapsize, kMinMapBytes);
    Validator validator(impl_->upcasters.get());
    ProjectorSet projectors(impl_->projections, impl_->upcasters.get());
    uint64_t done = 0;
    Hash chain{};
    while (done < seq) {
      // A batch that fills the map is undone whole: grow it, replay again.
      // (The validator and projectors keep no state outside the store.)
      try {
        Status st = ReplayBatch(source.handle(), impl_->log(), *store, seq, validator,
                                projectors, &done, &chain);
        if (!st.ok()) return st;
      } catch (const lmdb::error& e) {
        if (e.code() != MDB_MAP_FULL) throw;
        map_bytes *= 2;
        lmdb::env_set_mapsize(store->env.handle(), map_bytes);
      }
    }
    CopySubjectKeys(source.handle(), impl_->subject_keys(), *store);
    auto view = std::make_unique<Snapshot::Impl>(Txn(store->env.handle(), Txn::kReadOnly),
                                                 store->dbis, 0);
    view->own_store = std::move(store);
    view->declared = &impl_->declared;
    view->upcasters = impl_->upcasters.get();
    view->as_of = seq;
    return Snapshot(std::move(view));
  });
}

}  // namespace annal
