// The workload generator's machinery, shared by workload.cc (choosing what
// happens next) and workload_actions.cc (the event each action emits): a
// splitmix64 stream for every choice, pools of ids by state, and a fixed
// table of weighted actions. Internal.
#pragma once

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "annal/workload.h"
#include "common/hidden.h"

namespace annal {
namespace workload {

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
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(hi - lo + 1));
  }
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
  kTaskCreate,
  kTaskStart,
  kTaskPause,
  kTaskResume,
  kTaskStep,
  kTaskFinish,
  kTaskCancel,
  kTaskRequeue,
  kCallQueue,
  kCallStart,
  kCallFinish,
  kScheduleCreate,
  kScheduleDue,
  kScheduleStart,
  kScheduleMiss,
  kScheduleToggle,
  kScheduleDelete,
  kWatcherCreate,
  kWatcherTick,
  kWatcherToggle,
  kWatcherDelete,
  kRuleCreate,
  kRuleHit,
  kRuleSuppress,
  kRuleToggle,
  kRuleDelete,
  kIntegrationRegister,
  kIntegrationSucceed,
  kIntegrationFail,
  kIntegrationAuth,
  kIntegrationRateLimit,
  kApprovalRequest,
  kApprovalDecide,
  kAutonomy,
  kAlarmRaise,
  kAlarmAck,
  kAlarmResolve,
  kActionCount
};

// Relative frequencies, in tenths.
constexpr std::array<int, kActionCount> kWeights = {60, 70, 30, 30, 60, 45,
                                                    10, 10,                 // tasks
                                                    50, 50, 50,             // tool calls
                                                    10, 40, 30, 10, 10, 2,  // schedules
                                                    10, 80, 10, 2,          // watchers
                                                    10, 50, 20, 10, 2,      // rules
                                                    5,  40, 20, 5,  10,  // integrations
                                                    20, 20,              // approvals
                                                    2,                   // autonomy
                                                    20, 15, 20};         // alarms

constexpr size_t kMaxOpenTasks = 2000, kMaxEntities = 200, kMaxIntegrations = 50;
constexpr int64_t kSecond = 1'000'000;

}  // namespace workload

using namespace workload;

struct ANNAL_HIDDEN Workload::Impl {
  explicit Impl(WorkloadOptions o) : options(o), rng(o.seed), ts(o.start_ts) {}

  WorkloadOptions options;
  Rng rng;
  int64_t ts;
  uint64_t next_id = 0;
  Pool queued, running, paused, tasks_recent;
  Pool calls_queued, calls_started, approvals;
  Pool schedules_on, schedules_off,
      schedule_runs;  // schedule_runs: one entry per waiting run
  Pool watchers_on, watchers_off, rules_on, rules_off, integrations;
  Pool alarms_open, alarms_acked, alarms_resolved;
  int64_t autonomy = 0;

  std::string NewId(const char* prefix) {
    char buf[64];
    if (options.random_ids) {
      uint64_t a = rng.Next(), b = rng.Next();
      std::snprintf(buf, sizeof buf, "%s-%08x-%04x-%04x-%012llx", prefix,
                    static_cast<unsigned>(a >> 32),
                    static_cast<unsigned>(a >> 16) & 0xFFFF,
                    static_cast<unsigned>(a) & 0xFFFF,
                    static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
    } else {
      std::snprintf(buf, sizeof buf, "%s-%08llu", prefix,
                    static_cast<unsigned long long>(++next_id));
    }
    return buf;
  }
  std::string Step() { return "step-" + std::to_string(rng.Between(1, 12)); }
  int64_t Later(int64_t lo_s, int64_t hi_s) {
    return ts + rng.Between(lo_s, hi_s) * kSecond;
  }

  bool Possible(Action a) const {
    size_t open = queued.size() + running.size() + paused.size();
    switch (a) {
      case kTaskCreate:
        return open < kMaxOpenTasks;
      case kTaskStart:
        return !queued.empty();
      case kTaskPause:
      case kTaskStep:
      case kTaskFinish:
      case kTaskRequeue:
        return !running.empty();
      case kTaskResume:
        return !paused.empty();
      case kTaskCancel:
        return !queued.empty() || !paused.empty();
      case kCallQueue:
        return !tasks_recent.empty();
      case kCallStart:
        return !calls_queued.empty();
      case kCallFinish:
        return !calls_started.empty();
      case kScheduleCreate:
        return schedules_on.size() + schedules_off.size() < kMaxEntities;
      case kScheduleDue:
      case kScheduleToggle:
      case kScheduleDelete:
        return !schedules_on.empty() || !schedules_off.empty();
      case kScheduleStart:
      case kScheduleMiss:
        return !schedule_runs.empty();
      case kWatcherCreate:
        return watchers_on.size() + watchers_off.size() < kMaxEntities;
      case kWatcherTick:
      case kWatcherToggle:
      case kWatcherDelete:
        return !watchers_on.empty() || !watchers_off.empty();
      case kRuleCreate:
        return rules_on.size() + rules_off.size() < kMaxEntities;
      case kRuleHit:
      case kRuleSuppress:
      case kRuleToggle:
      case kRuleDelete:
        return !rules_on.empty() || !rules_off.empty();
      case kIntegrationRegister:
        return integrations.size() < kMaxIntegrations;
      case kIntegrationSucceed:
      case kIntegrationFail:
      case kIntegrationAuth:
      case kIntegrationRateLimit:
        return !integrations.empty();
      case kApprovalRequest:
        return !tasks_recent.empty();
      case kApprovalDecide:
        return !approvals.empty();
      case kAutonomy:
        return true;
      case kAlarmRaise:
        return true;
      case kAlarmAck:
        return !alarms_open.empty();
      case kAlarmResolve:
        return !alarms_open.empty() || !alarms_acked.empty();
      case kActionCount:
        break;
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
  // Moves a toggled id to the other pool; *was_on says which it left.
  std::string Toggle(Pool& on, Pool& off, bool* was_on) {
    std::string id = PickToggle(on, off, was_on);
    (*was_on ? on : off).Remove(id);
    (*was_on ? off : on).Add(id);
    return id;
  }
  // Takes an id out of whichever pool holds it, for a deletion.
  std::string TakeEither(Pool& on, Pool& off) {
    bool was_on = false;
    std::string id = PickEither(on, off, &was_on);
    (was_on ? on : off).Remove(id);
    return id;
  }
  void Remember(const std::string& task) {
    tasks_recent.Add(task);
    if (tasks_recent.size() > 1000) tasks_recent.Take(rng);
  }

  EventBody Make(Action a);  // workload_actions.cc
  Event Next() {
    ts += rng.Between(1, 1000) * 1000;  // 1 ms to 1 s apart
    Event ev(Make(Choose()));
    ev.ts = ts;
    static constexpr std::array<const char*, 4> kActors = {"scheduler", "agent",
                                                           "operator:ana", "watchdog"};
    if (!rng.Chance(20)) ev.actor = kActors[rng.Below(kActors.size())];
    return ev;
  }
};

}  // namespace annal
