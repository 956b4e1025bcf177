// The peer a user would pick instead of annal: the same domain on SQLite, in
// the design note's own architecture: an audit_events table and the nine
// projection tables (plus the entity tables they need), all updated in one
// transaction per batch, with prepared statements, WAL, and indexes for the
// same queries. Used by the benchmarks and by the equality test that makes
// the comparison one of equals. Events are assumed valid (no validation);
// docs/performance.md says so next to the figures.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "annal/events.h"

namespace annal::bench {

class SqlitePeer {
 public:
  // `durable`: synchronous=FULL (against annal's sync), else OFF.
  // kShared: one of several connections (threads) writing the same file, each
  // committing its own transactions: BEGIN IMMEDIATE, busy_timeout, and the
  // next seq read inside the transaction.
  enum class Sharing : uint8_t { kAlone, kShared };
  SqlitePeer(const std::string& path, bool durable, Sharing sharing = Sharing::kAlone);
  ~SqlitePeer();

  void Append(std::span<const Event> batch);
  // What `annal query NAME [--due T] [--state S]` prints, from SQLite.
  std::string Query(const std::string& name, std::optional<int64_t> due = {},
                    std::optional<std::string> state = {});
  // The same query decoded into annal's row structs and counted, without
  // printing: what the read benchmarks time.
  size_t QueryRows(const std::string& name, std::optional<int64_t> due = {},
                   std::optional<std::string> state = {});
  // One alarm by id, decoded; 0 or 1 rows.
  size_t LookupAlarm(const std::string& alarm_id);
  // Rebuilds every projection table from audit_events alone.
  void Rebuild();

 private:
  size_t Run(const std::string& name, std::optional<int64_t> due,
             std::optional<std::string> state, std::string* out);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace annal::bench
