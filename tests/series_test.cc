// The chart tables of `series` (projectors/series.cc) against a model of
// the generated stream: events per type and per minute, alarms per severity
// raised, acked and resolved, the queue's last and largest depth in each
// minute, whose last value equals proj_queue_depth's counters. Bounds on
// the bucket; verify, rebuild, time travel.
#include <gmock/gmock.h>

#include <map>

#include "annal/projection.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using Rows = std::map<Values, Values>;  // key -> fields

// What each table should hold, computed event by event with maps.
struct Model {
  Rows queue, alarms, events, appends;
  std::set<std::string> queued;
  std::map<std::string, int64_t> waiting;
  std::map<std::string, std::string> severity;
  int64_t depth[3] = {0, 0, 0};

  void Count(Rows& rows, const Values& key, size_t at, size_t width) {
    Values& r = rows.try_emplace(key, Values(width, int64_t{0})).first->second;
    r[at] = std::get<int64_t>(r[at]) + 1;
  }
  void Depth(int64_t b, size_t which, int64_t delta) {
    if (delta == 0) return;
    depth[which] += delta;
    auto [it, fresh] = queue.try_emplace({b}, Values{});
    if (fresh)
      for (int64_t d : depth) it->second.insert(it->second.end(), {d, d});
    it->second[2 * which] = depth[which];
    it->second[2 * which + 1] =
        std::max(std::get<int64_t>(it->second[2 * which + 1]), depth[which]);
  }
  void Add(const Event& ev) {
    const int64_t b = SeriesBucketOf(*ev.ts);
    Count(appends, {b}, 0, 1);
    Count(events, {b, std::string(ev.type())}, 0, 1);
    if (auto* e = std::get_if<TaskCreated>(&ev.body)) {
      queued.insert(e->task_id);
      Depth(b, 0, 1);
    } else if (auto* e = std::get_if<TaskStatusChanged>(&ev.body)) {
      const bool was = queued.contains(e->task_id), is = e->status == TaskStatus::kQueued;
      if (was != is) {
        is ? (void)queued.insert(e->task_id) : (void)queued.erase(e->task_id);
        Depth(b, 0, is ? 1 : -1);
      }
    } else if (auto* e = std::get_if<ScheduleRunDue>(&ev.body)) {
      ++waiting[e->schedule_id];
      Depth(b, 1, 1);
    } else if (auto* e = std::get_if<ScheduleRunStarted>(&ev.body)) {
      --waiting[e->schedule_id];
      Depth(b, 1, -1);
    } else if (auto* e = std::get_if<ScheduleRunMissed>(&ev.body)) {
      --waiting[e->schedule_id];
      Depth(b, 1, -1);
    } else if (auto* e = std::get_if<ScheduleDeleted>(&ev.body)) {
      Depth(b, 1, -waiting[e->schedule_id]);
      waiting.erase(e->schedule_id);
    } else if (std::holds_alternative<ToolCallQueued>(ev.body)) {
      Depth(b, 2, 1);
    } else if (std::holds_alternative<ToolCallStarted>(ev.body)) {
      Depth(b, 2, -1);
    } else if (auto* e = std::get_if<AlarmRaised>(&ev.body)) {
      severity[e->alarm_id] = std::string(NameOf(e->severity));
      Count(alarms, {b, severity[e->alarm_id]}, 0, 3);
    } else if (auto* e = std::get_if<AlarmAcked>(&ev.body)) {
      Count(alarms, {b, severity.at(e->alarm_id)}, 1, 3);
    } else if (auto* e = std::get_if<AlarmResolved>(&ev.body)) {
      Count(alarms, {b, severity.at(e->alarm_id)}, 2, 3);
    }
  }
};

Rows Read(const Snapshot& snap, std::string_view table, std::optional<Value> from = {},
          std::optional<Value> to = {}) {
  auto page = snap.TableRows(kSeriesProjection, {.table = table, .from = from, .to = to});
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  Rows rows;
  for (TableRow& r : page->rows) rows[r.key] = r.fields;
  EXPECT_FALSE(page->next);
  return rows;
}

TEST(Series, EveryChartTableMatchesAModelOfTheStream) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Workload w({.seed = 21});
  Model model;
  for (int batch = 0; batch < 20; ++batch) {
    auto events = w.Take(1000);
    ASSERT_TRUE(e->Append(events).ok());
    for (const Event& ev : events) model.Add(ev);
  }
  auto snap = e->Read();
  EXPECT_EQ(Read(*snap, "queue"), model.queue);
  EXPECT_EQ(Read(*snap, "alarms"), model.alarms);
  EXPECT_EQ(Read(*snap, "events"), model.events);
  EXPECT_EQ(Read(*snap, "appends"), model.appends);
  EXPECT_GT(model.queue.size(), 20u);
  EXPECT_EQ(model.alarms.size() > 0 && model.events.size() > model.appends.size(), true);
  // The last minute's depths are the queue_depth projection's counters.
  const Values& last = model.queue.rbegin()->second;
  auto counters = snap->QueueDepth();
  EXPECT_EQ(std::get<int64_t>(last[0]), int64_t(counters->runnable_tasks));
  EXPECT_EQ(std::get<int64_t>(last[2]), int64_t(counters->schedule_backlog));
  EXPECT_EQ(std::get<int64_t>(last[4]), int64_t(counters->tool_queue_depth));
  // A window of buckets, inclusive at both ends.
  auto it = model.appends.begin();
  std::advance(it, 3);
  const Value from = it->first[0];
  std::advance(it, 4);
  const Value to = it->first[0];
  Rows window = Read(*snap, "appends", from, to);
  ASSERT_EQ(window.size(), 5u);
  EXPECT_EQ(window.begin()->first[0], from);
  EXPECT_EQ(window.rbegin()->first[0], to);
  EXPECT_EQ(Read(*snap, "events", from, from).size(),
            size_t(std::count_if(model.events.begin(), model.events.end(),
                                 [&](const auto& r) { return r.first[0] == from; })));
  // A bound of the wrong type is refused.
  auto wrong = snap->TableRows(kSeriesProjection, {.table = "queue", .from = Value{"x"}});
  EXPECT_EQ(wrong.status().code(), Status::Code::kInvalidInput);
}

TEST(Series, VerifiesRebuildsAndTravelsInTime) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Workload w({.seed = 22});
  Model half;
  ASSERT_TRUE(e->Append(w.Take(3000)).ok());
  const uint64_t at = *e->Read()->LastSeq();
  {
    Workload again({.seed = 22});
    for (const Event& ev : again.Take(3000)) half.Add(ev);
  }
  ASSERT_TRUE(e->Append(w.Take(3000)).ok());
  auto report = e->Verify();
  ASSERT_TRUE(report.ok());
  bool covered = false;
  for (const ProjectionCheck& c : report->projections)
    covered = covered || (c.projection == "series" && c.rows_live > 0 && c.identical);
  EXPECT_TRUE(covered);
  const Rows before = Read(*e->Read(), "queue");
  ASSERT_TRUE(e->Rebuild().ok());
  EXPECT_EQ(Read(*e->Read(), "queue"), before);
  auto then = e->ReadAsOf(at);
  ASSERT_TRUE(then.ok()) << then.status().ToString();
  EXPECT_EQ(Read(*then, "queue"), half.queue);
  EXPECT_EQ(Read(*then, "events"), half.events);
}

}  // namespace
}  // namespace annal::testing
