// The meta sub-database's records beyond the format record (open.cc): which
// slot of derived sub-databases is live, the head of the log's hash chain,
// and the projector versions each slot was built with. All are read and
// written inside the caller's transaction.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/chain.h"
#include "store/digest.h"

namespace annal::internal {

size_t LiveSlot(MDB_txn* txn, MDB_dbi meta);
void SetLiveSlot(MDB_txn* txn, MDB_dbi meta, size_t slot);

ChainHead ReadChainHead(MDB_txn* txn, MDB_dbi meta);  // zero head for an empty log
void WriteChainHead(MDB_txn* txn, MDB_dbi meta, const ChainHead& head);

// Running digests of a slot's derived sub-databases (zero for a new store).
Digests ReadDigests(MDB_txn* txn, MDB_dbi meta, size_t slot);
void WriteDigests(MDB_txn* txn, MDB_dbi meta, size_t slot, const Digests& d);
void AddDigests(MDB_txn* txn, MDB_dbi meta, size_t slot, const Digests& deltas);

// The projection checkpoint of a slot: its projections reflect the log up to
// this seq (0: nothing). Inline appends move it with every commit.
// The mode the last writer opened the store in: "inline" (also when no
// writer recorded one), "deferred", or "replica".
std::string ReadMode(MDB_txn* txn, MDB_dbi meta);
void WriteMode(MDB_txn* txn, MDB_dbi meta, std::string_view mode);
uint64_t ReadProjected(MDB_txn* txn, MDB_dbi meta, size_t slot);
void WriteProjected(MDB_txn* txn, MDB_dbi meta, size_t slot, uint64_t seq);

// What the last full verify rebuilt: the log head it ran at and the digests.
struct VerifiedDigests {
  uint64_t seq = 0;        // the log's head then
  uint64_t projected = 0;  // the projections' checkpoint then
  Digests digests{};
};
std::optional<VerifiedDigests> ReadVerified(MDB_txn* txn, MDB_dbi meta);
void WriteVerified(MDB_txn* txn, MDB_dbi meta, const VerifiedDigests& v);

// name -> version, as declared by the code or as recorded for a slot: each
// projector's, and each upcaster's the projections were built through,
// named "upcast:<type>/<shape>" (events/upcast.h).
using Versions = std::map<std::string, uint32_t>;
inline constexpr std::string_view kUpcastEntryPrefix = "upcast:";
inline bool IsUpcastEntry(std::string_view name) {
  return name.starts_with(kUpcastEntryPrefix);
}
// The upcasters whose entries differ between the two, described ("" when
// none does): a change to any of them rebuilds every projection.
std::string UpcastersChanged(const Versions& code, const Versions& recorded);
Versions SlotVersions(MDB_txn* txn, MDB_dbi meta, size_t slot);
void WriteSlotVersions(MDB_txn* txn, MDB_dbi meta, size_t slot, const Versions& v);

// Projectors whose recorded version differs from the code's, or all of them
// when the upcasters do, with a message for the operator; empty when every
// projection is current.
struct StaleProjection {
  std::string name, message;
};
std::vector<StaleProjection> StaleProjections(const Versions& code,
                                              const Versions& recorded);

}  // namespace annal::internal
