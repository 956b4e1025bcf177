// JSONL import end to end: parse each line (annal's JsonDecoder) on one
// thread and append in batches of 1000 with inline projections on another,
// as `annal import` FILE does.
//   build/bench/import_bench --benchmark_out=import.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <thread>
#include <utility>

#include "annal/jsonl.h"
#include "bench/bench_util.h"
#include "bench/sqlite_peer.h"
#include "common/handoff.h"

namespace annal::bench {
namespace {

constexpr size_t kEvents = 100000;

// The JSONL file both sides import: one generated stream.
const std::vector<std::string>& Lines() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> v;
    for (const Event& e : Stream(false, kEvents)) {
      std::string line;
      AppendJson(line, e);
      v.push_back(std::move(line));
    }
    return v;
  }();
  return lines;
}

// Decodes every line on a thread of its own and hands the events to
// `append` in batches of 1000 on this one, two batches ahead at most: the
// pipeline of `annal import` FILE (tools/cmd_import.cc), for both sides.
template <class AppendFn>
void DecodeInBatches(const std::vector<std::string>& lines, AppendFn&& append) {
  internal::Handoff<std::vector<Event>> decoded(2);
  std::thread decoding([&] {
    JsonDecoder decoder;
    std::vector<Event> batch;
    for (const std::string& line : lines) {
      batch.push_back(std::move(decoder.Decode(line).value()));
      if (batch.size() == 1000 && !decoded.Put(std::exchange(batch, {}))) break;
    }
    decoded.Finish();
  });
  while (auto batch = decoded.Take()) append(*batch);
  decoding.join();
}

// Decodes every line and hands the events to `append` in batches of 1000,
// on this thread: the import before its pipeline, for the same-run ratio.
template <class AppendFn>
void DecodeInBatchesSerially(const std::vector<std::string>& lines, AppendFn&& append) {
  JsonDecoder decoder;
  std::vector<Event> batch;
  for (const std::string& line : lines) {
    batch.push_back(std::move(decoder.Decode(line).value()));
    if (batch.size() == 1000) append(std::exchange(batch, {}));
  }
}

template <bool kPipelined>
void ImportInto(benchmark::State& state) {
  const bool sync = state.range(0);
  const size_t n = kEvents;
  const std::vector<std::string>& lines = Lines();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = ScratchDir("import");
    Options o;
    o.sync = sync;
    auto engine = std::move(Engine::Open(dir, o).value());
    state.ResumeTiming();
    auto append = [&](const std::vector<Event>& batch) {
      if (!engine->Append(batch).ok()) state.SkipWithError("append");
    };
    if (kPipelined) {
      DecodeInBatches(lines, append);
    } else {
      DecodeInBatchesSerially(lines, append);
    }
    state.PauseTiming();
    engine.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_Import(benchmark::State& state) { ImportInto<true>(state); }
void BM_ImportSerial(benchmark::State& state) { ImportInto<false>(state); }

// The SQLite peer importing the same lines: the same decoder, the same
// batches of 1000, one transaction each (WAL; synchronous=FULL when durable).
void BM_SqliteImport(benchmark::State& state) {
  const bool sync = state.range(0);
  const std::vector<std::string>& lines = Lines();
  for (auto _ : state) {
    state.PauseTiming();
    std::string file = ScratchDir("import-sqlite") + ".sqlite";
    auto peer = std::make_unique<SqlitePeer>(file, sync);
    state.ResumeTiming();
    DecodeInBatches(lines, [&](const std::vector<Event>& batch) { peer->Append(batch); });
    state.PauseTiming();
    peer.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(file + suffix);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}

BENCHMARK(BM_Import)
    ->ArgName("sync")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_ImportSerial)
    ->ArgName("sync")
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_SqliteImport)
    ->ArgName("sync")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace annal::bench

BENCHMARK_MAIN();
