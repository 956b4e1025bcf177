// annal/query.h: projections by name, queried a page at a time, as the JSON
// rows `annal query` prints. This is what the HTTP API, the CLI and the
// Python module call, so that all of them answer with the same bytes. The
// typed calls of annal/snapshot.h return whole lists; these page.
//
// Thread-safety: plain values and pure functions. A QueryPage owns its
// strings: it stays valid after the Snapshot that produced it is gone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "annal/export.h"
#include "annal/rows.h"

namespace annal {

// The projections, named as in `annal query NAME` and /v1/projections/NAME.
inline constexpr std::array<std::string_view, 9> kProjections = {
    "active_tasks", "schedules",   "watchers",         "rules", "integrations",
    "approvals",    "queue_depth", "autonomy_history", "alarms"};
// Whether `name` is one of the nine (else it may be a projection of your own).
constexpr bool IsBuiltInProjection(std::string_view name) {
  for (std::string_view p : kProjections) {
    if (p == name) return true;
  }
  return false;
}

// The filters a built-in projection's query takes besides paging, as
// Snapshot::Query checks them, /v1/projections lists them and the page
// offers them: `due` (rows due by a time: paused active tasks by wake time,
// enabled schedules by next run, pending approvals by expiry) and `state`
// (alarms by state).
struct QueryFilters {
  bool due = false;
  bool state = false;
};
constexpr QueryFilters FiltersOf(std::string_view name) {
  return {.due = name == "active_tasks" || name == "schedules" || name == "approvals",
          .state = name == "alarms"};
}

struct QueryOptions {
  // Only rows due at or before this time (µs): paused active tasks by wake
  // time, enabled schedules by next_run_at, pending approvals by expires_at.
  // Valid for active_tasks, schedules and approvals only.
  std::optional<int64_t> due;
  // Only alarms in this state (alarms only).
  std::optional<AlarmState> state;
  // Rows per page, at least 1.
  size_t limit = SIZE_MAX;
  // A QueryPage::next from an earlier page of the same projection, `due`,
  // `state` and as-of seq; empty for the first page. Cursors name the last
  // row's key, not a position: a page continues after that key in the rows as
  // of the snapshot it is read from, however the store changed meanwhile.
  std::string after;
};

struct QueryPage {
  std::vector<std::string> rows;    // each row's JSON object, no newline
  std::optional<std::string> next;  // cursor of the next page; none when no rows follow
};

// "open", "acked", "resolved" (EnumNames<AlarmState>); nullopt otherwise.
ANNAL_EXPORT std::optional<AlarmState> ParseAlarmState(std::string_view name);

// Projection fingerprints by name: the nine in kProjections order, then the
// projections of your own the engine holds (Options::projections order).
// Equal fingerprints mean equal rows (a 128-bit running digest of each
// projection's tables folded to 64 bits; docs/format.md). Cheap to read at
// any commit.
using Fingerprints = std::vector<std::pair<std::string, uint64_t>>;
// The names in `after` whose fingerprints differ from, or are missing in,
// `before`, in `after`'s order.
ANNAL_EXPORT std::vector<std::string> ChangedProjections(const Fingerprints& before,
                                                         const Fingerprints& after);

}  // namespace annal
