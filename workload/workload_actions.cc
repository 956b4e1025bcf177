// What each workload action emits, keeping the generator's pools in step
// with the rules so that every event is valid by construction.
#include "workload/workload_impl.h"

namespace annal {

EventBody Workload::Impl::Make(Action a) {
  bool on = false;
  switch (a) {
    case kTaskCreate: {
      std::string id = NewId("task");
      queued.Add(id);
      Remember(id);
      return TaskCreated{id, "job " + id,
                         rng.Chance(50) ? OptString(Step()) : std::nullopt};
    }
    case kTaskStart: {
      std::string id = queued.Take(rng);
      running.Add(id);
      return TaskStatusChanged{id, TaskStatus::kRunning, Step(), std::nullopt};
    }
    case kTaskPause: {
      std::string id = running.Take(rng);
      paused.Add(id);
      OptTime wake = rng.Chance(90) ? OptTime(Later(1, 3600)) : std::nullopt;
      return TaskStatusChanged{id, TaskStatus::kPaused, std::nullopt, wake};
    }
    case kTaskResume: {
      std::string id = paused.Take(rng);
      running.Add(id);
      return TaskStatusChanged{id, TaskStatus::kRunning, std::nullopt, std::nullopt};
    }
    case kTaskStep:
      return TaskStepAdvanced{running.Pick(rng), Step()};
    case kTaskFinish: {
      auto status = rng.Chance(85) ? TaskStatus::kSucceeded : TaskStatus::kFailed;
      return TaskStatusChanged{running.Take(rng), status, std::nullopt, std::nullopt};
    }
    case kTaskCancel: {
      Pool& from =
          queued.empty() ? paused : (paused.empty() || rng.Chance(50) ? queued : paused);
      return TaskStatusChanged{from.Take(rng), TaskStatus::kCancelled, std::nullopt,
                               std::nullopt};
    }
    case kTaskRequeue: {
      std::string id = running.Take(rng);
      queued.Add(id);
      return TaskStatusChanged{id, TaskStatus::kQueued, std::nullopt, std::nullopt};
    }
    case kCallQueue: {
      std::string id = NewId("call");
      calls_queued.Add(id);
      static constexpr std::array<const char*, 4> kTools = {"http.get", "shell",
                                                            "email.send", "db.query"};
      return ToolCallQueued{id, tasks_recent.Pick(rng), kTools[rng.Below(kTools.size())]};
    }
    case kCallStart: {
      std::string id = calls_queued.Take(rng);
      calls_started.Add(id);
      return ToolCallStarted{id};
    }
    case kCallFinish:
      return ToolCallFinished{calls_started.Take(rng),
                              rng.Chance(90) ? CallOutcome::kOk : CallOutcome::kError};
    case kScheduleCreate: {
      std::string id = NewId("sched");
      bool enabled = rng.Chance(90);
      (enabled ? schedules_on : schedules_off).Add(id);
      return ScheduleCreated{
          id, "schedule " + id, "*/" + std::to_string(rng.Between(1, 59)) + " * * * *",
          enabled, rng.Chance(80) ? OptTime(Later(60, 3600)) : std::nullopt};
    }
    case kScheduleDue: {
      std::string id = PickEither(schedules_on, schedules_off, &on);
      schedule_runs.Add(id);
      return ScheduleRunDue{id, ts};
    }
    case kScheduleStart:
      return ScheduleRunStarted{schedule_runs.Take(rng),
                                rng.Chance(90) ? OptTime(Later(60, 3600)) : std::nullopt};
    case kScheduleMiss:
      return ScheduleRunMissed{schedule_runs.Take(rng),
                               rng.Chance(50) ? OptTime(Later(60, 3600)) : std::nullopt};
    case kScheduleToggle: {
      std::string id = Toggle(schedules_on, schedules_off, &on);
      if (on) return ScheduleDisabled{id};
      return ScheduleEnabled{id};
    }
    case kScheduleDelete: {
      std::string id = TakeEither(schedules_on, schedules_off);
      while (true) {  // its waiting runs leave with it
        size_t before = schedule_runs.size();
        schedule_runs.Remove(id);
        if (schedule_runs.size() == before) break;
      }
      return ScheduleDeleted{id};
    }
    case kWatcherCreate: {
      std::string id = NewId("watch");
      bool enabled = rng.Chance(90);
      (enabled ? watchers_on : watchers_off).Add(id);
      return WatcherCreated{id, "watcher " + id, enabled};
    }
    case kWatcherTick: {
      static constexpr std::array<TickOutcome, 10> kOutcomes = {
          TickOutcome::kQuiet, TickOutcome::kQuiet,      TickOutcome::kQuiet,
          TickOutcome::kQuiet, TickOutcome::kQuiet,      TickOutcome::kFired,
          TickOutcome::kFired, TickOutcome::kSuppressed, TickOutcome::kSuppressed,
          TickOutcome::kError};
      return WatcherTicked{PickEither(watchers_on, watchers_off, &on),
                           kOutcomes[rng.Below(kOutcomes.size())]};
    }
    case kWatcherToggle: {
      std::string id = Toggle(watchers_on, watchers_off, &on);
      if (on) return WatcherDisabled{id};
      return WatcherEnabled{id};
    }
    case kWatcherDelete:
      return WatcherDeleted{TakeEither(watchers_on, watchers_off)};
    case kRuleCreate: {
      std::string id = NewId("rule");
      bool enabled = rng.Chance(90);
      (enabled ? rules_on : rules_off).Add(id);
      return RuleCreated{id, "rule " + id, enabled};
    }
    case kRuleHit:
      return RuleHit{PickEither(rules_on, rules_off, &on)};
    case kRuleSuppress: {
      static constexpr std::array<const char*, 3> kReasons = {"cooldown", "quiet hours",
                                                              "duplicate"};
      return RuleSuppressed{PickEither(rules_on, rules_off, &on), kReasons[rng.Below(3)]};
    }
    case kRuleToggle: {
      std::string id = Toggle(rules_on, rules_off, &on);
      if (on) return RuleDisabled{id};
      return RuleEnabled{id};
    }
    case kRuleDelete:
      return RuleDeleted{TakeEither(rules_on, rules_off)};
    case kIntegrationRegister: {
      std::string id = NewId("integ");
      integrations.Add(id);
      return IntegrationRegistered{id, "integration " + id};
    }
    case kIntegrationSucceed:
      return IntegrationSucceeded{integrations.Pick(rng)};
    case kIntegrationFail: {
      static constexpr std::array<const char*, 3> kErrors = {"timeout", "HTTP 503",
                                                             "connection reset"};
      return IntegrationFailed{integrations.Pick(rng), kErrors[rng.Below(3)]};
    }
    case kIntegrationAuth:
      return IntegrationAuthChanged{integrations.Pick(rng),
                                    static_cast<AuthStatus>(rng.Between(1, 3))};
    case kIntegrationRateLimit:
      return IntegrationRateLimited{integrations.Pick(rng), rng.Between(0, 1000),
                                    Later(1, 900)};
    case kApprovalRequest: {
      std::string id = NewId("appr");
      approvals.Add(id);
      static constexpr std::array<const char*, 3> kActions = {"deploy", "send email",
                                                              "delete data"};
      return ApprovalRequested{
          id, tasks_recent.Pick(rng), kActions[rng.Below(3)],
          rng.Chance(60) ? OptString("ticket #" + std::to_string(rng.Below(10000)))
                         : std::nullopt,
          Later(60, 7200)};
    }
    case kApprovalDecide: {
      std::string id = approvals.Take(rng);
      int kind = static_cast<int>(rng.Below(10));
      OptString reason = rng.Chance(50) ? OptString("reviewed") : std::nullopt;
      if (kind < 6) return ApprovalGranted{id, reason};
      if (kind < 9) return ApprovalDenied{id, reason};
      return ApprovalExpired{id, reason};
    }
    case kAutonomy: {
      int64_t level = (autonomy + rng.Between(1, 5)) % 6;
      autonomy = level;
      return AutonomyLevelChanged{
          level, rng.Chance(70) ? OptString("policy review") : std::nullopt};
    }
    case kAlarmRaise: {
      std::string id;
      if (!alarms_resolved.empty() && rng.Chance(30)) {
        id = alarms_resolved.Take(rng);  // raised again
      } else {
        id = NewId("alarm");
      }
      alarms_open.Add(id);
      static constexpr std::array<const char*, 3> kSources = {"watcher", "integration",
                                                              "rule"};
      return AlarmRaised{id, static_cast<Severity>(rng.Below(3)), kSources[rng.Below(3)],
                         "condition on " + id};
    }
    case kAlarmAck: {
      std::string id = alarms_open.Take(rng);
      alarms_acked.Add(id);
      return AlarmAcked{id};
    }
    case kAlarmResolve: {
      Pool& from =
          alarms_open.empty()
              ? alarms_acked
              : (alarms_acked.empty() || rng.Chance(50) ? alarms_open : alarms_acked);
      std::string id = from.Take(rng);
      alarms_resolved.Add(id);
      return AlarmResolved{id};
    }
    case kActionCount:
      break;
  }
  throw std::logic_error("workload: unknown action");
}

}  // namespace annal
