// annal/projection.h: projections of your own (docs/projections.md). A
// Projection declares its name, its version and its tables (key fields,
// other fields, their types) and applies events to those tables through a
// ProjectionTx. Registered in Options::projections, it gets what the
// built-in nine get: written in the same LMDB write transaction as the
// events (a throwing Apply aborts the whole batch), or by the projector in
// deferred mode; built from the log when new to a store, rebuilt when its
// version changes, covered by Verify and Rebuild, read through
// Snapshot::TableRows.
//
// Thread-safety: Apply may run on several threads at once (appends, and a
// verify's or rebuild's replay), each with its own ProjectionTx; keep no
// state in the object (everything lives in its tables). Determinism: Apply
// reads only the event and its own tables: no clock, no randomness, no I/O,
// so that a replay of the log gives the same bytes.
// Lifetime: the views a ProjectionTx returns are copies (Values own their
// strings); a ProjectionTx is valid during the Apply call it is given to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "annal/events.h"
#include "annal/export.h"

namespace annal {

// An index of a table, for a query in another order than the key's: the
// rows ordered by `fields` (names of the table's key or other fields, each
// int, str or bool; false before true), then by key. Its own sub-database,
// proj_<projection>.<table>.<index>, kept by Put and Delete in the same
// transaction. A row with a null in an index field is not in that index
// (so "paused tasks waking by T" is an index on an optional wake time).
struct IndexSpec {
  std::string name;                 // [a-z][a-z0-9_]{0,62}, unique in its table
  std::vector<std::string> fields;  // at least one
};

// One table of a projection: an LMDB sub-database named
// proj_<projection>.<table>, ordered by its key fields (strings byte-wise,
// ints numerically, field by field).
struct TableSpec {
  std::string name;
  std::vector<FieldSpec> key;     // at least one
  std::vector<FieldSpec> fields;  // the other fields, in declared order
  std::vector<IndexSpec> indexes;
};

// What Apply reads and writes: its own tables only. A key or a row that
// does not match the table's declaration (a missing or extra value, a wrong
// type, a null where the field is not optional), and an unknown table,
// throw std::invalid_argument, which rejects the batch.
class ANNAL_EXPORT ProjectionTx {
 public:
  // The other fields of the row at `key`, in declared order; nullopt when
  // there is none.
  virtual std::optional<Values> Get(std::string_view table, const Values& key) = 0;
  virtual void Put(std::string_view table, const Values& key, const Values& fields) = 0;
  // False when there was no row at `key`.
  virtual bool Delete(std::string_view table, const Values& key) = 0;

 protected:
  ~ProjectionTx() = default;
};

class ANNAL_EXPORT Projection {
 public:
  virtual ~Projection() = default;
  // [a-z][a-z0-9_]{0,62}, not a built-in projection's name.
  virtual std::string name() const = 0;
  // From 1. A store holding another version rebuilds the projection (blue/
  // green: the old rows stay readable until the new ones are complete).
  virtual uint32_t version() const = 0;
  // At least one; the first is the projection's default table.
  virtual std::vector<TableSpec> tables() const = 0;
  // Applies one logged event (in seq order, after the validator admitted it).
  // Any exception rejects the whole batch it belongs to.
  virtual void Apply(ProjectionTx& tx, const LoggedEvent& event) = 0;
};

// The per-minute chart tables of `series`, a projection annal compiles in
// (docs/projections.md, "series"): each keyed by its bucket's start, an
// event time in µs floored to the minute. Read them with
// Snapshot::TableRows(kSeriesProjection, {.table = ..., .from = ..., .to = ...}).
inline constexpr std::string_view kSeriesProjection = "series";
inline constexpr int64_t kSeriesBucketMicros = 60'000'000;
inline constexpr std::string_view kSeriesTables[] = {"queue", "alarms", "events",
                                                     "appends"};
// The bucket holding event time `ts` (µs).
constexpr int64_t SeriesBucketOf(int64_t ts) {
  return ts / kSeriesBucketMicros * kSeriesBucketMicros -
         (ts % kSeriesBucketMicros < 0 ? kSeriesBucketMicros : 0);
}

// One row of a declared table: its key fields, then its other fields.
struct TableRow {
  Values key;
  Values fields;
  bool operator==(const TableRow&) const = default;
};

// One page of a table, in key order: `next` is the cursor of the next page
// (pass it as `after`), nullopt when no rows follow.
struct TablePage {
  std::vector<TableRow> rows;
  std::optional<std::string> next;
};

}  // namespace annal
