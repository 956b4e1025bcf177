#include "engine/project.h"

#include "events/record_codec.h"
#include "store/chain.h"
#include "store/keys.h"

namespace annal::internal {

Status Project(const std::vector<std::unique_ptr<Projector>>& projectors,
               const std::vector<uint64_t>& masks, LmdbKv& kv, const fbs::Record& rec) {
  for (size_t p = 0; p < projectors.size(); ++p) {
    kv.Restrict(masks[p]);
    try {
      projectors[p]->Apply(kv, rec);
    } catch (const lmdb::error&) {
      throw;
    } catch (const std::exception& e) {
      return Status::Corruption("projector " + std::string(projectors[p]->name()) +
                                " failed at seq " + std::to_string(rec.seq()) + ": " +
                                e.what());
    }
  }
  return Status::Ok();
}

Status ProjectLogged(const std::vector<std::unique_ptr<Projector>>& projectors,
                     const std::vector<uint64_t>& masks, LmdbKv& kv, MDB_txn* txn,
                     MDB_dbi log, uint64_t from, uint64_t to) {
  Cursor c(txn, log);
  std::string_view k, v;
  AlignedBuf record;
  for (bool more = c.Seek(keys::Seq(from + 1), &k, &v); more && keys::DecodeU64(k) <= to;
       more = c.Get(MDB_NEXT, &k, &v)) {
    auto parts = SplitLogValue(v);
    if (parts) record.Assign(parts->record);
    const fbs::Record* rec = parts ? VerifiedRecord(record.view()) : nullptr;
    if (!rec) {
      return Status::Corruption("log record at seq " +
                                std::to_string(keys::DecodeU64(k)) +
                                " fails its structural checks");
    }
    if (Status st = Project(projectors, masks, kv, *rec); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace annal::internal
