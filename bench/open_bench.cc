// Opening a store read-only, with and without the page checks of
// Options::check_pages (docs/format.md, "Checks of the file"), side by side
// in one run, for 10^5 and 10^6 events (page cache warm: the second and
// later opens of the same file, as a dashboard or a CLI command would).
//   build/bench/open_bench --benchmark_counters_tabular=true
#include "bench/bench_util.h"

namespace annal::bench {
namespace {

void OpenCell(benchmark::State& state, size_t events, bool check_pages) {
  const std::string& dir = Prefilled(events, false);
  Options o;
  o.read_only = true;
  o.check_pages = check_pages;
  for (auto _ : state) {
    auto engine = Engine::Open(dir, o);
    if (!engine.ok()) {
      state.SkipWithError(engine.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(engine);
  }
  state.counters["MiB"] =
      static_cast<double>(std::filesystem::file_size(dir + "/data.mdb")) / 1048576.0;
}

void Register() {
  for (size_t events : {100000, 1000000}) {
    for (bool check : {false, true}) {
      std::string name = "Open/events:" + std::to_string(events) +
                         (check ? "/check_pages:on" : "/check_pages:off");
      benchmark::RegisterBenchmark(name.c_str(), OpenCell, events, check)
          ->Unit(benchmark::kMillisecond)
          ->MinTime(1.0);
    }
  }
}

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  return annal::bench::RunRegistered(argc, argv, annal::bench::Register);
}
