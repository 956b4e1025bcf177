// annal/replication.h: a store's side of replication (docs/replication.md).
// A store is a primary (it takes Engine::Append) or a replica (it takes only
// AppendStored: records exactly as its primary's log holds them, from its
// stream). The role is recorded in the store (Snapshot::StoreMode() says
// "replica") and checked inside each write transaction, so it holds across
// processes. `annal ship` and `annal replica` are built on this class.
//
// Thread-safety: as Engine's. A StoreReplication is a reference to its
// engine: cheap to make, and it must not outlive the engine.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "annal/engine.h"
#include "annal/export.h"

namespace annal {

class ANNAL_EXPORT StoreReplication {
 public:
  explicit StoreReplication(Engine& engine) : engine_(engine) {}

  // Makes an empty store a replica (a replica stays one). kInvalidInput when
  // the store already holds events of its own.
  Status MakeReplica();
  // Makes a replica a primary: Append continues its seqs and hash chain.
  // kInvalidInput on a store that is not a replica.
  Status Promote();
  // Appends log values as another store's log holds them (the record's bytes
  // and its 32-byte chain hash: Snapshot::ScanStored), the first at seq
  // `first_seq`, which must be the head + 1. Each is checked before anything
  // of it is applied (structure, its seq, the hash chain from this store's
  // head, the rules), then logged unchanged and projected by the same
  // projectors, in one durable write transaction. A value that fails a check
  // fails the call with kCorruption naming its seq, after the values before
  // it are committed. Returns the new head. kInvalidInput on a primary.
  Result<uint64_t> AppendStored(uint64_t first_seq,
                                std::span<const std::string_view> stored);

  // Subject keys for a replica (docs/replication.md, "Subject keys"). A
  // replica reads what its primary sealed (docs/security.md, "Erasure")
  // with copies of the primary's subject keys, which travel wrapped under a
  // key-encryption key both sides hold (AES-256-GCM; the subject and the seq
  // they were read at as associated data), never in the stream.
  using KeyEncryptionKey = std::array<uint8_t, 32>;
  struct WrappedSubjectKeys {
    uint64_t read_at = 0;  // the log's head when they were read
    // Each subject asked for and its key, wrapped; nullopt when it has none
    // (it never had one, or it was forgotten since).
    std::vector<std::pair<std::string, std::optional<std::string>>> keys;
  };
  // On the store that holds the keys: each subject's current key, wrapped.
  Result<WrappedSubjectKeys> WrapSubjectKeys(std::span<const std::string> subjects,
                                             const KeyEncryptionKey& kek) const;
  // On a replica whose head has reached keys.read_at: installs each key in
  // one durable transaction, except a subject's whose forget the log holds
  // after read_at (the key would bring back what that forget erased).
  // Returns how many it installed. kBusy while the head is before read_at
  // (call again once the replica has applied that far); kInvalidInput on a
  // primary; kCorruption naming the subject for a key `kek` does not open
  // (wrapped under another key-encryption key, or altered on the way).
  Result<size_t> InstallSubjectKeys(const WrappedSubjectKeys& keys,
                                    const KeyEncryptionKey& kek);

  // Replication's markers, files in the store directory written with one
  // pwrite each (no commit, no fsync: they need not survive a crash):
  // kShipped, the highest seq the stream has acknowledged, recorded by `annal
  // ship` for Options::wait_for_ship_ms and `annal status`; kStreamEnd, the
  // stream's last seq as a replica last saw it (`annal status` on a
  // replica). Recording never moves a marker back; one never recorded reads
  // 0.
  enum class Marker : uint8_t { kShipped, kStreamEnd };
  Status RecordMarker(Marker marker, uint64_t seq);
  Result<uint64_t> ReadMarker(Marker marker) const;

  // Where replication stands for the store as `snap` sees it, from the
  // markers above: what a stream acknowledged to `annal ship` (none if never
  // shipped) and, on a replica, the stream's end as `annal replica` last saw
  // it, each with how far the log is from it. A replica may also be shipped
  // from (fan-out): then both are set.
  struct Standing {
    std::optional<uint64_t> shipped_seq;
    uint64_t ship_lag_events = 0;  // head - shipped_seq
    std::optional<uint64_t> stream_end_seq;
    uint64_t replica_lag_events = 0;  // stream_end_seq - head
  };
  Result<Standing> StandingAt(const Snapshot& snap) const;

  // Makes every commit visible when it is called durable (an fdatasync of
  // the store file), whichever process committed; also on a store opened
  // read-only. For a process that passes on what others commit: a commit is
  // visible a moment before its writer has synced it, and `annal ship` must
  // not put on the stream what a machine crash could take from the log.
  Status SyncVisible() const;

 private:
  Engine& engine_;
};

}  // namespace annal
