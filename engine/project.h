// Applying logged records to the projections: the catch-up shared by inline
// appends (after deferred ones), the deferred projector and replay. Records
// are read back through the one log reader (events/log_reader.h).
#pragma once

#include <lmdb.h>

#include <cstdint>

#include "annal/status.h"
#include "projectors/projector_set.h"
#include "store/kv.h"

namespace annal::internal {

// Projects the logged records after seq `from` up to `to` (inclusive).
Status ProjectLogged(ProjectorSet& projectors, Kv& kv, MDB_txn* txn, MDB_dbi log,
                     uint64_t from, uint64_t to);

}  // namespace annal::internal
