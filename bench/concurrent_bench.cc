// Concurrent durable single-event appends, as a runtime's workers make them:
// N threads each appending one event at a time, every append durable. annal
// (one Engine shared by the threads: its group commit) against the SQLite
// peer with one connection per thread, each committing its own transaction
// (WAL, synchronous=FULL, BEGIN IMMEDIATE, busy_timeout). Side by side in
// one run; counters: events_per_s, p50_us and p99_us of one append.
//   build/bench/concurrent_bench --benchmark_counters_tabular=true
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bench/bench_util.h"
#include "bench/sqlite_peer.h"

namespace annal::bench {
namespace {

constexpr size_t kEventsPerRun = 3200;

// Thread t's i-th event: a task of its own, so the threads never wait for
// each other's entities.
Event EventOf(size_t t, size_t i) {
  Event e = TaskCreated{"t" + std::to_string(t) + "-" + std::to_string(i), "job"};
  e.ts = 1'700'000'000'000'000 + static_cast<int64_t>(i);
  return e;
}

// Runs `threads` threads, each calling append(t, i) for its share of the
// events; sets the manual time and the counters.
template <class AppendFn>
void RunThreads(benchmark::State& state, size_t threads, AppendFn&& append) {
  const size_t per_thread = std::max<size_t>(1, kEventsPerRun / threads);
  std::vector<std::vector<double>> latencies(threads);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(per_thread);
      for (size_t i = 0; i < per_thread; ++i) {
        auto a = std::chrono::steady_clock::now();
        append(t, i);
        latencies[t].push_back(std::chrono::duration<double, std::micro>(
                                   std::chrono::steady_clock::now() - a)
                                   .count());
      }
    });
  }
  for (auto& w : workers) w.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.SetIterationTime(secs);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  state.counters["events_per_s"] = all.size() / secs;
  state.counters["p50_us"] = all[all.size() / 2];
  state.counters["p99_us"] = all[all.size() * 99 / 100];
  state.SetItemsProcessed(all.size());
}

void AnnalCell(benchmark::State& state, size_t threads) {
  for (auto _ : state) {
    std::string dir = ScratchDir("concurrent");
    auto engine = std::move(Engine::Open(dir).value());  // durable: Options::sync
    RunThreads(state, threads, [&](size_t t, size_t i) {
      if (!engine->Append(EventOf(t, i)).ok()) std::abort();
    });
    engine.reset();
    std::filesystem::remove_all(dir);
  }
}

void SqliteCell(benchmark::State& state, size_t threads) {
  for (auto _ : state) {
    std::string file = ScratchDir("concurrent-sqlite") + ".sqlite";
    { SqlitePeer schema(file, true); }  // creates the tables once
    std::vector<std::unique_ptr<SqlitePeer>> peers;
    for (size_t t = 0; t < threads; ++t) {
      peers.push_back(
          std::make_unique<SqlitePeer>(file, true, SqlitePeer::Sharing::kShared));
    }
    RunThreads(state, threads, [&](size_t t, size_t i) {
      Event e = EventOf(t, i);
      peers[t]->Append(std::span(&e, 1));
    });
    peers.clear();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(file + suffix);
  }
}

void Register() {
  for (size_t threads : {1, 4, 16, 64}) {
    const std::string t = "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("Concurrent/annal/durable" + t).c_str(), AnnalCell,
                                 threads)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("Concurrent/sqlite/durable" + t).c_str(), SqliteCell,
                                 threads)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  return annal::bench::RunRegistered(argc, argv, annal::bench::Register);
}
