// Concurrent durable single-event appends, as a runtime's workers make them:
// N threads each appending one event at a time, every append durable. annal
// (one Engine shared by the threads: its group commit) against the SQLite
// peer with one connection per thread, each committing its own transaction
// (WAL, synchronous=FULL, BEGIN IMMEDIATE, busy_timeout). Side by side in
// one run, beside the disk's floor (one small append and its fdatasync, and
// two); counters: events_per_s, p50_us and p99_us of one append, and
// annal's group sizes (group_mean, groups_leN: the share of commits that
// took at most N batches).
//   build/bench/concurrent_bench --benchmark_counters_tabular=true
#include <fcntl.h>
#include <unistd.h>

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

// Group commit as the engine counted it: the mean batches per commit and
// the share of commits that took one batch, at most 4, at most 16.
void GroupCounters(benchmark::State& state, const EngineStats& stats) {
  if (stats.commits == 0) return;
  const double commits = static_cast<double>(stats.commits);
  state.counters["group_mean"] = static_cast<double>(stats.append_batches) / commits;
  for (size_t i : {size_t{0}, size_t{2}, size_t{4}}) {
    state.counters["groups_le" + std::to_string(kGroupBatchesBounds[i])] =
        static_cast<double>(stats.groups_within[i]) / commits;
  }
}

void AnnalCell(benchmark::State& state, size_t threads) {
  for (auto _ : state) {
    std::string dir = ScratchDir("concurrent");
    auto engine = std::move(Engine::Open(dir).value());  // durable: Options::sync
    RunThreads(state, threads, [&](size_t t, size_t i) {
      if (!engine->Append(EventOf(t, i)).ok()) std::abort();
    });
    GroupCounters(state, engine->Stats());
    engine.reset();
    std::filesystem::remove_all(dir);
  }
}

// The floor a durable append cannot go below on this disk: a small append
// to a file and its fdatasync, one thread (`files` = 2: two such, to two
// files, as LMDB's data-then-meta pair of syncs).
void FloorCell(benchmark::State& state, size_t files) {
  for (auto _ : state) {
    std::string dir = ScratchDir("floor");
    std::filesystem::create_directories(dir);
    std::vector<int> fds;
    for (size_t f = 0; f < files; ++f) {
      fds.push_back(::open((dir + "/f" + std::to_string(f)).c_str(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
      if (fds.back() < 0) std::abort();
    }
    const std::string record(200, 'r');
    RunThreads(state, 1, [&](size_t, size_t) {
      for (int fd : fds) {
        if (::write(fd, record.data(), record.size()) != 200 || ::fdatasync(fd) != 0)
          std::abort();
      }
    });
    for (int fd : fds) ::close(fd);
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
  for (size_t files : {1, 2}) {
    benchmark::RegisterBenchmark(
        ("Concurrent/floor/syncs:" + std::to_string(files) + "/threads:1").c_str(),
        FloorCell, files)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
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
