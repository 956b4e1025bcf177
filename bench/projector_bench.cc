// Deferred mode: how fast a projector catches up with a backlog, how far
// behind a separate `annal project` process stays under a steady append load
// (commit-to-projected time, p50 and p99), and append rates in deferred and
// inline mode side by side.
//   build/bench/projector_bench --benchmark_out=projector.json
//   --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "bench/bench_util.h"

namespace annal::bench {
namespace {

using Clock = std::chrono::steady_clock;

void BM_CatchUp(benchmark::State& state) {
  const size_t n = state.range(0);
  auto stream = Stream(false, n);
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ScratchDir("catchup");
    Options o;
    o.mode = Mode::kDeferred;
    o.sync = false;
    auto e = std::move(Engine::Open(dir, o).value());
    for (size_t i = 0; i < n; i += 1000) {
      if (!e->Append(std::span(stream).subspan(i, 1000)).ok()) std::abort();
    }
    state.ResumeTiming();
    while (*e->ProjectPending(10000) > 0) {
    }
    state.PauseTiming();
    e.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_AppendRate(benchmark::State& state) {
  const Mode mode = state.range(0) ? Mode::kInline : Mode::kDeferred;
  const size_t n = 50000;
  auto stream = Stream(false, n);
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ScratchDir("append");
    Options o;
    o.mode = mode;
    o.sync = false;
    auto e = std::move(Engine::Open(dir, o).value());
    state.ResumeTiming();
    for (size_t i = 0; i < n; i += 100) {
      if (!e->Append(std::span(stream).subspan(i, 100)).ok()) std::abort();
    }
    state.PauseTiming();
    e.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// A writer thread commits batches of 20 events every millisecond (20,000
// events/s, durable) for two seconds while `annal project` runs as its own
// process; an observer polls the checkpoint every 100 µs. Lag of a batch:
// from its commit to the first observation of a checkpoint at or past it.
void BM_LagUnderLoad(benchmark::State& state) {
  const size_t batches = 2000, per = 20;
  auto stream = Stream(false, batches * per);
  for (auto _ : state) {
    std::string dir = ScratchDir("lag");
    Options o;
    o.mode = Mode::kDeferred;
    auto e = std::move(Engine::Open(dir, o).value());
    pid_t projector = fork();
    if (projector == 0) {
      execl(ANNAL_CLI_PATH, ANNAL_CLI_PATH, "--db", dir.c_str(), "project", "--batch",
            "1000", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::vector<Clock::time_point> committed(batches), seen(batches);
    std::atomic<size_t> done{0};
    std::thread observer([&] {
      size_t next = 0;
      while (next < batches) {
        uint64_t at = *e->Read()->ProjectedSeq();
        auto now = Clock::now();
        while (next < done.load() && (next + 1) * per <= at) seen[next++] = now;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
    auto tick = Clock::now();
    for (size_t b = 0; b < batches; ++b) {
      if (!e->Append(std::span(stream).subspan(b * per, per)).ok()) std::abort();
      committed[b] = Clock::now();
      done.store(b + 1);
      tick += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(tick);
    }
    observer.join();
    kill(projector, SIGTERM);
    waitpid(projector, nullptr, 0);
    std::vector<double> lag_ms;
    for (size_t b = 0; b < batches; ++b) {
      lag_ms.push_back(
          std::chrono::duration<double, std::milli>(seen[b] - committed[b]).count());
    }
    std::sort(lag_ms.begin(), lag_ms.end());
    state.counters["lag_p50_ms"] = lag_ms[lag_ms.size() / 2];
    state.counters["lag_p99_ms"] = lag_ms[lag_ms.size() * 99 / 100];
    e.reset();
    std::filesystem::remove_all(dir);
  }
}

BENCHMARK(BM_CatchUp)->Arg(200000)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_AppendRate)
    ->ArgName("inline")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_LagUnderLoad)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace annal::bench

BENCHMARK_MAIN();
