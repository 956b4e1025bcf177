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

// Times appending `stream` in batches of `batch` to a fresh store opened
// with `o`, after `prepare(engine)` (untimed).
template <class PrepareFn>
void TimeAppends(benchmark::State& state, const std::vector<annal::Event>& stream,
                 size_t batch, const annal::Options& o, PrepareFn&& prepare) {
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = FreshDir();
    auto engine = std::move(annal::Engine::Open(dir, o).value());
    prepare(*engine);
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
  state.SetItemsProcessed(state.iterations() * stream.size());
}

// Appends `events` pre-built events in batches of state.range(0).
void BM_Append(benchmark::State& state, bool sync, bool random_ids) {
  annal::Workload w({.seed = 1, .random_ids = random_ids});
  annal::Options o;
  o.sync = sync;
  o.initial_map_size = size_t{1} << 30;
  TimeAppends(state, w.Take(state.range(1)), state.range(0), o, [](annal::Engine&) {});
}

// Events of your own (docs/events.md): 20,000 events of a declared type with
// four fields (checked against the declaration, logged as a FlexBuffers
// map; the nine projections ignore them), batches of 1000, no-sync; beside
// BM_Append/nosync_seq_ids/1000 (the generated stream of built-in events).
void BM_AppendDeclared(benchmark::State& state) {
  std::vector<annal::Event> stream;
  for (size_t i = 0; i < 20000; ++i) {
    stream.push_back(
        annal::DeclaredEvent{"deploy.done",
                             {{"ok", i % 3 != 0},
                              {"region", std::string("eu-west")},
                              {"seconds", static_cast<double>(i) / 8},
                              {"service", "svc-" + std::to_string(i % 50)}}});
    stream.back().ts = 1'700'000'000'000'000 + static_cast<int64_t>(i);
  }
  annal::Options o;
  o.sync = false;
  TimeAppends(state, stream, 1000, o, [&](annal::Engine& engine) {
    const annal::Event declaration = annal::EventTypeDeclared{
        "deploy.done", 1, "ok:bool,region:str?,seconds:float,service:str"};
    if (!engine.Append(std::span(&declaration, 1)).ok()) state.SkipWithError("declare");
  });
}
BENCHMARK(BM_AppendDeclared)->Unit(benchmark::kMillisecond);

// Erasure's cost (docs/security.md): the generated stream, every event with
// an actor, batches of 1000, no-sync; with state.range(0) = 1 each event also
// names one of 100 subjects, so its actor (and any approval context or alarm
// message) is sealed with AES-256-GCM. The subjects' keys are made before
// the timing (a new subject's first event costs a commit more).
void BM_AppendPersonal(benchmark::State& state) {
  const bool sealed = state.range(0) == 1;
  annal::Workload w({.seed = 1});
  std::vector<annal::Event> stream = w.Take(20000);
  for (size_t i = 0; i < stream.size(); ++i) {
    stream[i].actor = "operator:person-" + std::to_string(i % 100);
    if (sealed) stream[i].subject = "user:" + std::to_string(i % 100);
  }
  annal::Options o;
  o.sync = false;
  o.initial_map_size = size_t{1} << 30;
  TimeAppends(state, stream, 1000, o, [&](annal::Engine& engine) {
    std::vector<annal::Event> keys;
    for (int i = 0; sealed && i < 100; ++i) {
      annal::Event named = annal::TaskCreated{"key-" + std::to_string(i), "k", {}};
      named.subject = "user:" + std::to_string(i);
      keys.push_back(std::move(named));
    }
    if (!keys.empty() && !engine.Append(keys).ok()) state.SkipWithError("keys");
  });
}
BENCHMARK(BM_AppendPersonal)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

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
