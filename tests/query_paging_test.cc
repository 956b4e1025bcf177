// Snapshot::Query pages, cursors and time travel (Engine::ReadAsOf): paging
// with a small limit through every query gives exactly the unpaged rows;
// cursors are refused for another query or store; and the view as of seq N
// answers every query as a store built from the first N events does.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

struct Variant {
  std::string name;
  QueryOptions options;
  std::string Label() const {
    return name + (options.due ? " due " + std::to_string(*options.due) : "") +
           (options.state ? " state " + std::string(NameOf(*options.state)) : "");
  }
};

std::vector<Variant> EveryVariant() {
  std::vector<Variant> v;
  for (std::string_view n : kProjections) v.push_back({std::string(n), {}});
  for (const char* n : {"active_tasks", "schedules", "approvals"}) {
    for (int64_t t : {INT64_MIN, int64_t{1'700'000'500'000'000},
                      int64_t{1'700'050'000'000'000}, INT64_MAX}) {
      Variant x{n, {}};
      x.options.due = t;
      v.push_back(x);
    }
  }
  for (AlarmState st : {AlarmState::kOpen, AlarmState::kAcked, AlarmState::kResolved}) {
    Variant x{"alarms", {}};
    x.options.state = st;
    v.push_back(x);
  }
  return v;
}

// Every row of one query, a page of `limit` rows at a time.
std::vector<std::string> AllPages(const Snapshot& s, const Variant& v, size_t limit,
                                  size_t* pages = nullptr) {
  std::vector<std::string> rows;
  QueryOptions o = v.options;
  o.limit = limit;
  for (size_t n = 1;; ++n) {
    auto page = s.Query(v.name, o);
    EXPECT_TRUE(page.ok()) << v.Label() << ": " << page.status().ToString();
    if (!page.ok()) return rows;
    EXPECT_LE(page->rows.size(), limit);
    if (page->next) {
      EXPECT_EQ(page->rows.size(), limit) << v.Label();
    }
    rows.insert(rows.end(), page->rows.begin(), page->rows.end());
    if (pages) *pages = n;
    if (!page->next) return rows;
    o.after = *page->next;
  }
}

std::string AllVariantsJson(const Snapshot& s) {
  std::string out;
  for (const Variant& v : EveryVariant()) {
    out += "# " + v.Label() + "\n";
    for (const std::string& row : AllPages(s, v, SIZE_MAX)) out += row + "\n";
  }
  return out;
}

using QueryPagingTest = WorkloadStoreTest;

TEST_F(QueryPagingTest, PagesOfSevenRowsGiveExactlyTheUnpagedRows) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  size_t multi_page = 0;
  for (const Variant& v : EveryVariant()) {
    auto whole = snap->Query(v.name, v.options);
    ASSERT_TRUE(whole.ok()) << v.Label();
    EXPECT_FALSE(whole->next) << v.Label();
    size_t pages = 0;
    EXPECT_EQ(AllPages(*snap, v, 7, &pages), whole->rows) << v.Label();
    if (pages > 1) ++multi_page;
  }
  // The store is big enough that most queries really page.
  EXPECT_GE(multi_page, 12u);
}

TEST_F(QueryPagingTest, TheUnpagedQueryPrintsWhatTheTypedCallsReturn) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  auto tasks = snap->ActiveTasks();
  ASSERT_TRUE(tasks.ok());
  auto page = snap->Query("active_tasks");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->rows.size(), tasks->size());
  for (size_t i = 0; i < tasks->size(); ++i) {
    std::string json;
    AppendJson(json, (*tasks)[i]);
    EXPECT_EQ(page->rows[i], json);
  }
}

TEST_F(QueryPagingTest, ACursorIsRefusedForAnotherQueryOrWhenAltered) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  QueryOptions o;
  o.limit = 3;
  auto first = snap->Query("active_tasks", o);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next);
  o.after = *first->next;
  EXPECT_TRUE(snap->Query("active_tasks", o).ok());
  EXPECT_EQ(snap->Query("schedules", o).status().code(), Status::Code::kInvalidInput);
  QueryOptions due = o;
  due.due = 0;
  EXPECT_EQ(snap->Query("active_tasks", due).status().code(),
            Status::Code::kInvalidInput);
  for (std::string bad :
       {std::string("zz"), std::string(""), o.after.substr(2), o.after + "00"}) {
    if (bad.empty()) continue;
    QueryOptions b = o;
    b.after = bad;
    EXPECT_EQ(snap->Query("active_tasks", b).status().code(), Status::Code::kInvalidInput)
        << bad;
  }
  std::string flipped = o.after;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == '0' ? '1' : '0';
  o.after = flipped;
  EXPECT_EQ(snap->Query("active_tasks", o).status().code(), Status::Code::kInvalidInput);
}

TEST_F(QueryPagingTest, ACursorStaysValidAcrossAppends) {
  QueryOptions o;
  o.limit = 5;
  std::string cursor;
  {
    auto snap = engine_->Read();
    ASSERT_TRUE(snap.ok());
    auto page = snap->Query("alarms", o);
    ASSERT_TRUE(page.ok() && page->next);
    cursor = *page->next;
  }
  Event ev =
      At(1'800'000'000'000'000, AlarmRaised{"zz-late-alarm", Severity::kInfo, "t", "m"});
  ASSERT_TRUE(engine_->Append(ev).ok());
  auto snap = engine_->Read();
  o.after = cursor;
  auto page = snap->Query("alarms", o);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->rows.size(), 5u);
}

TEST_F(QueryPagingTest, OptionsAProjectionDoesNotTakeAreRefused) {
  auto snap = engine_->Read();
  ASSERT_TRUE(snap.ok());
  QueryOptions due;
  due.due = 1;
  EXPECT_EQ(snap->Query("alarms", due).status().code(), Status::Code::kInvalidInput);
  QueryOptions state;
  state.state = AlarmState::kOpen;
  EXPECT_EQ(snap->Query("rules", state).status().code(), Status::Code::kInvalidInput);
  QueryOptions zero;
  zero.limit = 0;
  EXPECT_EQ(snap->Query("rules", zero).status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(snap->Query("nope").status().code(), Status::Code::kInvalidInput);
}

TEST(TimeTravel, AsOfSeqEqualsAFreshStoreOfTheFirstSeqEvents) {
  TempDir dir;
  Options o;
  o.sync = false;
  Workload w({.seed = 7});
  std::vector<Event> events = w.Take(30000);
  auto whole = MustOpen(dir.Sub("whole"), o);
  ASSERT_TRUE(whole->Append(events).ok());
  for (uint64_t seq :
       {uint64_t{0}, uint64_t{1}, uint64_t{977}, uint64_t{12345}, uint64_t{30000}}) {
    auto fresh = MustOpen(dir.Sub("first-" + std::to_string(seq)), o);
    if (seq > 0) {
      ASSERT_TRUE(fresh->Append(std::span(events).first(seq)).ok());
    }
    auto past = whole->ReadAsOf(seq);
    ASSERT_TRUE(past.ok()) << past.status().ToString();
    auto now = fresh->Read();
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(AllVariantsJson(*past), AllVariantsJson(*now)) << "as of " << seq;
    EXPECT_EQ(*past->LastSeq(), seq);
    EXPECT_EQ(*past->ProjectedSeq(), seq);
    EXPECT_EQ(*past->ProjectionFingerprints(), *now->ProjectionFingerprints());
  }
  EXPECT_EQ(whole->ReadAsOf(30001).status().code(), Status::Code::kInvalidInput);
}

TEST(ChangeNotification, FingerprintsNameTheProjectionsACommitChanged) {
  TempDir dir;
  auto engine = MustOpen(dir.Sub("store"));
  auto before = engine->Read()->ProjectionFingerprints();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(
      engine->Append(At(1, AlarmRaised{"a1", Severity::kCritical, "s", "m"})).ok());
  auto after = engine->Read()->ProjectionFingerprints();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(ChangedProjections(*before, *after),
            (std::vector<std::string>{"alarms", "audit_trail", "series"}));
  EXPECT_TRUE(ChangedProjections(*after, *after).empty());
}

TEST(ChangeNotification, WaitForCommitReturnsOnceTheHeadPassesOrOnTimeout) {
  TempDir dir;
  auto engine = MustOpen(dir.Sub("store"));
  auto head = engine->WaitForCommit(0, 20);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, 0u);  // timed out: no commit yet
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(engine->Append(At(1, AlarmRaised{"a1", Severity::kInfo, "s", "m"})).ok());
  });
  head = engine->WaitForCommit(0, 10000);
  writer.join();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, 1u);
}

}  // namespace
}  // namespace annal::testing
