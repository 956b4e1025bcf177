// JSONL import end to end: parse each line (annal's JsonDecoder) and append
// in batches of 1000 with inline projections, as `annal import` does.
//   build/bench/import_bench --benchmark_out=import.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include "annal/jsonl.h"
#include "bench/bench_util.h"

namespace annal::bench {
namespace {

void BM_Import(benchmark::State& state) {
  const bool sync = state.range(0);
  const size_t n = 100000;
  std::vector<std::string> lines;
  for (const Event& e : Stream(false, n)) {
    std::string line;
    AppendJson(line, e);
    lines.push_back(std::move(line));
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ScratchDir("import");
    Options o;
    o.sync = sync;
    auto engine = std::move(Engine::Open(dir, o).value());
    JsonDecoder decoder;
    std::vector<Event> batch;
    state.ResumeTiming();
    for (const std::string& line : lines) {
      batch.push_back(std::move(decoder.Decode(line).value()));
      if (batch.size() == 1000) {
        if (!engine->Append(batch).ok()) state.SkipWithError("append");
        batch.clear();
      }
    }
    state.PauseTiming();
    engine.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

BENCHMARK(BM_Import)
    ->ArgName("sync")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

}  // namespace
}  // namespace annal::bench

BENCHMARK_MAIN();
