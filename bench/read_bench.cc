// What projections save on read: every dashboard query of docs/events.md
// answered from its projection, against the same question answered from the
// log alone (a full scan, aggregating what the question needs), side by side
// at 10^4 and 10^5 events (10^6 with ANNAL_BENCH_MAX_STORE=1000000).
//   build/bench/read_bench --benchmark_out=read.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <set>

#include "bench/bench_util.h"
#include "bench/sqlite_peer.h"

namespace annal::bench {
namespace {

// "Due by T" queries ask about the store's latest time, where about half of
// the paused tasks, schedules and approvals fall due: the generator's events
// are 0.5 s apart on average. One-row lookups ask for an alarm that exists.
thread_local int64_t kMidTs = 0;
thread_local std::string kSomeAlarm;
void AimAt(const Snapshot& s, size_t store) {
  kMidTs = 1'700'000'000'000'000 + int64_t(store) * 500'000;
  auto alarms = s.Alarms();
  kSomeAlarm = alarms->empty() ? "none" : std::string(alarms->back().alarm_id);
}

// What the log alone can tell, per question: each folds one event at a time.
struct LogAnswers {
  std::map<std::string, TaskStatus> tasks;
  std::map<std::string, int64_t> wake;                        // paused tasks' wake times
  std::map<std::string, std::pair<bool, OptTime>> schedules;  // enabled, next run
  std::set<std::string> watchers, rules, integrations;
  std::map<std::string, int64_t> approvals;  // pending: expires_at
  std::map<std::string, int> alarms;         // 0 open, 1 acked, 2 resolved
  std::vector<uint64_t> autonomy_changes;
  uint64_t queued_calls = 0;

  void Fold(const LoggedEvent& le) {
    std::visit([&](const auto& e) { On(le.seq, e); }, le.event.body);
  }
  template <class E>
  void On(uint64_t, const E&) {}
  void On(uint64_t, const TaskCreated& e) { tasks[e.task_id] = TaskStatus::kQueued; }
  void On(uint64_t, const TaskStatusChanged& e) {
    tasks[e.task_id] = e.status;
    if (e.status == TaskStatus::kPaused && e.next_wake_time) {
      wake[e.task_id] = *e.next_wake_time;
    } else {
      wake.erase(e.task_id);
    }
  }
  void On(uint64_t, const ScheduleCreated& e) {
    schedules[e.schedule_id] = {e.enabled, e.next_run_at};
  }
  void On(uint64_t, const ScheduleEnabled& e) { schedules[e.schedule_id].first = true; }
  void On(uint64_t, const ScheduleDisabled& e) { schedules[e.schedule_id].first = false; }
  void On(uint64_t, const ScheduleDeleted& e) { schedules.erase(e.schedule_id); }
  void On(uint64_t, const ScheduleRunStarted& e) {
    if (e.next_run_at) schedules[e.schedule_id].second = e.next_run_at;
  }
  void On(uint64_t, const ScheduleRunMissed& e) {
    if (e.next_run_at) schedules[e.schedule_id].second = e.next_run_at;
  }
  void On(uint64_t, const ToolCallQueued&) { ++queued_calls; }
  void On(uint64_t, const ToolCallStarted&) { --queued_calls; }
  void On(uint64_t, const WatcherCreated& e) { watchers.insert(e.watcher_id); }
  void On(uint64_t, const WatcherDeleted& e) { watchers.erase(e.watcher_id); }
  void On(uint64_t, const RuleCreated& e) { rules.insert(e.rule_id); }
  void On(uint64_t, const RuleDeleted& e) { rules.erase(e.rule_id); }
  void On(uint64_t, const IntegrationRegistered& e) {
    integrations.insert(e.integration_id);
  }
  void On(uint64_t, const ApprovalRequested& e) {
    approvals[e.approval_id] = e.expires_at;
  }
  void On(uint64_t, const ApprovalGranted& e) { approvals.erase(e.approval_id); }
  void On(uint64_t, const ApprovalDenied& e) { approvals.erase(e.approval_id); }
  void On(uint64_t, const ApprovalExpired& e) { approvals.erase(e.approval_id); }
  void On(uint64_t seq, const AutonomyLevelChanged&) { autonomy_changes.push_back(seq); }
  void On(uint64_t, const AlarmRaised& e) { alarms[e.alarm_id] = 0; }
  void On(uint64_t, const AlarmAcked& e) { alarms[e.alarm_id] = 1; }
  void On(uint64_t, const AlarmResolved& e) { alarms[e.alarm_id] = 2; }
};

struct Question {
  const char* name;
  // The same question to the SQLite peer: query name, with T or a state.
  const char* peer_query;
  bool due, acked;
  std::function<size_t(const Snapshot&)> from_projection;  // rows returned
  std::function<size_t(const LogAnswers&)> from_log;
};

std::vector<Question> Questions() {
  auto count_if = [](const auto& m, auto pred) {
    size_t n = 0;
    for (const auto& kv : m) n += pred(kv.second);
    return n;
  };
  return {
      {"active_tasks", "active_tasks", false, false,
       [](const Snapshot& s) { return s.ActiveTasks()->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.tasks, [](TaskStatus t) {
           return t == TaskStatus::kRunning || t == TaskStatus::kPaused;
         });
       }},
      {"paused_tasks_waking_by_T", "active_tasks", true, false,
       [](const Snapshot& s) { return s.PausedTasksWakingBy(kMidTs)->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.wake, [](int64_t t) { return t <= kMidTs; });
       }},
      {"schedules", "schedules", false, false,
       [](const Snapshot& s) { return s.Schedules()->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.schedules, [](const auto& s) { return s.first; });
       }},
      {"schedules_due_by_T", "schedules", true, false,
       [](const Snapshot& s) { return s.SchedulesDueBy(kMidTs)->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.schedules, [](const auto& s) {
           return s.first && s.second && *s.second <= kMidTs;
         });
       }},
      {"watchers", "watchers", false, false,
       [](const Snapshot& s) { return s.Watchers()->size(); },
       [](const LogAnswers& a) { return a.watchers.size(); }},
      {"rules", "rules", false, false,
       [](const Snapshot& s) { return s.Rules()->size(); },
       [](const LogAnswers& a) { return a.rules.size(); }},
      {"integrations", "integrations", false, false,
       [](const Snapshot& s) { return s.Integrations()->size(); },
       [](const LogAnswers& a) { return a.integrations.size(); }},
      {"approvals", "approvals", false, false,
       [](const Snapshot& s) { return s.Approvals()->size(); },
       [](const LogAnswers& a) { return a.approvals.size(); }},
      {"approvals_expiring_by_T", "approvals", true, false,
       [](const Snapshot& s) { return s.ApprovalsExpiringBy(kMidTs)->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.approvals, [](int64_t t) { return t <= kMidTs; });
       }},
      {"queue_depth", "queue_depth", false, false,
       [](const Snapshot& s) { return s.QueueDepth().ok() ? size_t{1} : 0; },
       [](const LogAnswers&) { return size_t{1}; }},
      {"autonomy_history", "autonomy_history", false, false,
       [](const Snapshot& s) { return 1 + s.AutonomyChanges()->size(); },
       [](const LogAnswers& a) { return 1 + a.autonomy_changes.size(); }},
      {"alarms_acked", "alarms", false, true,
       [](const Snapshot& s) { return s.AlarmsInState(AlarmState::kAcked)->size(); },
       [=](const LogAnswers& a) {
         return count_if(a.alarms, [](int st) { return st == 1; });
       }},
      {"one_alarm_by_id", "alarm_by_id", false, false,
       [](const Snapshot& s) { return s.Alarm(kSomeAlarm)->has_value() ? size_t{1} : 0; },
       [](const LogAnswers& a) { return a.alarms.count(kSomeAlarm) ? size_t{1} : 0; }},
  };
}

// The prefilled store of `store` events, with the "due by T" time and the
// looked-up alarm aimed at it.
std::unique_ptr<Engine> OpenAimed(size_t store) {
  auto engine = std::move(Engine::Open(Prefilled(store, false)).value());
  AimAt(*engine->Read(), store);
  return engine;
}

void FromProjection(benchmark::State& state, Question q, size_t store) {
  auto engine = OpenAimed(store);
  size_t rows = 0;
  for (auto _ : state) {
    auto snap = engine->Read();
    rows = q.from_projection(*snap);
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = double(rows);
  state.counters["ns_per_row"] =
      benchmark::Counter(double(std::max<size_t>(rows, 1)) * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void FromLog(benchmark::State& state, Question q, size_t store) {
  auto engine = OpenAimed(store);
  size_t rows = 0;
  for (auto _ : state) {
    auto snap = engine->Read();
    LogAnswers answers;
    Status st = snap->ScanLog(1, [&](const LoggedEvent& e) {
      answers.Fold(e);
      return true;
    });
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    rows = q.from_log(answers);
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = double(rows);
}

void FromSqlite(benchmark::State& state, Question q, size_t store) {
  static std::map<size_t, std::unique_ptr<SqlitePeer>> peers;
  auto& peer = peers[store];
  if (!peer) {
    auto stream = Stream(false, store);
    peer = std::make_unique<SqlitePeer>(ScratchDir("read-sqlite") + ".sqlite", false);
    for (size_t i = 0; i < store; i += 1000)
      peer->Append(std::span(stream).subspan(i, 1000));
  }
  OpenAimed(store);
  size_t rows = 0;
  for (auto _ : state) {
    rows = std::string_view(q.peer_query) == "alarm_by_id"
               ? peer->LookupAlarm(kSomeAlarm)
               : peer->QueryRows(
                     q.peer_query, q.due ? std::optional<int64_t>(kMidTs) : std::nullopt,
                     q.acked ? std::optional<std::string>("acked") : std::nullopt);
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = double(rows);
}

void Register() {
  const char* max_env = std::getenv("ANNAL_BENCH_MAX_STORE");
  size_t max_store = max_env ? std::stoull(max_env) : 100000;
  for (size_t store : {size_t{10000}, size_t{100000}, size_t{1000000}}) {
    if (store > max_store) continue;
    for (const Question& q : Questions()) {
      std::string suffix = std::string(q.name) + "/store:" + std::to_string(store);
      benchmark::RegisterBenchmark(("Read/projection/" + suffix).c_str(), FromProjection,
                                   q, store)
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("Read/log_scan/" + suffix).c_str(), FromLog, q, store)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(store >= 1000000 ? 1 : 3);
      if (q.peer_query && store <= 100000) {
        benchmark::RegisterBenchmark(("Read/sqlite/" + suffix).c_str(), FromSqlite, q,
                                     store)
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  return annal::bench::RunRegistered(argc, argv, annal::bench::Register);
}
