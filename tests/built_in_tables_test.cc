// The nine through the generic reader (projectors/built_in_table.h): each
// built-in table read by Snapshot::TableRows gives, row for row, the JSON
// that Snapshot::Query gives for that projection (the same bytes), in pages
// or whole, through its indexes as through the `due` filter, as of a past
// seq, and through `annal query --table`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> QueryJson(const Snapshot& s, std::string_view name,
                                   QueryOptions o = {}) {
  auto page = s.Query(name, o);
  EXPECT_TRUE(page.ok()) << name << ": " << page.status().ToString();
  if (!page.ok()) return {};
  EXPECT_FALSE(page->next);
  return page->rows;
}

// Every row of a table, `limit` rows a page, as JSON; `pages` counts them.
std::vector<std::string> TableJson(const Snapshot& s, std::string_view name,
                                   Snapshot::TableQuery q, size_t* pages = nullptr) {
  const std::optional<TableSpec> spec = s.Table(name, q.table);
  EXPECT_TRUE(spec) << name << " " << q.table;
  if (!spec) return {};
  std::vector<std::string> rows;
  std::string after;
  for (size_t n = 1;; ++n) {
    q.after = after;
    auto page = s.TableRows(name, q);
    EXPECT_TRUE(page.ok()) << name << ": " << page.status().ToString();
    if (!page.ok()) return rows;
    if (page->next && q.limit) {
      EXPECT_EQ(page->rows.size(), *q.limit);
    }
    for (const TableRow& r : page->rows) AppendJson(rows.emplace_back(), *spec, r);
    if (pages) *pages = n;
    if (!page->next) return rows;
    after = *page->next;
  }
}

using BuiltInTablesTest = WorkloadStoreTest;

// The keyed tables list their rows in key order, as the typed queries do.
const std::pair<const char*, const char*> kKeyedTables[] = {
    {"active_tasks", "tasks"},
    {"schedules", "schedules"},
    {"watchers", "watchers"},
    {"rules", "rules"},
    {"integrations", "integrations"},
    {"approvals", "approvals"},
    {"alarms", "alarms"}};

void ExpectTheQueriesBytes(const Snapshot& s) {
  for (auto [name, table] : kKeyedTables) {
    const auto expected = QueryJson(s, name);
    EXPECT_EQ(TableJson(s, name, {.table = table}), expected) << name;
    // The default table is the first.
    EXPECT_EQ(TableJson(s, name, {}), expected) << name;
  }
  EXPECT_EQ(TableJson(s, "queue_depth", {.table = "counters"}),
            QueryJson(s, "queue_depth"));
  // autonomy_history's query: the current level, then the changes newest first.
  std::vector<std::string> history = QueryJson(s, "autonomy_history");
  ASSERT_FALSE(history.empty());
  EXPECT_THAT(TableJson(s, "autonomy_history", {.table = "current"}),
              ElementsAre(history.front()));
  std::vector<std::string> changes(history.rbegin(), history.rend() - 1);
  EXPECT_EQ(TableJson(s, "autonomy_history", {.table = "changes"}), changes);
}

TEST_F(BuiltInTablesTest, EachTableReadsAsItsProjectionsQueryPrintsIt) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  // The workload touches every projection: nothing here compares empty lists.
  for (auto [name, table] : kKeyedTables) EXPECT_GT(QueryJson(*snap, name).size(), 5u);
  EXPECT_GT(QueryJson(*snap, "autonomy_history").size(), 5u);
  ExpectTheQueriesBytes(*snap);
}

TEST_F(BuiltInTablesTest, PagesOfSevenRowsGiveTheWholeTable) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  for (auto [name, table] : kKeyedTables) {
    size_t pages = 0;
    EXPECT_EQ(TableJson(*snap, name, {.table = table, .limit = 7}, &pages),
              QueryJson(*snap, name))
        << name;
    EXPECT_GT(pages, 1u) << name;
  }
  // The current level's table holds one row: no page follows it, though the
  // changes follow it in the same sub-database.
  size_t pages = 0;
  EXPECT_EQ(TableJson(*snap, "autonomy_history", {.table = "current", .limit = 1}, &pages)
                .size(),
            1u);
  EXPECT_EQ(pages, 1u);
  auto history = QueryJson(*snap, "autonomy_history");
  EXPECT_EQ(TableJson(*snap, "autonomy_history", {.table = "changes", .limit = 3}).size(),
            history.size() - 1);
}

// The times an indexed field holds in the table, sorted.
std::vector<int64_t> TimesOf(const Snapshot& s, std::string_view name,
                             std::string_view field) {
  const std::optional<TableSpec> spec = s.Table(name);
  auto page = s.TableRows(name);
  EXPECT_TRUE(spec && page.ok()) << name;
  std::vector<int64_t> times;
  if (!spec || !page.ok()) return times;
  for (size_t i = 0; i < spec->fields.size(); ++i) {
    if (spec->fields[i].name != field) continue;
    for (const TableRow& r : page->rows) {
      if (auto* t = std::get_if<int64_t>(&r.fields[i])) times.push_back(*t);
    }
  }
  std::sort(times.begin(), times.end());
  return times;
}

// Compares each time index, walked to and from a few of the times it holds,
// with the due filter; adds to `seen` how many times each table held.
void ExpectTheIndexesGiveTheDueFilter(const Snapshot& s,
                                      std::map<std::string, size_t>& seen) {
  const std::tuple<const char*, const char*, const char*> indexed[] = {
      {"active_tasks", "by_wake", "next_wake_time"},
      {"schedules", "by_next_run", "next_run_at"},
      {"approvals", "by_expiry", "expires_at"}};
  for (auto [name, index, field] : indexed) {
    const std::vector<int64_t> times = TimesOf(s, name, field);
    seen[name] += times.size();
    std::vector<int64_t> bounds = {INT64_MIN, INT64_MAX};
    if (!times.empty())
      bounds.insert(bounds.end(), {times.front(), times[times.size() / 2], times.back()});
    for (int64_t t : bounds) {
      QueryOptions due;
      due.due = t;
      EXPECT_EQ(TableJson(s, name, {.limit = 5, .index = index, .to = Value{t}}),
                QueryJson(s, name, due))
          << name << " due " << t;
      // From a bound on: the rows whose time is at or past it.
      const auto rows = TableJson(s, name, {.index = index, .from = Value{t}});
      EXPECT_EQ(rows.size(),
                times.end() - std::lower_bound(times.begin(), times.end(), t))
          << name << " from " << t;
    }
  }
}

TEST_F(BuiltInTablesTest, TheTimeIndexesGiveWhatTheDueFilterGives) {
  std::map<std::string, size_t> seen;
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  ExpectTheIndexesGiveTheDueFilter(*snap, seen);
  for (uint64_t seq : {5000u, 20000u, 60000u, 120000u}) {
    auto past = engine_->ReadAsOf(seq);
    ASSERT_TRUE(past.ok()) << past.status().ToString();
    ExpectTheIndexesGiveTheDueFilter(*past, seen);
  }
  // The stream really exercised each index.
  for (const auto& [name, n] : seen) EXPECT_GE(n, 4u) << name;
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(BuiltInTablesTest, TheDeclarationsNameTheTypedRowsFields) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  const std::optional<TableSpec> tasks = snap->Table("active_tasks");
  ASSERT_TRUE(tasks);
  EXPECT_EQ(tasks->name, "tasks");
  ASSERT_EQ(tasks->key.size(), 1u);
  EXPECT_EQ(tasks->key[0].name, "task_id");
  std::vector<std::string> names;
  for (const FieldSpec& f : tasks->fields) names.push_back(f.name);
  EXPECT_THAT(names,
              ElementsAre("name", "status", "step", "next_wake_time", "updated_at"));
  EXPECT_EQ(tasks->fields[1].type, FieldType::kStr);  // an enum, by its name
  EXPECT_TRUE(tasks->fields[3].optional);
  EXPECT_EQ(tasks->fields[3].type, FieldType::kInt);
  ASSERT_EQ(tasks->indexes.size(), 1u);
  EXPECT_EQ(tasks->indexes[0].name, "by_wake");
  EXPECT_TRUE(snap->Table("queue_depth")->key.empty());
  EXPECT_FALSE(snap->Table("alarms", "nope"));
  auto missing = snap->TableRows("alarms", {.table = "nope"});
  EXPECT_EQ(missing.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(missing.status().message(), "projection alarms has no table nope");
}

TEST_F(BuiltInTablesTest, ACursorOfOneTableIsRefusedByItsNeighbour) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  auto first = snap->TableRows("autonomy_history", {.table = "changes", .limit = 1});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next);
  auto other =
      snap->TableRows("autonomy_history", {.table = "current", .after = *first->next});
  EXPECT_EQ(other.status().code(), Status::Code::kInvalidInput);
}

TEST_F(BuiltInTablesTest, TimeTravelReadsTheTablesAsOfTheSeq) {
  for (uint64_t seq : {1000u, 33333u}) {
    auto past = engine_->ReadAsOf(seq);
    ASSERT_TRUE(past.ok()) << past.status().ToString();
    ExpectTheQueriesBytes(*past);
  }
}

TEST_F(BuiltInTablesTest, TheCommandPrintsATableAsTheQueryDoes) {
  const std::string cli = AnnalCli() + " --db " + dir_->Sub("store") + " query ";
  auto plain = RunShell(cli + "approvals");
  auto table = RunShell(cli + "approvals --table approvals");
  ASSERT_EQ(plain.exit_code, 0);
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_GT(plain.out.size(), 100u);
  EXPECT_EQ(table.out, plain.out);
  auto due = RunShell(cli + "approvals --due 1700050000000000");
  auto index = RunShell(cli + "approvals --index by_expiry --to 1700050000000000");
  EXPECT_EQ(index.exit_code, 0);
  EXPECT_EQ(index.out, due.out);
  auto both = RunShell(cli + "approvals --table approvals --due 5 2>&1");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_THAT(both.out, HasSubstr("do not go with --table"));
}

}  // namespace
}  // namespace annal::testing
