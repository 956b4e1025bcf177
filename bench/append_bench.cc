// Append throughput with inline projections, per batch size, no-sync and
// durable. The write-overhead suite of docs/performance.md builds on this.
//   build/bench/append_bench --benchmark_out=append.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <filesystem>

#include "annal/engine.h"
#include "annal/workload.h"

namespace {

std::string FreshDir() {
  static int n = 0;
  std::string dir =
      "/tmp/annal-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  std::filesystem::remove_all(dir);
  return dir;
}

// Appends `events` pre-built events in batches of state.range(0).
void BM_Append(benchmark::State& state, bool sync, bool random_ids) {
  const size_t batch = state.range(0), events = state.range(1);
  annal::Workload w({.seed = 1, .random_ids = random_ids});
  std::vector<annal::Event> stream = w.Take(events);
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = FreshDir();
    annal::Options o;
    o.sync = sync;
    o.initial_map_size = size_t{1} << 30;
    auto engine = std::move(annal::Engine::Open(dir, o).value());
    state.ResumeTiming();
    for (size_t i = 0; i < stream.size(); i += batch) {
      auto r = engine->Append(
          std::span(stream).subspan(i, std::min(batch, stream.size() - i)));
      if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    }
    state.PauseTiming();
    engine.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * events);
}

BENCHMARK_CAPTURE(BM_Append, nosync_seq_ids, false, false)
    ->ArgsProduct({{1, 10, 100, 1000}, {20000}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Append, nosync_random_ids, false, true)
    ->ArgsProduct({{1000}, {20000}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Append, sync_seq_ids, true, false)
    ->ArgsProduct({{1, 1000}, {2000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
