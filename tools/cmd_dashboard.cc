// annal --db DIR dashboard: a one-screen summary of every projection (the
// nine, then each table of those --plugin loaded), read the way a dashboard
// would (from the projections, never the log).
#include <fmt/core.h>

#include <cstdio>
#include <iostream>

#include "annal/jsonl.h"
#include "annal/projection.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

constexpr size_t kSampleRows = 3;

template <class Row>
void Section(const char* title, const Result<std::vector<Row>>& rows) {
  if (!rows.ok()) {
    fmt::print("{:<18} error: {}\n", title, rows.status().ToString());
    return;
  }
  fmt::print("{:<18} {} rows\n", title, rows->size());
  for (size_t i = 0; i < rows->size() && i < kSampleRows; ++i) {
    std::string line;
    AppendJson(line, (*rows)[i]);
    fmt::print("    {}\n", line);
  }
}

// A table of a projection of your own: its row count (LMDB's, without
// reading the rows) and first rows.
void DeclaredSection(const Snapshot& s, const std::string& projection,
                     const TableSpec& table,
                     const std::vector<Snapshot::SubDatabaseSize>& sizes) {
  const std::string title = projection + "." + table.name;
  auto page = s.TableRows(projection, {.table = table.name, .limit = kSampleRows});
  if (!page.ok()) {
    fmt::print("{:<18} error: {}\n", title, page.status().ToString());
    return;
  }
  uint64_t rows = 0;
  for (const auto& z : sizes) {
    if (z.sub_database == "proj_" + title) rows = z.entries;
  }
  fmt::print("{:<18} {} rows\n", title, rows);
  for (const TableRow& row : page->rows) {
    std::string line;
    AppendJson(line, table, row);
    fmt::print("    {}\n", line);
  }
}

int Dashboard(const Globals& g) {
  auto view = OpenForReading(g, "dashboard");
  const Snapshot& s = *view.snapshot;
  auto last = s.LastSeq();
  fmt::print("annal store {}: {} events in the log\n\n", g.db, last.ok() ? *last : 0);
  Section("active tasks", s.ActiveTasks());
  Section("schedules", s.Schedules());
  Section("watchers", s.Watchers());
  Section("rules", s.Rules());
  Section("integrations", s.Integrations());
  Section("approvals", s.Approvals());
  if (auto q = s.QueueDepth(); q.ok()) {
    fmt::print("{:<18} runnable_tasks={} schedule_backlog={} tool_queue_depth={}\n",
               "queue depth", q->runnable_tasks, q->schedule_backlog,
               q->tool_queue_depth);
  }
  if (auto a = s.AutonomyCurrent(); a.ok()) {
    fmt::print("{:<18} level {}\n", "autonomy", a->level);
  }
  Section("autonomy changes", s.AutonomyChanges());
  Section("alarms open", s.AlarmsInState(AlarmState::kOpen));
  Section("alarms acked", s.AlarmsInState(AlarmState::kAcked));
  Section("alarms resolved", s.AlarmsInState(AlarmState::kResolved));
  auto sizes = s.ProjectionSizes();
  for (const auto& p : view.engine->projections()) {
    for (const TableSpec& table : p->tables()) {
      DeclaredSection(s, p->name(), table,
                      sizes.ok() ? *sizes : std::vector<Snapshot::SubDatabaseSize>{});
    }
  }
  return kOk;
}

}  // namespace

Run AddDashboard(CLI::App& app, const Globals& g) {
  app.add_subcommand("dashboard", "print a summary of every projection");
  return [&g] { return Dashboard(g); };
}

}  // namespace annal::cli
