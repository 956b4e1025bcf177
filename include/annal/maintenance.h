// annal/maintenance.h: the reports of Engine::Verify, Engine::VerifyLog and
// Engine::Rebuild (declared in engine.h), which prove that every projection
// is exactly what the log implies, and repair it while the engine serves.
// Plain values; safe to read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace annal {

// Replay progress, reported now and then: events applied out of the log's
// length when the replay started (it may grow while appends continue).
struct ReplayProgress {
  uint64_t done = 0;
  uint64_t total = 0;
};
using ProgressFn = std::function<void(const ReplayProgress&)>;

// A verify or rebuild running on a store now, in any process
// (Engine::RunningMaintenance): what `annal status` says while a projection
// is built.
struct MaintenanceInProgress {
  std::string kind;  // "verify" or "rebuild"
  // The projections a rebuild builds that the live slot does not hold at
  // their version: new to the store or of another version (a writer's Open
  // with a new plugin rebuilds for them). Empty for a plain rebuild.
  std::vector<std::string> building;
  ReplayProgress progress;  // as of its last report (every 50,000 events)
};

// One sub-database whose rebuilt bytes differ from the live ones.
struct Difference {
  std::string sub_database;  // e.g. "proj_alarms"
  std::string key;           // the first differing key, in words: alarm "a1"
  std::string what;  // "changed", "only in the live store", "missing from the live store"
};

struct ProjectionCheck {
  std::string projection;  // "active_tasks", ..., or "registry" (the validator's state)
  uint64_t rows_live = 0;  // rows of the queried sub-database
  uint64_t rows_rebuilt = 0;
  bool identical = true;  // every sub-database it owns, byte for byte
  std::vector<Difference>
      differences;     // the first difference of each differing sub-database
  std::string digest;  // the live running digest (hex) of everything it owns
};

struct LogCheck {
  uint64_t events = 0;
  uint64_t head_seq = 0;
  std::string
      head_hash;  // hex SHA-256 of the chain at head_seq: keep it to prove the past later
};

// Engine::VerifyQuick: the live running digests against the ones the last
// full verify rebuilt. O(1): no row is read. It can only compare when no
// event was appended or projected since that verify; a change
// made behind the engine's back does not move the running digests, so only
// a full verify finds that.
struct DigestCheck {
  uint64_t head_seq = 0;
  uint64_t projected_seq = 0;  // the projections' checkpoint (deferred mode)
  bool verified = false;       // a full verify has been recorded
  uint64_t verified_seq = 0, verified_projected_seq = 0;
  struct Entry {
    std::string projection, live, verified;
  };
  std::vector<Entry> projections;
  bool comparable() const {
    return verified && verified_seq == head_seq &&
           verified_projected_seq == projected_seq;
  }
  bool identical() const {
    if (!comparable()) return false;
    for (const auto& e : projections) {
      if (e.live != e.verified) return false;
    }
    return true;
  }
};

// Engine::Backup: what was copied, and the copy's own verification.
struct BackupReport {
  std::string dir;         // the backup's directory
  LogCheck log;            // the copy's log: its head is the backup's point in time
  uint64_t bytes = 0;      // data.mdb as copied (compacted), before verification
  double seconds = 0;      // the copy alone
  bool identical = false;  // the copy's full verify: projections = its log
};

// A projection the store holds that a read-only Verify did not compare: one
// this engine was not opened with (a plugin not loaded), or one it holds at
// another version than the engine's (a writer rebuilds it).
struct SkippedProjection {
  std::string projection;
  std::string why;
};

struct VerifyReport {
  LogCheck log;
  std::vector<ProjectionCheck> projections;
  std::vector<SkippedProjection> skipped;  // read-only Verify only
  bool identical() const {
    for (const auto& p : projections) {
      if (!p.identical) return false;
    }
    return true;
  }
};

}  // namespace annal
