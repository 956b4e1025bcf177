// Indexes of declared tables (annal/projection.h, IndexSpec): rows in index
// order against a model of the same generated stream, bounds on the first
// field, paging, a row's entries moved when it changes and removed when it
// goes, verify naming a tampered index, and unsound indexes refused.
#include <gmock/gmock.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "annal/engine.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// Each call: its tool, and when it finished (null while it runs). A call
// that failed is deleted. Indexed by tool and by finish time.
class CallIndex : public Projection {
 public:
  std::string name() const override { return "call_index"; }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {{"calls",
             {{"call_id", FieldType::kStr}},
             {{"tool", FieldType::kStr}, {"finished", FieldType::kInt, true}},
             {{"by_tool", {"tool"}}, {"by_finished", {"finished", "tool"}}}}};
  }
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body)) {
      tx.Put("calls", {q->call_id}, {q->tool, std::monostate{}});
    } else if (auto* f = std::get_if<ToolCallFinished>(&ev.event.body)) {
      if (f->outcome != CallOutcome::kOk) {
        tx.Delete("calls", {f->call_id});
        return;
      }
      auto row = tx.Get("calls", {f->call_id});
      if (!row) return;
      (*row)[1] = *ev.event.ts;
      tx.Put("calls", {f->call_id}, *row);
    }
  }
};

struct Call {
  std::string tool;
  std::optional<int64_t> finished;
};

std::map<std::string, Call> Model(const std::vector<Event>& events) {
  std::map<std::string, Call> calls;
  for (const Event& ev : events) {
    if (auto* q = std::get_if<ToolCallQueued>(&ev.body)) {
      calls[q->call_id] = {q->tool, std::nullopt};
    } else if (auto* f = std::get_if<ToolCallFinished>(&ev.body)) {
      if (f->outcome != CallOutcome::kOk) {
        calls.erase(f->call_id);
      } else if (auto it = calls.find(f->call_id); it != calls.end()) {
        it->second.finished = *ev.ts;
      }
    }
  }
  return calls;
}

Options With(std::shared_ptr<Projection> p) {
  Options o;
  o.projections = {std::move(p)};
  return o;
}

std::vector<std::string> Ids(const std::vector<TableRow>& rows) {
  std::vector<std::string> ids;
  for (const TableRow& r : rows) ids.push_back(std::get<std::string>(r.key[0]));
  return ids;
}

std::vector<TableRow> AllPages(const Snapshot& snap, Snapshot::TableQuery q) {
  std::vector<TableRow> rows;
  std::string after;
  for (;;) {
    q.after = after;
    auto page = snap.TableRows("call_index", q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return rows;
    rows.insert(rows.end(), page->rows.begin(), page->rows.end());
    if (!page->next) return rows;
    after = *page->next;
  }
}

class DeclaredIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MustOpen(dir_.Sub("s"), With(std::make_shared<CallIndex>()));
    Workload w({.seed = 12});
    for (int i = 0; i < 8; ++i) {
      auto batch = w.Take(500);
      ASSERT_TRUE(engine_->Append(batch).ok());
      events_.insert(events_.end(), batch.begin(), batch.end());
    }
    model_ = Model(events_);
    ASSERT_GT(model_.size(), 20u);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::vector<Event> events_;
  std::map<std::string, Call> model_;
};

TEST_F(DeclaredIndex, RowsComeInIndexOrderThenKeyOrder) {
  std::set<std::tuple<std::string, std::string>> by_tool;
  std::set<std::tuple<int64_t, std::string, std::string>> by_finished;
  for (const auto& [id, c] : model_) {
    by_tool.insert({c.tool, id});
    if (c.finished) by_finished.insert({*c.finished, c.tool, id});
  }
  ASSERT_FALSE(by_finished.empty());
  ASSERT_LT(by_finished.size(), model_.size()) << "some calls still run";
  auto snap = engine_->Read();
  std::vector<std::string> want;
  for (const auto& [tool, id] : by_tool) want.push_back(id);
  EXPECT_EQ(Ids(AllPages(*snap, {.limit = 7, .index = "by_tool"})), want);
  want.clear();
  for (const auto& [t, tool, id] : by_finished) want.push_back(id);
  auto finished = AllPages(*snap, {.limit = 5, .index = "by_finished"});
  EXPECT_EQ(Ids(finished), want);
  for (const TableRow& r : finished) {
    EXPECT_EQ(std::get<int64_t>(r.fields[1]),
              *model_.at(std::get<std::string>(r.key[0])).finished);
  }
  auto report = engine_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->identical());
}

TEST_F(DeclaredIndex, SizesCountEachTableAndIndexWithoutReadingThem) {
  size_t finished = 0;
  for (const auto& [id, c] : model_) finished += c.finished.has_value();
  auto snap = engine_->Read();
  auto sizes = snap->ProjectionSizes();
  ASSERT_TRUE(sizes.ok()) << sizes.status().ToString();
  std::map<std::string, Snapshot::SubDatabaseSize> by_db;
  for (const auto& z : *sizes) by_db[z.sub_database] = z;
  auto entries = [&](const std::string& db, const std::string& projection,
                     const std::string& role) -> uint64_t {
    auto it = by_db.find(db);
    if (it == by_db.end()) {
      ADD_FAILURE() << db << " missing";
      return 0;
    }
    EXPECT_EQ(it->second.projection, projection) << db;
    EXPECT_EQ(it->second.role, role) << db;
    if (it->second.entries > 0) {
      EXPECT_GT(it->second.bytes, 0u) << db;
    }
    return it->second.entries;
  };
  EXPECT_EQ(entries("proj_call_index.calls", "call_index", "table"), model_.size());
  EXPECT_EQ(entries("proj_call_index.calls.by_tool", "call_index", "index"),
            model_.size());
  EXPECT_EQ(entries("proj_call_index.calls.by_finished", "call_index", "index"),
            finished);
  // The built-in ones are there too, counted the same way.
  EXPECT_EQ(entries("proj_alarms", "alarms", "table"), snap->Alarms()->size());
  EXPECT_EQ(entries("proj_watchers", "watchers", "table"), snap->Watchers()->size());
  EXPECT_EQ(by_db.at("aux_alarms_evicted").role, "state");
}

TEST_F(DeclaredIndex, BoundsSelectARangeOfTheFirstField) {
  auto snap = engine_->Read();
  const std::string tool = model_.begin()->second.tool;
  std::vector<std::string> want;
  for (const auto& [id, c] : model_) {
    if (c.tool == tool) want.push_back(id);
  }
  EXPECT_EQ(
      Ids(AllPages(*snap, {.limit = 3, .index = "by_tool", .from = tool, .to = tool})),
      want);
  // "Finished by T": every finished call up to the median finish time.
  std::vector<int64_t> times;
  for (const auto& [id, c] : model_) {
    if (c.finished) times.push_back(*c.finished);
  }
  std::sort(times.begin(), times.end());
  const int64_t t = times[times.size() / 2];
  auto by = AllPages(*snap, {.limit = 4, .index = "by_finished", .to = Value{t}});
  size_t expected =
      std::count_if(times.begin(), times.end(), [&](int64_t x) { return x <= t; });
  EXPECT_EQ(by.size(), expected);
  for (const TableRow& r : by) EXPECT_LE(std::get<int64_t>(r.fields[1]), t);
  // A page that ends at the bound has no next page.
  auto exact = snap->TableRows(
      "call_index", {.limit = expected, .index = "by_finished", .to = Value{t}});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->rows.size(), expected);
  EXPECT_FALSE(exact->next.has_value());
  auto after = AllPages(*snap, {.index = "by_finished", .from = Value{t + 1}});
  EXPECT_EQ(by.size() + after.size(), times.size());
}

TEST_F(DeclaredIndex, BadQueriesAreRefused) {
  auto snap = engine_->Read();
  auto no_index = snap->TableRows("call_index", {.index = "nope"});
  ASSERT_FALSE(no_index.ok());
  EXPECT_THAT(no_index.status().message(), HasSubstr("no index nope"));
  EXPECT_FALSE(snap->TableRows("call_index", {.from = Value{int64_t{1}}}).ok());
  auto wrong =
      snap->TableRows("call_index", {.index = "by_tool", .to = Value{int64_t{1}}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("an index bound is int"));
  // A cursor of the index is not one of the table, nor of other bounds.
  auto page = snap->TableRows("call_index", {.limit = 2, .index = "by_tool"});
  ASSERT_TRUE(page.ok() && page->next);
  EXPECT_FALSE(snap->TableRows("call_index", {.after = *page->next}).ok());
  EXPECT_FALSE(snap->TableRows("call_index", {.after = *page->next,
                                              .index = "by_tool",
                                              .from = Value{std::string("a")}})
                   .ok());
}

TEST_F(DeclaredIndex, VerifyNamesATamperedIndexEntry) {
  engine_.reset();
  {
    RawStore raw(dir_.Sub("s"));
    ASSERT_TRUE(raw.DeleteFirst("proj_call_index.calls.by_tool"));
    raw.Commit();
  }
  engine_ = MustOpen(dir_.Sub("s"), With(std::make_shared<CallIndex>()));
  auto report = engine_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->identical());
  bool named = false;
  for (const auto& check : report->projections) {
    if (check.projection != "call_index") continue;
    ASSERT_EQ(check.differences.size(), 1u);
    EXPECT_EQ(check.differences[0].sub_database, "proj_call_index.calls.by_tool");
    EXPECT_EQ(check.differences[0].what, "missing from the live store");
    EXPECT_THAT(check.differences[0].key, HasSubstr("call_id"));
    named = true;
  }
  EXPECT_TRUE(named);
  ASSERT_TRUE(engine_->Rebuild().ok());
  EXPECT_TRUE(engine_->Verify()->identical());
}

TEST(DeclaredIndexDeclaration, UnsoundIndexesAreRefused) {
  struct Bad : CallIndex {
    IndexSpec ix;
    explicit Bad(IndexSpec i) : ix(std::move(i)) {}
    std::string name() const override { return "bad_index"; }
    std::vector<TableSpec> tables() const override {
      return {{"t",
               {{"id", FieldType::kStr}},
               {{"x", FieldType::kFloat}, {"y", FieldType::kInt}},
               {ix}}};
    }
  };
  TempDir dir;
  for (const auto& [ix, why] : std::vector<std::pair<IndexSpec, std::string>>{
           {{"by_x", {"x"}}, "is a float"},
           {{"by_z", {"z"}}, "has no field z"},
           {{"by_y", {}}, "has no field"},
           {{"by_y", {"y", "y"}}, "given twice"},
           {{"By", {"y"}}, "an index's name"}}) {
    auto e = Engine::Open(dir.Sub("s"), With(std::make_shared<Bad>(ix)));
    ASSERT_FALSE(e.ok()) << ix.name;
    EXPECT_THAT(e.status().message(), HasSubstr(why));
  }
}

}  // namespace
}  // namespace annal::testing
