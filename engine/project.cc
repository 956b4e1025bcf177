#include "engine/project.h"

#include "events/log_reader.h"

namespace annal::internal {

Status ProjectLogged(ProjectorSet& projectors, Kv& kv, MDB_txn* txn, MDB_dbi log,
                     uint64_t from, uint64_t to) {
  LogReader reader(txn, log, from + 1, to);
  while (const LogRecord* r = reader.Next()) {
    if (Status st = projectors.Apply(kv, *r->record); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace annal::internal
