// Applying log records to the projections: the one loop shared by inline
// appends, their catch-up after deferred appends, and replay.
#pragma once

#include <memory>
#include <vector>

#include "annal/status.h"
#include "log_generated.h"
#include "projectors/projector.h"
#include "store/lmdb.h"

namespace annal::internal {

// Runs every projector on `rec`, each restricted to its own sub-databases.
// A projector's failure becomes a kCorruption Status naming it; storage
// errors (lmdb::error) propagate so the caller can grow the map and retry.
Status Project(const std::vector<std::unique_ptr<Projector>>& projectors,
               const std::vector<uint64_t>& masks, LmdbKv& kv, const fbs::Record& rec);

// Projects the logged records after seq `from` up to `to` (inclusive),
// reading them back from the log.
Status ProjectLogged(const std::vector<std::unique_ptr<Projector>>& projectors,
                     const std::vector<uint64_t>& masks, LmdbKv& kv, MDB_txn* txn,
                     MDB_dbi log, uint64_t from, uint64_t to);

}  // namespace annal::internal
