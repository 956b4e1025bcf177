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
// Address space only: the file grows as the replay writes.
constexpr size_t kMapBytes = size_t{1} << 40;

struct PrivateStore {
  lmdb::env env{nullptr};
  DbHandles dbis{};
};

std::shared_ptr<PrivateStore> MakePrivateStore() {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "annal-as-of-XXXXXX").string();
  if (!::mkdtemp(dir.data())) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create a directory for time travel in " +
                                fs::temp_directory_path().string());
  }
  auto store = std::make_shared<PrivateStore>();
  store->env = lmdb::env::create();
  lmdb::env_set_max_dbs(store->env.handle(), kDbCount + 1);
  lmdb::env_set_mapsize(store->env.handle(), kMapBytes);
  // One thread writes it, then one read transaction reads it: no lock file.
  int rc = mdb_env_open(store->env.handle(), dir.c_str(),
                        MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOLOCK | MDB_NOTLS, 0600);
  std::error_code ignored;
  fs::remove_all(dir, ignored);  // the open file lives on until the env closes
  if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_env_open", rc);
  Txn txn(store->env.handle(), Txn::kWrite);
  for (const DbSpec& spec : kDbs) {
    lmdb::dbi_open(txn.handle(), SlotName(spec.db, 0).c_str(), MDB_CREATE,
                   &store->dbis[static_cast<size_t>(spec.db)]);
  }
  txn.Commit();
  return store;
}

}  // namespace

Result<Snapshot> Engine::ReadAsOf(uint64_t seq) const {
  return Guard([&]() -> Result<Snapshot> {
    auto store = MakePrivateStore();
    const MDB_dbi log = store->dbis[static_cast<size_t>(Db::kLog)];
    const MDB_dbi meta = store->dbis[static_cast<size_t>(Db::kMeta)];
    Validator validator;
    ProjectorSet projectors;
    // The log as of one commit of the engine's store, held for the replay.
    SnapshotMapHold map_lock(impl_->map_mutex);
    Txn source(impl_->env.handle(), Txn::kReadOnly);
    const uint64_t head = LogHead(source.handle(), impl_->log());
    if (seq > head) {
      return Status::InvalidInput("as-of seq " + std::to_string(seq) +
                                  " is past the log's head " + std::to_string(head));
    }
    LogReader reader(source.handle(), impl_->log(), 1, seq, ChainCheck::kVerify);
    std::string value;
    for (uint64_t done = 0; done < seq;) {
      Txn txn(store->env.handle(), Txn::kWrite);
      {
        LmdbKv below(txn.handle(), store->dbis);
        BufferedKv kv(below);
        for (size_t n = 0; n < kBatchEvents && done < seq; ++n) {
          const LogRecord* r = reader.Next();
          if (!r) throw CorruptionError("the log ends before seq " + std::to_string(seq));
          EncodeLogValue(r->bytes, r->hash, value);
          PutOrThrow(txn.handle(), log, keys::Seq(r->seq), value, MDB_APPEND);
          if (Status st = AdmitLogged(validator, kv, *r); !st.ok()) return st;
          if (Status st = projectors.Apply(kv, *r->record); !st.ok()) return st;
          done = r->seq;
        }
        kv.Flush();
        AddDigests(txn.handle(), meta, 0, below.deltas());
      }
      if (done == seq) {
        WriteProjected(txn.handle(), meta, 0, seq);
        WriteChainHead(txn.handle(), meta, {seq, reader.chain()});
      }
      txn.Commit();
    }
    auto view = std::make_unique<Snapshot::Impl>(Txn(store->env.handle(), Txn::kReadOnly),
                                                 store->dbis, 0);
    view->own_store = std::move(store);
    view->as_of = seq;
    return Snapshot(std::move(view));
  });
}

}  // namespace annal
