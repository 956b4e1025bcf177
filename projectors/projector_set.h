// Every projector of an engine (the nine built in, then the declared
// projections), each with the sub-databases it owns (its write mask, from
// the schema table's owner column), as one object: applying a record runs
// every projector restricted to its own sub-databases, in that order. One
// set is used by one transaction at a time; the engine keeps one for
// appends and the projector loop, a replay its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "annal/projection.h"
#include "annal/status.h"
#include "events/upcast.h"
#include "log_generated.h"
#include "projectors/projector.h"

namespace annal::internal {

class ProjectorSet {
 public:
  // The nine, then the declared projections in the order given (their
  // declarations checked: std::invalid_argument when one is unsound).
  // Records in a shape one of `upcasters` reads are projected as upcast
  // (the set outlives this one; none when null).
  explicit ProjectorSet(const std::vector<std::shared_ptr<Projection>>& declared = {},
                        const UpcasterSet* upcasters = nullptr);

  // Runs every projector on `rec`, upcast first when it is in an older shape
  // (a transform that fails: kRejected naming the upcaster and the seq). A built-in
  // projector's failure becomes a kCorruption Status naming it and the seq (the validator
  // admitted the record, so the store or the code is broken); a declared one's, whatever
  // it throws, a kRejected Status naming it and the seq. Storage errors
  // (lmdb::error) propagate so that the caller can grow the map and retry.
  Status Apply(Kv& kv, const fbs::Record& rec);

  // name -> version of every projector, as the code declares them.
  std::map<std::string, uint32_t> Versions() const;
  // The projectors' names, in schema order.
  std::vector<std::string> Names() const;

 private:
  struct Entry {
    std::unique_ptr<Projector> projector;
    uint64_t mask;
    bool declared;
  };
  Status ApplyAll(Kv& kv, const fbs::Record& rec);

  std::vector<Entry> entries_;
  const UpcasterSet* upcasters_;
  flatbuffers::FlatBufferBuilder upcast_;  // an upcast record, re-encoded
};

}  // namespace annal::internal
