// annal/options.h: how Engine::Open opens a store. A plain value: copy it
// and use the copies on any threads. The engine calls `clock` from whichever
// thread appends, so a custom clock must be safe to call from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "annal/projection.h"
#include "annal/upcast.h"

namespace annal {

// Where projections are updated (docs/design.md, "The extraction seam").
enum class Mode : uint8_t {
  // In the append's own transaction: a query sees every committed event.
  kInline,
  // Append commits the log (and what validation needs) only; projections
  // catch up from their checkpoint later. Callers' code is the same in both.
  kDeferred,
};

struct Options {
  Mode mode = Mode::kInline;

  // Create the store (and its directory) when it does not exist yet. An
  // existing directory that is not empty and holds no store is never used.
  bool create_if_missing = true;

  // Open for reading only: Append fails, the files are never written.
  bool read_only = false;

  // Durable commits: each Append is on disk when it returns (one fdatasync
  // of the journal, docs/format.md), and a power loss at any moment leaves a
  // store that opens and verifies. Off, Append returns without that sync: a
  // crash of the process loses nothing, a power loss or kernel crash may take
  // the last appends (never part of a batch, never the store's consistency:
  // docs/reliability.md, "Power loss").
  bool sync = true;

  // The map's starting size. It grows by itself (doubling) when full, so this
  // only matters for tests and for avoiding the first few growths.
  size_t initial_map_size = size_t{64} << 20;

  // Microseconds since the Unix epoch, stamped on events appended without a
  // `ts`. Replay never reads it. Defaults to the system clock.
  std::function<int64_t()> clock;

  // When the store's projections were built by other projector versions:
  // rebuild them during Open (which then takes as long as a replay) instead
  // of refusing appends and queries on them until `annal rebuild`.
  bool rebuild_stale_on_open = false;

  // Permission bits of a new store's files; the directory gets the matching
  // search bits (0600 gives 0700, 0640 gives 0750). The default keeps the
  // store private to its owner. Applied as given, whatever the umask. Note
  // that even a read-only reader must be able to write lock.mdb (LMDB's
  // reader table), so a group of readers needs 0660.
  uint32_t file_mode = 0600;

  // A store that another user owns is refused rather than opened with
  // whatever rights this process has. Set this to open it anyway.
  bool allow_other_owner = false;

  // Open reads every page of the file's newest snapshot and checks its
  // structure first (docs/format.md, "Checks of the file"), so that a
  // damaged file is refused with kCorruption naming the page instead of
  // crashing a later read inside LMDB. It costs one pass over the file
  // (docs/performance.md); an embedder that reopens a large store often and
  // trusts its disk may turn it off. The meta pages are checked always; a
  // file truncated past its roots but not below them is then found only by
  // the page walk, and without it a read of a missing page is SIGBUS.
  bool check_pages = true;

  // Zero loss across a failover (docs/replication.md): when above 0, Append
  // returns once `annal ship` has recorded that the stream holds the batch
  // (StoreReplication::Marker::kShipped, annal/replication.h), or after this many
  // milliseconds without it, with AppendReceipt::not_yet_shipped set. Either way the
  // batch is committed when Append returns. One ship acknowledgement covers a whole group
  // commit.
  int64_t wait_for_ship_ms = 0;

  // Projections of your own (annal/projection.h, docs/projections.md),
  // applied after the nine and those compiled into this build of annal, in
  // this order. A store records the projections
  // it holds: opening it for writing without one of them is refused, and
  // one new to it (or at another version) is built from the log during
  // Open. A read-only Open of a store that has not built one yet fails.
  std::vector<std::shared_ptr<Projection>> projections;

  // Upcasters (annal/upcast.h, docs/events.md, "Evolution"): events logged
  // in an older shape of their type are read in the current one. A store
  // records the upcasters its projections were built through: another set
  // (one added, removed, or at another version) rebuilds them during an
  // Open for writing. Two upcasters reading the same shape of one type are
  // refused (kInvalidInput).
  std::vector<Upcaster> upcasters;

  // Commits slower than this are logged (at info level), in milliseconds.
  int64_t slow_commit_ms = 500;
};

}  // namespace annal
