// The workload generator: pools of ids by state, a fixed table of weighted
// actions, and a splitmix64 stream for every choice.
#include "annal/workload.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <stdexcept>

namespace annal {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(hi - lo + 1)); }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }

 private:
  uint64_t state_;
};

// A set of ids with O(1) random pick and removal.
class Pool {
 public:
  bool empty() const { return ids_.empty(); }
  size_t size() const { return ids_.size(); }
  void Add(std::string id) { ids_.push_back(std::move(id)); }
  const std::string& Pick(Rng& rng) const { return ids_[rng.Below(ids_.size())]; }
  std::string Take(Rng& rng) {
    size_t i = rng.Below(ids_.size());
    std::swap(ids_[i], ids_.back());
    std::string id = std::move(ids_.back());
    ids_.pop_back();
    return id;
  }
  void Remove(const std::string& id) {
    auto it = std::find(ids_.begin(), ids_.end(), id);
    if (it != ids_.end()) {
      std::swap(*it, ids_.back());
      ids_.pop_back();
    }
  }

 private:
  std::vector<std::string> ids_;
};

enum Action {
  kTaskCreate, kTaskStart, kTaskPause, kTaskResume, kTaskStep, kTaskFinish, kTaskCancel,
  kTaskRequeue, kCallQueue, kCallStart, kCallFinish, kScheduleCreate, kScheduleDue,
  kScheduleStart, kScheduleMiss, kScheduleToggle, kScheduleDelete, kWatcherCreate,
  kWatcherTick, kWatcherToggle, kWatcherDelete, kRuleCreate, kRuleHit, kRuleSuppress,
  kRuleToggle, kRuleDelete, kIntegrationRegister, kIntegrationSucceed, kIntegrationFail,
  kIntegrationAuth, kIntegrationRateLimit, kApprovalRequest, kApprovalDecide, kAutonomy,
  kAlarmRaise, kAlarmAck, kAlarmResolve, kActionCount
};

// Relative frequencies, in tenths.
constexpr std::array<int, kActionCount> kWeights = {
    60, 70, 30, 30, 60, 45, 10, 10,  // tasks
    50, 50, 50,                      // tool calls
    10, 40, 30, 10, 10, 2,           // schedules
    10, 80, 10, 2,                   // watchers
    10, 50, 20, 10, 2,               // rules
    5, 40, 20, 5, 10,                // integrations
    20, 20,                          // approvals
    2,                               // autonomy
    20, 15, 20};                     // alarms

constexpr size_t kMaxOpenTasks = 2000, kMaxEntities = 200, kMaxIntegrations = 50;
constexpr int64_t kSecond = 1'000'000;

}  // namespace

struct Workload::Impl {
  explicit Impl(WorkloadOptions o) : options(o), rng(o.seed), ts(o.start_ts) {}

  WorkloadOptions options;
  Rng rng;
  int64_t ts;
  uint64_t next_id = 0;
  Pool queued, running, paused, tasks_recent;
  Pool calls_queued, calls_started, approvals;
  Pool schedules_on, schedules_off, schedule_runs;  // schedule_runs: one entry per waiting run
  Pool watchers_on, watchers_off, rules_on, rules_off, integrations;
  Pool alarms_open, alarms_acked, alarms_resolved;
  int64_t autonomy = 0;

  std::string NewId(const char* prefix) {
    char buf[64];
    if (options.random_ids) {
      uint64_t a = rng.Next(), b = rng.Next();
      std::snprintf(buf, sizeof buf, "%s-%08x-%04x-%04x-%012llx", prefix,
                    static_cast<unsigned>(a >> 32), static_cast<unsigned>(a >> 16) & 0xFFFF,
                    static_cast<unsigned>(a) & 0xFFFF,
                    static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
    } else {
      std::snprintf(buf, sizeof buf, "%s-%08llu", prefix,
                    static_cast<unsigned long long>(++next_id));
    }
    return buf;
  }
  std::string Step() { return "step-" + std::to_string(rng.Between(1, 12)); }
  int64_t Later(int64_t lo_s, int64_t hi_s) { return ts + rng.Between(lo_s, hi_s) * kSecond; }

  bool Possible(Action a) const {
    size_t open = queued.size() + running.size() + paused.size();
    switch (a) {
      case kTaskCreate: return open < kMaxOpenTasks;
      case kTaskStart: return !queued.empty();
      case kTaskPause: case kTaskStep: case kTaskFinish: case kTaskRequeue: return !running.empty();
      case kTaskResume: return !paused.empty();
      case kTaskCancel: return !queued.empty() || !paused.empty();
      case kCallQueue: return !tasks_recent.empty();
      case kCallStart: return !calls_queued.empty();
      case kCallFinish: return !calls_started.empty();
      case kScheduleCreate: return schedules_on.size() + schedules_off.size() < kMaxEntities;
      case kScheduleDue: case kScheduleToggle: case kScheduleDelete:
        return !schedules_on.empty() || !schedules_off.empty();
      case kScheduleStart: case kScheduleMiss: return !schedule_runs.empty();
      case kWatcherCreate: return watchers_on.size() + watchers_off.size() < kMaxEntities;
      case kWatcherTick: case kWatcherToggle: case kWatcherDelete:
        return !watchers_on.empty() || !watchers_off.empty();
      case kRuleCreate: return rules_on.size() + rules_off.size() < kMaxEntities;
      case kRuleHit: case kRuleSuppress: case kRuleToggle: case kRuleDelete:
        return !rules_on.empty() || !rules_off.empty();
      case kIntegrationRegister: return integrations.size() < kMaxIntegrations;
      case kIntegrationSucceed: case kIntegrationFail: case kIntegrationAuth:
      case kIntegrationRateLimit: return !integrations.empty();
      case kApprovalRequest: return !tasks_recent.empty();
      case kApprovalDecide: return !approvals.empty();
      case kAutonomy: return true;
      case kAlarmRaise: return true;
      case kAlarmAck: return !alarms_open.empty();
      case kAlarmResolve: return !alarms_open.empty() || !alarms_acked.empty();
      case kActionCount: break;
    }
    return false;
  }

  Action Choose() {
    static constexpr int kTotal = [] {
      int t = 0;
      for (int w : kWeights) t += w;
      return t;
    }();
    for (;;) {
      int r = static_cast<int>(rng.Below(kTotal));
      int a = 0;
      while (r >= kWeights[a]) r -= kWeights[a++];
      if (Possible(static_cast<Action>(a))) return static_cast<Action>(a);
    }
  }

  // Picks from one of two pools (enabled/disabled), saying which; `on_percent`
  // of picks go to the enabled pool when both have ids.
  const std::string& PickEither(Pool& on, Pool& off, bool* from_on, int on_percent = 85) {
    *from_on = off.empty() || (!on.empty() && rng.Chance(on_percent));
    return (*from_on ? on : off).Pick(rng);
  }
  // Toggles favour re-enabling, so most entities stay enabled over time.
  const std::string& PickToggle(Pool& on, Pool& off, bool* from_on) {
    return PickEither(on, off, from_on, 30);
  }
  void Remember(const std::string& task) {
    tasks_recent.Add(task);
    if (tasks_recent.size() > 1000) tasks_recent.Take(rng);
  }

  EventBody Make(Action a);
  Event Next() {
    ts += rng.Between(1, 1000) * 1000;  // 1 ms to 1 s apart
    Event ev(Make(Choose()));
    ev.ts = ts;
    static constexpr std::array<const char*, 4> kActors = {"scheduler", "agent", "operator:ana",
                                                           "watchdog"};
    if (!rng.Chance(20)) ev.actor = kActors[rng.Below(kActors.size())];
    return ev;
  }
};

EventBody Workload::Impl::Make(Action a) {
  bool on = false;
  switch (a) {
    case kTaskCreate: {
      std::string id = NewId("task");
      queued.Add(id);
      Remember(id);
      return TaskCreated{id, "job " + id, rng.Chance(50) ? OptString(Step()) : std::nullopt};
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
    case kTaskStep: return TaskStepAdvanced{running.Pick(rng), Step()};
    case kTaskFinish: {
      auto status = rng.Chance(85) ? TaskStatus::kSucceeded : TaskStatus::kFailed;
      return TaskStatusChanged{running.Take(rng), status, std::nullopt, std::nullopt};
    }
    case kTaskCancel: {
      Pool& from = queued.empty() ? paused : (paused.empty() || rng.Chance(50) ? queued : paused);
      return TaskStatusChanged{from.Take(rng), TaskStatus::kCancelled, std::nullopt, std::nullopt};
    }
    case kTaskRequeue: {
      std::string id = running.Take(rng);
      queued.Add(id);
      return TaskStatusChanged{id, TaskStatus::kQueued, std::nullopt, std::nullopt};
    }
    case kCallQueue: {
      std::string id = NewId("call");
      calls_queued.Add(id);
      static constexpr std::array<const char*, 4> kTools = {"http.get", "shell", "email.send",
                                                            "db.query"};
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
      return ScheduleCreated{id, "schedule " + id, "*/" + std::to_string(rng.Between(1, 59)) + " * * * *",
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
      std::string id = PickToggle(schedules_on, schedules_off, &on);
      (on ? schedules_on : schedules_off).Remove(id);
      (on ? schedules_off : schedules_on).Add(id);
      if (on) return ScheduleDisabled{id};
      return ScheduleEnabled{id};
    }
    case kScheduleDelete: {
      std::string id = PickEither(schedules_on, schedules_off, &on);
      (on ? schedules_on : schedules_off).Remove(id);
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
          TickOutcome::kQuiet, TickOutcome::kQuiet, TickOutcome::kQuiet, TickOutcome::kQuiet,
          TickOutcome::kQuiet, TickOutcome::kFired, TickOutcome::kFired,
          TickOutcome::kSuppressed, TickOutcome::kSuppressed, TickOutcome::kError};
      return WatcherTicked{PickEither(watchers_on, watchers_off, &on),
                           kOutcomes[rng.Below(kOutcomes.size())]};
    }
    case kWatcherToggle: {
      std::string id = PickToggle(watchers_on, watchers_off, &on);
      (on ? watchers_on : watchers_off).Remove(id);
      (on ? watchers_off : watchers_on).Add(id);
      if (on) return WatcherDisabled{id};
      return WatcherEnabled{id};
    }
    case kWatcherDelete: {
      std::string id = PickEither(watchers_on, watchers_off, &on);
      (on ? watchers_on : watchers_off).Remove(id);
      return WatcherDeleted{id};
    }
    case kRuleCreate: {
      std::string id = NewId("rule");
      bool enabled = rng.Chance(90);
      (enabled ? rules_on : rules_off).Add(id);
      return RuleCreated{id, "rule " + id, enabled};
    }
    case kRuleHit: return RuleHit{PickEither(rules_on, rules_off, &on)};
    case kRuleSuppress: {
      static constexpr std::array<const char*, 3> kReasons = {"cooldown", "quiet hours",
                                                              "duplicate"};
      return RuleSuppressed{PickEither(rules_on, rules_off, &on), kReasons[rng.Below(3)]};
    }
    case kRuleToggle: {
      std::string id = PickToggle(rules_on, rules_off, &on);
      (on ? rules_on : rules_off).Remove(id);
      (on ? rules_off : rules_on).Add(id);
      if (on) return RuleDisabled{id};
      return RuleEnabled{id};
    }
    case kRuleDelete: {
      std::string id = PickEither(rules_on, rules_off, &on);
      (on ? rules_on : rules_off).Remove(id);
      return RuleDeleted{id};
    }
    case kIntegrationRegister: {
      std::string id = NewId("integ");
      integrations.Add(id);
      return IntegrationRegistered{id, "integration " + id};
    }
    case kIntegrationSucceed: return IntegrationSucceeded{integrations.Pick(rng)};
    case kIntegrationFail: {
      static constexpr std::array<const char*, 3> kErrors = {"timeout", "HTTP 503",
                                                             "connection reset"};
      return IntegrationFailed{integrations.Pick(rng), kErrors[rng.Below(3)]};
    }
    case kIntegrationAuth:
      return IntegrationAuthChanged{integrations.Pick(rng),
                                    static_cast<AuthStatus>(rng.Between(1, 3))};
    case kIntegrationRateLimit:
      return IntegrationRateLimited{integrations.Pick(rng), rng.Between(0, 1000), Later(1, 900)};
    case kApprovalRequest: {
      std::string id = NewId("appr");
      approvals.Add(id);
      static constexpr std::array<const char*, 3> kActions = {"deploy", "send email",
                                                              "delete data"};
      return ApprovalRequested{id, tasks_recent.Pick(rng), kActions[rng.Below(3)],
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
      return AutonomyLevelChanged{level, rng.Chance(70) ? OptString("policy review") : std::nullopt};
    }
    case kAlarmRaise: {
      std::string id;
      if (!alarms_resolved.empty() && rng.Chance(30)) {
        id = alarms_resolved.Take(rng);  // raised again
      } else {
        id = NewId("alarm");
      }
      alarms_open.Add(id);
      static constexpr std::array<const char*, 3> kSources = {"watcher", "integration", "rule"};
      return AlarmRaised{id, static_cast<Severity>(rng.Below(3)), kSources[rng.Below(3)],
                         "condition on " + id};
    }
    case kAlarmAck: {
      std::string id = alarms_open.Take(rng);
      alarms_acked.Add(id);
      return AlarmAcked{id};
    }
    case kAlarmResolve: {
      Pool& from = alarms_open.empty() ? alarms_acked
                   : (alarms_acked.empty() || rng.Chance(50) ? alarms_open : alarms_acked);
      std::string id = from.Take(rng);
      alarms_resolved.Add(id);
      return AlarmResolved{id};
    }
    case kActionCount: break;
  }
  throw std::logic_error("workload: unknown action");
}

Workload::Workload(WorkloadOptions options) : impl_(std::make_unique<Impl>(options)) {}
Workload::~Workload() = default;
Event Workload::Next() { return impl_->Next(); }
std::vector<Event> Workload::Take(size_t n) {
  std::vector<Event> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(Next());
  return out;
}

}  // namespace annal
