// The audit trail of one entity (Snapshot::History, from proj_audit_trail)
// against the same trail found by a scan of the log, side by side in one run
// on a store of 10^6 generated events (ANNAL_BENCH_HISTORY_STORE to change
// it). History reports its latency percentiles over many entities as
// counters (p50_us, p99_us); the scan is what `annal export | grep` does.
//   build/bench/history_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "bench/bench_util.h"

namespace annal::bench {
namespace {

size_t StoreSize() {
  const char* n = std::getenv("ANNAL_BENCH_HISTORY_STORE");
  return n ? std::strtoull(n, nullptr, 10) : 1'000'000;
}

// Tasks spread over the whole stream: every 97th task created.
std::vector<std::string> SomeTasks(size_t events) {
  std::vector<std::string> tasks;
  size_t seen = 0;
  for (const Event& ev : Stream(false, events)) {
    if (auto* t = std::get_if<TaskCreated>(&ev.body); t && seen++ % 97 == 0)
      tasks.push_back(t->task_id);
  }
  return tasks;
}

void BM_HistoryOfATask(benchmark::State& state) {
  const size_t events = StoreSize();
  const std::vector<std::string> tasks = SomeTasks(events);
  Options o;
  o.read_only = true;
  auto engine = std::move(Engine::Open(Prefilled(events, false), o).value());
  std::vector<double> micros;
  size_t i = 0, returned = 0;
  for (auto _ : state) {
    auto begin = std::chrono::steady_clock::now();
    auto snap = engine->Read();
    auto page = snap->History("task", tasks[i++ % tasks.size()]);
    if (!page.ok() || !*page) state.SkipWithError("no trail");
    returned += (*page)->events.size();
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - begin)
                         .count());
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  state.counters["events_per_trail"] = double(returned) / double(micros.size());
  state.counters["store_events"] = double(events);
}
BENCHMARK(BM_HistoryOfATask)->Iterations(2000)->Unit(benchmark::kMicrosecond);

// The same question without the index: every record decoded, the task's
// events and its calls' and approvals' picked out.
void BM_HistoryByLogScan(benchmark::State& state) {
  const size_t events = StoreSize();
  const std::vector<std::string> tasks = SomeTasks(events);
  Options o;
  o.read_only = true;
  auto engine = std::move(Engine::Open(Prefilled(events, false), o).value());
  size_t i = 0, returned = 0;
  for (auto _ : state) {
    const std::string& task = tasks[i++ % tasks.size()];
    std::set<std::string> calls, approvals;
    auto snap = engine->Read();
    (void)snap->ScanLog(1, [&](const LoggedEvent& le) {
      bool mine = false;
      std::visit(
          [&](const auto& b) {
            using B = std::decay_t<decltype(b)>;
            if constexpr (requires { b.task_id; }) mine = b.task_id == task;
            if constexpr (std::is_same_v<B, ToolCallQueued>) {
              if (mine) calls.insert(b.call_id);
            } else if constexpr (std::is_same_v<B, ApprovalRequested>) {
              if (mine) approvals.insert(b.approval_id);
            } else if constexpr (requires { b.call_id; }) {
              mine = calls.contains(b.call_id);
            } else if constexpr (requires { b.approval_id; }) {
              mine = approvals.contains(b.approval_id);
            }
          },
          le.event.body);
      returned += mine;
      return true;
    });
  }
  state.counters["events_per_trail"] = double(returned) / double(state.iterations());
  state.counters["store_events"] = double(events);
}
BENCHMARK(BM_HistoryByLogScan)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  annal::bench::RemoveAllScratch();
  return 0;
}
