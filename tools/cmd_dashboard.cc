// annal --db DIR dashboard: a one-screen summary of every projection (the
// nine, then each table of those --plugin loaded), read the way a dashboard
// would (from the projections, never the log): each table's row count, as
// LMDB counts it (Snapshot::ProjectionSizes), and its first rows.
#include <fmt/core.h>

#include <cstdio>
#include <iostream>

#include "annal/jsonl.h"
#include "annal/projection.h"
#include "annal/query.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

constexpr size_t kSampleRows = 3;
using Sizes = std::vector<Snapshot::SubDatabaseSize>;

uint64_t RowsOf(const Sizes& sizes, const std::string& sub_database) {
  for (const auto& z : sizes) {
    if (z.sub_database == sub_database) return z.entries;
  }
  return 0;
}

// How many rows a state-filtered query of `name` gives, for each state.
std::string CountsByState(const Snapshot& s, std::string_view name) {
  std::string out;
  for (std::string_view state : EnumNames<AlarmState>::kNames) {
    QueryOptions q;
    q.state = ParseAlarmState(state);
    q.limit = 1000;
    size_t n = 0;
    for (;;) {
      auto page = s.Query(name, q);
      if (!page.ok()) return page.status().ToString();
      n += page->rows.size();
      if (!page->next) break;
      q.after = *page->next;
    }
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, state);
  }
  return out;
}

void BuiltInSection(const Snapshot& s, std::string_view name, const Sizes& sizes) {
  QueryOptions q;
  q.limit = kSampleRows;
  auto page = s.Query(name, q);
  if (!page.ok()) {
    fmt::print("{:<18} error: {}\n", name, page.status().ToString());
    return;
  }
  fmt::print("{:<18} {} rows", name, RowsOf(sizes, "proj_" + std::string(name)));
  if (FiltersOf(name).state) fmt::print(" ({})", CountsByState(s, name));
  fmt::print("\n");
  for (const std::string& row : page->rows) fmt::print("    {}\n", row);
}

// A table of a projection of your own.
void DeclaredSection(const Snapshot& s, const std::string& projection,
                     const TableSpec& table, const Sizes& sizes) {
  const std::string title = projection + "." + table.name;
  auto page = s.TableRows(projection, {.table = table.name, .limit = kSampleRows});
  if (!page.ok()) {
    fmt::print("{:<18} error: {}\n", title, page.status().ToString());
    return;
  }
  fmt::print("{:<18} {} rows\n", title, RowsOf(sizes, "proj_" + title));
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
  auto sizes = s.ProjectionSizes();
  if (!sizes.ok()) return Report("dashboard", sizes.status());
  for (std::string_view name : kProjections) BuiltInSection(s, name, *sizes);
  for (const auto& p : view.engine->projections()) {
    for (const TableSpec& table : p->tables())
      DeclaredSection(s, p->name(), table, *sizes);
  }
  return kOk;
}

}  // namespace

static Run AddDashboard(CLI::App& app, const Globals& g) {
  app.add_subcommand("dashboard", "print a summary of every projection");
  return [&g] { return Dashboard(g); };
}

ANNAL_COMMAND("dashboard", AddDashboard);

}  // namespace annal::cli
