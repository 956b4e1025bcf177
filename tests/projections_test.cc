// The field rules of every projection (docs/events.md, "Field rules"), read
// back through the Snapshot API and compared as the JSON rows users see.
#include <gmock/gmock.h>

#include "annal/jsonl.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

class ProjectionsTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = MustOpen(dir_.Sub("store")); }

  // Appends with ts = `ts` (and actor when given), expecting acceptance.
  void At(int64_t ts, Event ev, std::optional<std::string> actor = {}) {
    ev.ts = ts;
    ev.actor = std::move(actor);
    auto r = engine_->Append(ev);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  template <class Row>
  static std::string Lines(const Result<std::vector<Row>>& rows) {
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::string out;
    if (!rows.ok()) return out;
    for (const Row& r : *rows) {
      AppendJson(out, r);
      out += '\n';
    }
    return out;
  }
  template <class Row>
  static std::string Line(const Result<std::optional<Row>>& row) {
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !row->has_value()) return "absent";
    std::string out;
    AppendJson(out, **row);
    return out;
  }
  template <class Row>
  static std::string Line(const Result<Row>& row) {
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    std::string out;
    if (row.ok()) AppendJson(out, *row);
    return out;
  }
  Snapshot Snap() {
    auto s = engine_->Read();
    EXPECT_TRUE(s.ok());
    return std::move(s.value());
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ProjectionsTest, ActiveTasksHoldRunningAndPausedTasks) {
  At(10, TaskCreated{"t1", "backup", "init"});
  EXPECT_EQ(Lines(Snap().ActiveTasks()), "") << "a queued task is not active";
  At(20, TaskStatusChanged{"t1", TaskStatus::kRunning});
  EXPECT_EQ(
      Line(Snap().ActiveTask("t1")),
      R"({"task_id":"t1","name":"backup","status":"running","step":"init","next_wake_time":null,"updated_at":20})")
      << "step kept from task_created";
  At(30, TaskStepAdvanced{"t1", "copy"});
  At(40, TaskStatusChanged{"t1", TaskStatus::kPaused, std::nullopt, 500});
  EXPECT_EQ(
      Line(Snap().ActiveTask("t1")),
      R"({"task_id":"t1","name":"backup","status":"paused","step":"copy","next_wake_time":500,"updated_at":40})");
  At(50, TaskStatusChanged{"t1", TaskStatus::kRunning, "verify", 900});
  EXPECT_EQ(
      Line(Snap().ActiveTask("t1")),
      R"({"task_id":"t1","name":"backup","status":"running","step":"verify","next_wake_time":null,"updated_at":50})")
      << "next_wake_time is null whenever the status is not paused";
  At(60, TaskStatusChanged{"t1", TaskStatus::kPaused});
  EXPECT_EQ(
      Line(Snap().ActiveTask("t1")),
      R"({"task_id":"t1","name":"backup","status":"paused","step":"verify","next_wake_time":null,"updated_at":60})")
      << "a pause without a wake time clears the earlier one";
  At(70, TaskStatusChanged{"t1", TaskStatus::kQueued});
  EXPECT_EQ(Line(Snap().ActiveTask("t1")), "absent") << "queued again: not active";
  At(80, TaskStepAdvanced{"t1", "retry"});
  At(90, TaskStatusChanged{"t1", TaskStatus::kRunning});
  EXPECT_EQ(
      Line(Snap().ActiveTask("t1")),
      R"({"task_id":"t1","name":"backup","status":"running","step":"retry","next_wake_time":null,"updated_at":90})")
      << "a step advanced while queued is kept";
  At(100, TaskStatusChanged{"t1", TaskStatus::kSucceeded});
  EXPECT_EQ(Lines(Snap().ActiveTasks()), "") << "terminal tasks leave";
}

TEST_F(ProjectionsTest, PausedTasksWakingByIsOrderedByWakeTimeThenId) {
  for (std::string id : {"b", "a", "c", "d", "r"}) {
    At(1, TaskCreated{id, "n"});
    At(2, TaskStatusChanged{id, TaskStatus::kRunning});
  }
  At(3, TaskStatusChanged{"b", TaskStatus::kPaused, std::nullopt, 200});
  At(3, TaskStatusChanged{"a", TaskStatus::kPaused, std::nullopt, 200});
  At(3, TaskStatusChanged{"c", TaskStatus::kPaused, std::nullopt, 100});
  At(3, TaskStatusChanged{"d", TaskStatus::kPaused, std::nullopt, 300});
  At(3, TaskStatusChanged{"r", TaskStatus::kPaused});  // no wake time: never due
  std::string got;
  Snapshot snap = Snap();
  auto rows = snap.PausedTasksWakingBy(200);
  for (const auto& r : *rows) got += std::string(r.task_id) + ",";
  EXPECT_EQ(got, "c,a,b,") << "at or before T, by wake time, ties by id";
  EXPECT_EQ(Snap().PausedTasksWakingBy(99)->size(), 0u);
  EXPECT_EQ(Snap().PausedTasksWakingBy(INT64_MAX)->size(), 4u);
  At(4, TaskStatusChanged{"c", TaskStatus::kRunning});
  EXPECT_EQ(Snap().PausedTasksWakingBy(200)->size(), 2u)
      << "resumed tasks leave the index";
  At(5, TaskStatusChanged{"a", TaskStatus::kPaused, std::nullopt, -50});
  EXPECT_EQ(Snap().PausedTasksWakingBy(0)->front().task_id, "a")
      << "a new wake time moves it";
}

TEST_F(ProjectionsTest, SchedulesShowEnabledOnesAndKeepStateWhileDisabled) {
  At(10, ScheduleCreated{"s1", "nightly", "0 3 * * *", true, 1000});
  At(11, ScheduleCreated{"s2", "hidden", "* * * * *", false, 50});
  EXPECT_EQ(
      Lines(Snap().Schedules()),
      R"({"schedule_id":"s1","name":"nightly","spec":"0 3 * * *","next_run_at":1000,"last_run_at":null,"missed_runs":0})"
      "\n");
  At(20, ScheduleRunDue{"s1", 1000});
  At(30, ScheduleRunStarted{"s1", 2000});
  At(40, ScheduleRunDue{"s1", 2000});
  At(50, ScheduleRunMissed{"s1"});
  EXPECT_EQ(
      Line(Snap().Schedule("s1")),
      R"({"schedule_id":"s1","name":"nightly","spec":"0 3 * * *","next_run_at":2000,"last_run_at":30,"missed_runs":1})")
      << "a missed run without next_run_at keeps it";
  At(60, ScheduleDisabled{"s1"});
  EXPECT_EQ(Line(Snap().Schedule("s1")), "absent");
  EXPECT_EQ(Snap().SchedulesDueBy(INT64_MAX)->size(), 0u)
      << "disabled schedules are never due";
  At(70, ScheduleRunDue{"s1", 3000});
  At(80, ScheduleRunMissed{"s1", 4000});
  At(90, ScheduleEnabled{"s1"});
  EXPECT_EQ(
      Line(Snap().Schedule("s1")),
      R"({"schedule_id":"s1","name":"nightly","spec":"0 3 * * *","next_run_at":4000,"last_run_at":30,"missed_runs":2})")
      << "state changed while disabled shows when enabled again";
  At(100, ScheduleEnabled{"s2"});
  EXPECT_EQ(Snap().Schedules()->size(), 2u);
  At(110, ScheduleDeleted{"s1"});
  EXPECT_EQ(Line(Snap().Schedule("s1")), "absent");
  At(120, ScheduleDeleted{"s2"});
  EXPECT_EQ(Lines(Snap().Schedules()), "");
  EXPECT_EQ(Snap().SchedulesDueBy(INT64_MAX)->size(), 0u);
}

TEST_F(ProjectionsTest, SchedulesDueByIsOrderedByNextRunThenId) {
  At(1, ScheduleCreated{"z", "n", "x", true, 100});
  At(1, ScheduleCreated{"y", "n", "x", true, 100});
  At(1, ScheduleCreated{"x", "n", "x", true, 300});
  At(1, ScheduleCreated{"w", "n", "x", true});  // no next run: never due
  std::string got;
  Snapshot snap = Snap();
  auto rows = snap.SchedulesDueBy(300);
  for (const auto& r : *rows) got += std::string(r.schedule_id) + ",";
  EXPECT_EQ(got, "y,z,x,");
  At(2, ScheduleRunDue{"x", 300});
  At(3, ScheduleRunStarted{"x", 50});
  EXPECT_EQ(Snap().SchedulesDueBy(60)->front().schedule_id, "x")
      << "re-indexed by the new next_run_at";
  EXPECT_EQ(Snap().SchedulesDueBy(60)->size(), 1u);
}

TEST_F(ProjectionsTest, WatchersCountSuppressionsAndKeepLatestTick) {
  At(1, WatcherCreated{"w", "disk"});
  At(2, WatcherCreated{"v", "cpu", false});
  EXPECT_EQ(
      Lines(Snap().Watchers()),
      R"({"watcher_id":"v","name":"cpu","enabled":false,"last_tick_at":null,"last_outcome":null,"suppression_count":0})"
      "\n"
      R"({"watcher_id":"w","name":"disk","enabled":true,"last_tick_at":null,"last_outcome":null,"suppression_count":0})"
      "\n");
  At(3, WatcherTicked{"w", TickOutcome::kSuppressed});
  At(4, WatcherTicked{"w", TickOutcome::kFired});
  At(5, WatcherTicked{"w", TickOutcome::kSuppressed});
  At(6, WatcherTicked{"w", TickOutcome::kError});
  At(7, WatcherDisabled{"w"});
  EXPECT_EQ(
      Line(Snap().Watcher("w")),
      R"({"watcher_id":"w","name":"disk","enabled":false,"last_tick_at":6,"last_outcome":"error","suppression_count":2})");
  At(8, WatcherEnabled{"w"});
  EXPECT_TRUE((*Snap().Watcher("w"))->enabled);
  At(9, WatcherDeleted{"w"});
  EXPECT_EQ(Line(Snap().Watcher("w")), "absent");
}

TEST_F(ProjectionsTest, RulesCountHitsAndKeepLatestSuppressionReason) {
  At(1, RuleCreated{"r", "cpu high", false});
  At(2, RuleHit{"r"});
  At(3, RuleSuppressed{"r", "cooldown"});
  At(4, RuleHit{"r"});
  At(5, RuleSuppressed{"r", "quiet hours"});
  EXPECT_EQ(
      Line(Snap().Rule("r")),
      R"({"rule_id":"r","name":"cpu high","enabled":false,"hit_count":2,"last_hit_at":4,"last_suppression_reason":"quiet hours"})");
  At(6, RuleEnabled{"r"});
  EXPECT_TRUE((*Snap().Rule("r"))->enabled);
  At(7, RuleDisabled{"r"});
  EXPECT_FALSE((*Snap().Rule("r"))->enabled);
  At(8, RuleDeleted{"r"});
  EXPECT_EQ(Lines(Snap().Rules()), "");
}

TEST_F(ProjectionsTest, IntegrationHealthFollowsFailuresInARow) {
  At(1, IntegrationRegistered{"i", "github"});
  EXPECT_EQ(
      Line(Snap().Integration("i")),
      R"({"integration_id":"i","name":"github","health":"unknown","auth_status":"unknown","last_success_at":null,"last_error":null,"last_error_at":null,"consecutive_failures":0,"rate_limit_remaining":null,"rate_limit_reset_at":null})");
  std::vector<std::string> health;
  At(2, IntegrationFailed{"i", "timeout"});
  health.emplace_back(NameOf((*Snap().Integration("i"))->health));
  At(3, IntegrationFailed{"i", "503"});
  health.emplace_back(NameOf((*Snap().Integration("i"))->health));
  At(4, IntegrationFailed{"i", "reset"});
  health.emplace_back(NameOf((*Snap().Integration("i"))->health));
  At(5, IntegrationFailed{"i", "reset again"});
  health.emplace_back(NameOf((*Snap().Integration("i"))->health));
  EXPECT_EQ(health, (std::vector<std::string>{"degraded", "degraded", "down", "down"}));
  At(6, IntegrationAuthChanged{"i", AuthStatus::kExpired});
  At(7, IntegrationRateLimited{"i", 10, 99});
  At(8, IntegrationRateLimited{"i", 0, 120});
  EXPECT_EQ(
      Line(Snap().Integration("i")),
      R"({"integration_id":"i","name":"github","health":"down","auth_status":"expired","last_success_at":null,"last_error":"reset again","last_error_at":5,"consecutive_failures":4,"rate_limit_remaining":0,"rate_limit_reset_at":120})");
  At(9, IntegrationSucceeded{"i"});
  EXPECT_EQ(
      Line(Snap().Integration("i")),
      R"({"integration_id":"i","name":"github","health":"healthy","auth_status":"expired","last_success_at":9,"last_error":"reset again","last_error_at":5,"consecutive_failures":0,"rate_limit_remaining":0,"rate_limit_reset_at":120})");
  At(10, IntegrationFailed{"i", "once"});
  EXPECT_EQ((*Snap().Integration("i"))->health, Health::kDegraded)
      << "the count restarted at success";
}

TEST_F(ProjectionsTest, ApprovalsArePendingUntilDecided) {
  At(1, TaskCreated{"t", "n"});
  At(5, ApprovalRequested{"a", "t", "deploy", std::nullopt, 500});
  At(6, ApprovalRequested{"b", "t", "email", "ticket 7", 400});
  At(7, ApprovalRequested{"c", "t", "wipe", std::nullopt, 400});
  EXPECT_EQ(
      Line(Snap().Approval("a")),
      R"({"approval_id":"a","task_id":"t","action":"deploy","context":null,"requested_at":5,"expires_at":500})");
  std::string got;
  Snapshot snap = Snap();
  auto rows = snap.ApprovalsExpiringBy(450);
  for (const auto& r : *rows) got += std::string(r.approval_id) + ",";
  EXPECT_EQ(got, "b,c,");
  At(8, ApprovalGranted{"b"});
  At(9, ApprovalDenied{"c", "no"});
  At(10, ApprovalExpired{"a"});
  EXPECT_EQ(Lines(Snap().Approvals()), "");
  EXPECT_EQ(Snap().ApprovalsExpiringBy(INT64_MAX)->size(), 0u);
}

TEST_F(ProjectionsTest, QueueDepthCountsQueuedTasksWaitingRunsAndQueuedCalls) {
  auto depth = [&] { return Line(Snap().QueueDepth()); };
  EXPECT_EQ(depth(), R"({"runnable_tasks":0,"schedule_backlog":0,"tool_queue_depth":0})");
  At(1, TaskCreated{"a", "n"});
  At(1, TaskCreated{"b", "n"});
  At(1, TaskCreated{"c", "n"});
  At(2, TaskStatusChanged{"a", TaskStatus::kRunning});
  At(3, TaskStatusChanged{"b", TaskStatus::kCancelled});
  At(4, TaskStatusChanged{"c", TaskStatus::kQueued});  // queued to queued: still one
  At(5, TaskStatusChanged{"a", TaskStatus::kQueued});
  EXPECT_EQ(depth(), R"({"runnable_tasks":2,"schedule_backlog":0,"tool_queue_depth":0})");
  At(6, ScheduleCreated{"s", "n", "x"});
  At(6, ScheduleCreated{"u", "n", "x", false});
  At(7, ScheduleRunDue{"s", 1});
  At(7, ScheduleRunDue{"s", 2});
  At(7, ScheduleRunDue{"s", 3});
  At(7, ScheduleRunDue{"u", 3});  // a disabled schedule's waiting run counts too
  At(8, ScheduleRunStarted{"s"});
  At(9, ScheduleRunMissed{"s"});
  EXPECT_EQ(depth(), R"({"runnable_tasks":2,"schedule_backlog":2,"tool_queue_depth":0})");
  At(10, ScheduleDeleted{"u"});
  EXPECT_EQ(depth(), R"({"runnable_tasks":2,"schedule_backlog":1,"tool_queue_depth":0})")
      << "a deleted schedule's waiting runs leave the backlog";
  At(11, ToolCallQueued{"c1", "a", "shell"});
  At(11, ToolCallQueued{"c2", "a", "shell"});
  At(12, ToolCallStarted{"c1"});
  At(13, ToolCallFinished{"c1", CallOutcome::kOk});
  EXPECT_EQ(depth(), R"({"runnable_tasks":2,"schedule_backlog":1,"tool_queue_depth":1})");
}

TEST_F(ProjectionsTest, AutonomyHistoryListsChangesNewestFirst) {
  EXPECT_EQ(Line(Snap().AutonomyCurrent()), R"({"level":0,"since":null})");
  At(100, AutonomyLevelChanged{2, "trial"}, "ops");
  At(200, AutonomyLevelChanged{4});
  At(300, AutonomyLevelChanged{1, "incident"}, "oncall");
  EXPECT_EQ(Line(Snap().AutonomyCurrent()), R"({"level":1,"since":300})");
  EXPECT_EQ(
      Lines(Snap().AutonomyChanges()),
      R"({"seq":3,"ts":300,"from_level":4,"to_level":1,"reason":"incident","actor":"oncall"})"
      "\n"
      R"({"seq":2,"ts":200,"from_level":2,"to_level":4,"reason":null,"actor":null})"
      "\n"
      R"({"seq":1,"ts":100,"from_level":0,"to_level":2,"reason":"trial","actor":"ops"})"
      "\n");
}

TEST_F(ProjectionsTest, AlarmsMoveThroughStatesAndOpenAfresh) {
  At(10, AlarmRaised{"a", Severity::kCritical, "disk", "full"});
  At(20, AlarmAcked{"a"});
  At(30, AlarmResolved{"a"});
  EXPECT_EQ(
      Line(Snap().Alarm("a")),
      R"({"alarm_id":"a","severity":"critical","source":"disk","message":"full","state":"resolved","raised_at":10,"acked_at":20,"resolved_at":30})");
  At(40, AlarmRaised{"a", Severity::kInfo, "disk", "again"});
  EXPECT_EQ(
      Line(Snap().Alarm("a")),
      R"({"alarm_id":"a","severity":"info","source":"disk","message":"again","state":"open","raised_at":40,"acked_at":null,"resolved_at":null})");
  At(50, AlarmRaised{"b", Severity::kWarning, "cpu", "hot"});
  At(60, AlarmAcked{"b"});
  At(70, AlarmRaised{"c", Severity::kWarning, "net", "down"});
  At(80, AlarmResolved{"c"});
  auto ids = [&](AlarmState s) {
    std::string got;
    Snapshot snap = Snap();
    auto rows = snap.AlarmsInState(s);
    for (const auto& r : *rows) got += std::string(r.alarm_id) + ",";
    return got;
  };
  EXPECT_EQ(ids(AlarmState::kOpen), "a,");
  EXPECT_EQ(ids(AlarmState::kAcked), "b,");
  EXPECT_EQ(ids(AlarmState::kResolved), "c,");
}

TEST_F(ProjectionsTest, OnlyTheHundredLatestResolvedAlarmsAreKept) {
  auto id = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "al%03d", i);
    return std::string(buf);
  };
  for (int i = 0; i < 105; ++i) {
    At(i, AlarmRaised{id(i), Severity::kInfo, "s", "m"});
    At(1000 + i, AlarmResolved{id(i)});
  }
  Snapshot snap = Snap();
  auto resolved = *snap.AlarmsInState(AlarmState::kResolved);
  ASSERT_EQ(resolved.size(), 100u);
  EXPECT_EQ(resolved.front().alarm_id, id(5)) << "the five oldest resolutions fell out";
  EXPECT_EQ(Line(Snap().Alarm(id(4))), "absent");
  EXPECT_EQ(Snap().Alarms()->size(), 100u);

  At(2000,
     AlarmRaised{id(50), Severity::kInfo, "s", "m"});  // raised from inside the window
  snap = Snap();
  resolved = *snap.AlarmsInState(AlarmState::kResolved);
  ASSERT_EQ(resolved.size(), 100u);
  EXPECT_EQ(resolved.front().alarm_id, id(4))
      << "the next most recently resolved takes its place";
  EXPECT_EQ(Snap().Alarms()->size(), 101u);

  At(2001,
     AlarmRaised{id(0), Severity::kInfo, "s", "m"});  // raised from outside the window
  EXPECT_EQ(Snap().AlarmsInState(AlarmState::kResolved)->size(), 100u);
  EXPECT_EQ(Snap().AlarmsInState(AlarmState::kOpen)->size(), 2u);

  At(2002, AlarmResolved{id(50)});  // newest resolution: pushes out the oldest kept
  EXPECT_EQ(Snap().AlarmsInState(AlarmState::kResolved)->size(), 100u);
  EXPECT_EQ(Line(Snap().Alarm(id(4))), "absent");
  EXPECT_EQ((*Snap().Alarm(id(50)))->resolved_at, 2002);
}

TEST_F(ProjectionsTest, IdsSortInByteOrderIncludingNonAscii) {
  // UTF-8 bytes: "A"=41 "a"=61 "ab"=61 62 "é"=C3 A9 "ü"=C3 BC "中"=E4 B8 AD
  for (std::string w :
       {"ü", "a", "中", "ab", "é", "A", "abcdefgh", "abcdefg", "abcdefghi"}) {
    At(1, WatcherCreated{w, "n"});
  }
  Snapshot snap = Snap();
  auto rows = snap.Watchers();
  std::string got;
  for (const auto& r : *rows) got += std::string(r.watcher_id) + " ";
  EXPECT_EQ(got, "A a ab abcdefg abcdefgh abcdefghi é ü 中 ");
}

}  // namespace
}  // namespace annal::testing
