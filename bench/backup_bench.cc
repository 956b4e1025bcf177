// Hot backup (Engine::Backup): the compacted copy alone, and copy plus the
// copy's full verification, of a 10^5- and a 10^6-event store; also the
// copy while a writer appends durable single events.
//   build/bench/backup_bench --benchmark_counters_tabular=true
#include <atomic>
#include <filesystem>
#include <thread>

#include "bench/bench_util.h"

namespace annal::bench {
namespace {

void BackupCell(benchmark::State& state, size_t events, bool with_writer) {
  auto engine = std::move(Engine::Open(Prefilled(events, false)).value());
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    std::thread writer;
    if (with_writer) {
      writer = std::thread([&] {
        for (int n = 0; !stop; ++n) {
          Event e = TaskCreated{"backup-bench-" + std::to_string(n), "job"};
          if (!engine->Append(e).ok()) std::abort();
        }
      });
    }
    std::string dest = ScratchDir("backup");
    auto start = std::chrono::steady_clock::now();
    auto report = engine->Backup(dest);
    double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stop = true;
    if (writer.joinable()) writer.join();
    if (!report.ok()) {
      state.SkipWithError(report.status().ToString().c_str());
      break;
    }
    state.SetIterationTime(report->seconds);
    state.counters["copy_s"] = report->seconds;
    state.counters["copy_and_verify_s"] = total;
    state.counters["MiB"] = report->bytes / 1048576.0;
    std::filesystem::remove_all(dest);
  }
}

void Register() {
  for (size_t events : {100000, 1000000}) {
    for (bool writer : {false, true}) {
      std::string name = "Backup/events:" + std::to_string(events) +
                         (writer ? "/writer:durable" : "/writer:none");
      benchmark::RegisterBenchmark(name.c_str(), BackupCell, events, writer)
          ->UseManualTime()
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  return annal::bench::RunRegistered(argc, argv, annal::bench::Register);
}
