// Replay: a full rebuild of every projection from logs of 250k and 1M events,
// with the peak anonymous memory seen during it (sampled from
// /proc/self/status at every progress report), next to a bare scan of the
// same log. Memory must stay flat as the log grows.
//   build/bench/replay_bench --benchmark_out=replay.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "annal/engine.h"
#include "annal/workload.h"
#include "bench/sqlite_peer.h"

namespace {

// Resident anonymous memory (heap, stacks) in KiB: excludes the store's
// file-backed mapped pages, which the OS may drop at any time.
long RssAnonKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stol(line.substr(8));
  }
  return 0;
}

// One store per size, built once (no-sync, batches of 1000) and reused.
const std::string& StoreOf(int64_t events) {
  static std::map<int64_t, std::string> stores;
  auto& dir = stores[events];
  if (!dir.empty()) return dir;
  dir = "/tmp/annal-replay-bench-" + std::to_string(::getpid()) + "-" +
        std::to_string(events);
  std::filesystem::remove_all(dir);
  annal::Options o;
  o.sync = false;
  o.initial_map_size = size_t{4} << 30;
  auto engine = std::move(annal::Engine::Open(dir, o).value());
  annal::Workload w({.seed = 1});
  for (int64_t done = 0; done < events; done += 1000) {
    if (!engine->Append(w.Take(1000)).ok()) std::abort();
  }
  return dir;
}

// Times `replay(engine, progress)` on the store of state.range(0) events,
// sampling the anonymous RSS at every progress report; false is a failure.
template <class ReplayFn>
void TimedReplay(benchmark::State& state, ReplayFn&& replay) {
  const std::string& dir = StoreOf(state.range(0));
  annal::Options o;
  o.sync = false;
  auto engine = std::move(annal::Engine::Open(dir, o).value());
  long base = RssAnonKiB(), peak = base;
  annal::ProgressFn progress = [&](const annal::ReplayProgress&) {
    peak = std::max(peak, RssAnonKiB());
  };
  for (auto _ : state) {
    if (!replay(*engine, progress)) state.SkipWithError("replay failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["peak_anon_rss_MiB"] = peak / 1024.0;
  state.counters["rss_growth_MiB"] = (peak - base) / 1024.0;
}

void BM_Rebuild(benchmark::State& state) {
  TimedReplay(state, [](annal::Engine& e, const annal::ProgressFn& progress) {
    return e.Rebuild(progress).ok();
  });
}

// A full verify: the rebuild into the scratch slot, then the byte-for-byte
// comparison with the live one.
void BM_Verify(benchmark::State& state) {
  TimedReplay(state, [](annal::Engine& e, const annal::ProgressFn& progress) {
    auto r = e.Verify(progress);
    return r.ok() && r->identical();
  });
}

void BM_VerifyLogOnly(benchmark::State& state) {
  const std::string& dir = StoreOf(state.range(0));
  auto engine = std::move(annal::Engine::Open(dir).value());
  for (auto _ : state) {
    auto r = engine->VerifyLog();
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_BareLogScan(benchmark::State& state) {
  const std::string& dir = StoreOf(state.range(0));
  auto engine = std::move(annal::Engine::Open(dir).value());
  for (auto _ : state) {
    auto snap = engine->Read();
    uint64_t n = 0;
    auto st = snap->ScanLog(1, [&](const annal::LoggedEvent&) { return ++n, true; });
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The peer rebuilding its projection tables from its audit_events alone.
void BM_SqliteRebuild(benchmark::State& state) {
  const int64_t events = state.range(0);
  std::string file =
      "/tmp/annal-replay-bench-" + std::to_string(::getpid()) + "-peer.sqlite";
  std::filesystem::remove(file);
  {
    annal::bench::SqlitePeer peer(file, false);
    annal::Workload w({.seed = 1});
    for (int64_t done = 0; done < events; done += 1000) peer.Append(w.Take(1000));
    for (auto _ : state) peer.Rebuild();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
  state.SetItemsProcessed(state.iterations() * events);
}

BENCHMARK(BM_SqliteRebuild)->Arg(250000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Rebuild)
    ->Arg(250000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_Verify)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_VerifyLogOnly)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK(BM_BareLogScan)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(2);

// ANNAL_BENCH_LONG=1 (the long command of bench/run.sh) adds 10^7 events:
// about 2 GB of store, and minutes.
void RegisterLong() {
  if (!std::getenv("ANNAL_BENCH_LONG")) return;
  benchmark::RegisterBenchmark("BM_Rebuild", BM_Rebuild)
      ->Arg(10000000)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  benchmark::RegisterBenchmark("BM_Verify", BM_Verify)
      ->Arg(10000000)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RegisterLong();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
