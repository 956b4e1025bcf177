// Every rule of the events table in docs/events.md: each event type accepted
// where its rule holds, and rejected (naming the rule) where it does not.
#include <gmock/gmock.h>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = MustOpen(dir_.Sub("store")); }

  // Appends and expects acceptance.
  void Ok(Event ev) {
    ev.ts = ++ts_;
    auto r = engine_->Append(ev);
    ASSERT_TRUE(r.ok()) << ev.type() << ": " << r.status().ToString();
  }
  // Appends and expects a rejection whose message names `rule`.
  void Rejects(Event ev, std::string_view rule) {
    ev.ts = ++ts_;
    auto r = engine_->Append(ev);
    ASSERT_FALSE(r.ok()) << ev.type() << " was accepted";
    EXPECT_EQ(r.status().code(), Status::Code::kRejected);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(ev.type())));
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(rule)));
    EXPECT_EQ(r.status().event_index(), 0u);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  int64_t ts_ = 1000;
};

TEST_F(RulesTest, TaskCreatedNeedsANewId) {
  Ok(TaskCreated{"t1", "build"});
  Ok(TaskCreated{"t2", "build", "step-1"});
  Rejects(TaskCreated{"t1", "again"}, "id is new");
}

TEST_F(RulesTest, IdsAreNonEmptyUtf8AtMost256BytesWithoutNul) {
  Rejects(TaskCreated{"", "x"}, "non-empty id");
  Ok(TaskCreated{std::string(256, 'a'), "x"});
  Rejects(TaskCreated{std::string(257, 'a'), "x"}, "longer than 256 bytes");
  Rejects(TaskCreated{std::string("a\0b", 3), "x"}, "NUL");
  Rejects(TaskCreated{"\xff\xfe", "x"}, "not valid UTF-8");
  Rejects(TaskCreated{"t", "\xc3"}, "not valid UTF-8");
  Ok(TaskCreated{"tâche-é", "ünïcode"});
}

TEST_F(RulesTest, TaskStatusChangedNeedsAnExistingNonTerminalTask) {
  Rejects(TaskStatusChanged{"nope", TaskStatus::kRunning},
          "task exists and is not terminal");
  Ok(TaskCreated{"t", "x"});
  for (TaskStatus s : {TaskStatus::kRunning, TaskStatus::kPaused, TaskStatus::kQueued,
                       TaskStatus::kRunning}) {
    Ok(TaskStatusChanged{"t", s});
  }
  for (TaskStatus terminal :
       {TaskStatus::kSucceeded, TaskStatus::kFailed, TaskStatus::kCancelled}) {
    std::string id = "t-" + std::string(NameOf(terminal));
    Ok(TaskCreated{id, "x"});
    Ok(TaskStatusChanged{id, terminal});
    Rejects(TaskStatusChanged{id, TaskStatus::kRunning},
            "task exists and is not terminal");
    Rejects(TaskStepAdvanced{id, "s"}, "task exists and is not terminal");
  }
  Rejects(TaskStatusChanged{"t", static_cast<TaskStatus>(9)}, "out-of-range");
}

TEST_F(RulesTest, TaskStepAdvancedNeedsAnExistingNonTerminalTask) {
  Rejects(TaskStepAdvanced{"t", "s"}, "task exists and is not terminal");
  Ok(TaskCreated{"t", "x"});
  Ok(TaskStepAdvanced{"t", "s2"});
}

TEST_F(RulesTest, ScheduleLifecycle) {
  Rejects(ScheduleEnabled{"s"}, "schedule exists");
  Rejects(ScheduleDisabled{"s"}, "schedule exists");
  Rejects(ScheduleDeleted{"s"}, "schedule exists");
  Rejects(ScheduleRunDue{"s", 5}, "schedule exists");
  Ok(ScheduleCreated{"s", "nightly", "0 3 * * *"});
  Rejects(ScheduleCreated{"s", "again", "* * * * *"}, "id is new");
  Ok(ScheduleDisabled{"s"});
  Ok(ScheduleDisabled{"s"});  // already disabled: allowed, no change
  Ok(ScheduleEnabled{"s"});
  Ok(ScheduleEnabled{"s"});
  Ok(ScheduleDeleted{"s"});
  Rejects(ScheduleEnabled{"s"}, "schedule exists");
  Rejects(ScheduleDeleted{"s"}, "schedule exists");
  Rejects(ScheduleCreated{"s", "reborn", "* * * * *"}, "id is new");
}

TEST_F(RulesTest, ScheduleRunsNeedAWaitingRun) {
  Ok(ScheduleCreated{"s", "n", "* * * * *"});
  Rejects(ScheduleRunStarted{"s"}, "a run of it is waiting");
  Rejects(ScheduleRunMissed{"s"}, "a run of it is waiting");
  Ok(ScheduleRunDue{"s", 10});
  Ok(ScheduleRunDue{"s", 20});
  Ok(ScheduleRunStarted{"s", 30});
  Ok(ScheduleRunMissed{"s"});
  Rejects(ScheduleRunStarted{"s"}, "a run of it is waiting");
  Rejects(ScheduleRunStarted{"other"}, "schedule exists");
  Ok(ScheduleRunDue{"s", 40});
  Ok(ScheduleDeleted{"s"});
  Rejects(ScheduleRunStarted{"s"}, "schedule exists");
}

TEST_F(RulesTest, ToolCallLifecycle) {
  Rejects(ToolCallQueued{"c", "t", "shell"}, "task exists");
  Ok(TaskCreated{"t", "x"});
  Ok(ToolCallQueued{"c", "t", "shell"});
  Rejects(ToolCallQueued{"c", "t", "shell"}, "id is new");
  Rejects(ToolCallFinished{"c", CallOutcome::kOk}, "call is started");
  Ok(ToolCallStarted{"c"});
  Rejects(ToolCallStarted{"c"}, "call is queued");
  Ok(ToolCallFinished{"c", CallOutcome::kError});
  Rejects(ToolCallFinished{"c", CallOutcome::kOk}, "call is started");
  Rejects(ToolCallStarted{"nope"}, "call is queued");
  Rejects(ToolCallFinished{"nope", CallOutcome::kOk}, "call is started");
  // A terminal task still exists.
  Ok(TaskStatusChanged{"t", TaskStatus::kSucceeded});
  Ok(ToolCallQueued{"c2", "t", "http"});
}

TEST_F(RulesTest, WatcherLifecycle) {
  for (Event e :
       {Event(WatcherEnabled{"w"}), Event(WatcherDisabled{"w"}),
        Event(WatcherDeleted{"w"}), Event(WatcherTicked{"w", TickOutcome::kFired})}) {
    Rejects(e, "watcher exists");
  }
  Ok(WatcherCreated{"w", "disk"});
  Rejects(WatcherCreated{"w", "disk"}, "id is new");
  Ok(WatcherDisabled{"w"});
  Ok(WatcherTicked{"w", TickOutcome::kQuiet});
  Ok(WatcherEnabled{"w"});
  Ok(WatcherDeleted{"w"});
  for (Event e :
       {Event(WatcherEnabled{"w"}), Event(WatcherDisabled{"w"}),
        Event(WatcherDeleted{"w"}), Event(WatcherTicked{"w", TickOutcome::kFired})}) {
    Rejects(e, "watcher exists");
  }
  Rejects(WatcherCreated{"w", "disk"}, "id is new");
}

TEST_F(RulesTest, RuleLifecycle) {
  for (Event e :
       {Event(RuleEnabled{"r"}), Event(RuleDisabled{"r"}), Event(RuleDeleted{"r"}),
        Event(RuleHit{"r"}), Event(RuleSuppressed{"r", "quiet"})}) {
    Rejects(e, "rule exists");
  }
  Ok(RuleCreated{"r", "cpu"});
  Rejects(RuleCreated{"r", "cpu"}, "id is new");
  Ok(RuleHit{"r"});
  Ok(RuleSuppressed{"r", "quiet hours"});
  Ok(RuleDisabled{"r"});
  Ok(RuleEnabled{"r"});
  Ok(RuleDeleted{"r"});
  Rejects(RuleHit{"r"}, "rule exists");
  Rejects(RuleCreated{"r", "cpu"}, "id is new");
}

TEST_F(RulesTest, IntegrationLifecycle) {
  for (Event e : {Event(IntegrationSucceeded{"i"}), Event(IntegrationFailed{"i", "x"}),
                  Event(IntegrationAuthChanged{"i", AuthStatus::kOk}),
                  Event(IntegrationRateLimited{"i", 1, 2})}) {
    Rejects(e, "integration exists");
  }
  Ok(IntegrationRegistered{"i", "github"});
  Rejects(IntegrationRegistered{"i", "github"}, "id is new");
  Ok(IntegrationSucceeded{"i"});
  Ok(IntegrationFailed{"i", "timeout"});
  Ok(IntegrationAuthChanged{"i", AuthStatus::kExpired});
  Ok(IntegrationRateLimited{"i", 0, 99});
  Rejects(IntegrationRateLimited{"i", -1, 99}, "\"remaining\" must be >= 0");
}

TEST_F(RulesTest, ApprovalLifecycle) {
  Rejects(ApprovalRequested{"a", "t", "deploy", std::nullopt, 100}, "task exists");
  Ok(TaskCreated{"t", "x"});
  Ok(ApprovalRequested{"a", "t", "deploy", "ctx", 100});
  Rejects(ApprovalRequested{"a", "t", "deploy", std::nullopt, 100}, "id is new");
  Ok(ApprovalGranted{"a", "fine"});
  for (Event e : {Event(ApprovalGranted{"a"}), Event(ApprovalDenied{"a"}),
                  Event(ApprovalExpired{"a"}), Event(ApprovalGranted{"nope"})}) {
    Rejects(e, "approval is pending");
  }
  Ok(ApprovalRequested{"b", "t", "deploy", std::nullopt, 100});
  Ok(ApprovalDenied{"b"});
  Ok(ApprovalRequested{"c", "t", "deploy", std::nullopt, 100});
  Ok(ApprovalExpired{"c", "timeout"});
  Rejects(ApprovalRequested{"c", "t", "again", std::nullopt, 100}, "id is new");
}

TEST_F(RulesTest, AutonomyLevelMustChangeAndStayInRange) {
  Rejects(AutonomyLevelChanged{0}, "level differs from the current one");  // starts at 0
  Ok(AutonomyLevelChanged{3, "trusted"});
  Rejects(AutonomyLevelChanged{3}, "level differs from the current one");
  Ok(AutonomyLevelChanged{5});
  Ok(AutonomyLevelChanged{0});
  Rejects(AutonomyLevelChanged{6}, "\"level\" must be 0 to 5");
  Rejects(AutonomyLevelChanged{-1}, "\"level\" must be 0 to 5");
}

TEST_F(RulesTest, AlarmLifecycle) {
  Rejects(AlarmAcked{"a"}, "alarm is open");
  Rejects(AlarmResolved{"a"}, "alarm is open or acked");
  Ok(AlarmRaised{"a", Severity::kWarning, "disk", "90% full"});
  Rejects(AlarmRaised{"a", Severity::kWarning, "disk", "again"},
          "id is new, or its alarm is resolved");
  Ok(AlarmAcked{"a"});
  Rejects(AlarmAcked{"a"}, "alarm is open");
  Rejects(AlarmRaised{"a", Severity::kWarning, "disk", "again"},
          "id is new, or its alarm is resolved");
  Ok(AlarmResolved{"a"});
  Rejects(AlarmResolved{"a"}, "alarm is open or acked");
  Rejects(AlarmAcked{"a"}, "alarm is open");
  Ok(AlarmRaised{"a", Severity::kCritical, "disk", "raised again"});
  Ok(AlarmResolved{"a"});  // open, not acked, may be resolved directly
}

// An id is shown as a JSON string: quotes, backslashes and control
// characters escaped, never passed raw to a terminal or a log line (a raw
// "\r" also read back as "\n" through a text-mode pipe).
TEST_F(RulesTest, IdsInMessagesAreQuotedAsJsonStrings) {
  auto r = engine_->Append(Event(AlarmAcked{"a\r\"\\b"}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(R"(alarm "a\r\"\\b" does not exist)"));
}

TEST_F(RulesTest, TextFieldsHaveALimit) {
  Rejects(TaskCreated{"t", std::string(64 * 1024 + 1, 'n')}, "longer than 65536 bytes");
  Ok(TaskCreated{"t", std::string(64 * 1024, 'n')});
}

TEST_F(RulesTest, LaterEventsOfABatchSeeEarlierOnes) {
  std::vector<Event> batch = {
      At(1, TaskCreated{"t", "x"}), At(2, TaskStatusChanged{"t", TaskStatus::kRunning}),
      At(3, ToolCallQueued{"c", "t", "shell"}), At(4, ToolCallStarted{"c"})};
  ASSERT_TRUE(engine_->Append(batch).ok());
  std::vector<Event> dup = {At(5, TaskCreated{"u", "x"}), At(6, TaskCreated{"u", "y"})};
  auto r = engine_->Append(dup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().event_index(), 1u);
  EXPECT_THAT(r.status().message(), HasSubstr("event 1 (task_created)"));
}

}  // namespace
}  // namespace annal::testing
