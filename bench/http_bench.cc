// The HTTP API (annal serve's server, in process, on loopback) and time
// travel. Requests: one client on a keep-alive connection, each request
// timed; counters requests_per_s, p50_us, p99_us; with /writer:1 another
// thread appends single events (no-sync) all along. Time travel:
// Engine::ReadAsOf(N) on an N-event store, wall time per view.
//   build/bench/http_bench --benchmark_counters_tabular=true
#define CPPHTTPLIB_USE_POLL
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "bench/bench_util.h"
#include "server/server.h"

namespace annal::bench {
namespace {

constexpr size_t kStoreEvents = 200000;
constexpr size_t kRequests = 3000;

void Requests(benchmark::State& state, const std::string& path) {
  const bool writer_on = state.range(0) != 0;
  Options o;
  o.sync = false;
  auto engine = std::move(Engine::Open(PrefilledCopy(kStoreEvents, false), o).value());
  server::ServeOptions so;
  so.port = 0;
  server::ApiServer api(*engine, so);
  const int port = api.Bind().value();
  std::thread serving([&] { (void)api.Run(); });
  std::atomic<bool> stop{false};
  std::thread writer;
  if (writer_on) {
    writer = std::thread([&] {
      for (uint64_t i = 0; !stop.load(); ++i) {
        Event e = AlarmRaised{"bench-" + std::to_string(i), Severity::kInfo, "s", "m"};
        if (!engine->Append(e).ok()) std::abort();
      }
    });
  }
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  std::vector<double> latencies;
  for (auto _ : state) {
    latencies.clear();
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < kRequests; ++i) {
      auto a = std::chrono::steady_clock::now();
      auto res = client.Get(path);
      if (!res || res->status != 200) std::abort();
      latencies.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a)
              .count());
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  stop = true;
  if (writer.joinable()) writer.join();
  api.Stop();
  serving.join();
  std::sort(latencies.begin(), latencies.end());
  state.counters["p50_us"] = latencies[latencies.size() / 2];
  state.counters["p99_us"] = latencies[latencies.size() * 99 / 100];
  state.counters["requests_per_s"] = benchmark::Counter(
      static_cast<double>(kRequests) * state.iterations(), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(kRequests) * state.iterations());
}

void BM_HttpActiveTasksPage(benchmark::State& state) {
  Requests(state, "/v1/projections/active_tasks?limit=100");
}
void BM_HttpStatus(benchmark::State& state) { Requests(state, "/v1/status"); }

void BM_TimeTravel(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  Options o;
  o.read_only = true;
  auto engine = std::move(Engine::Open(Prefilled(n, false), o).value());
  for (auto _ : state) {
    auto view = engine->ReadAsOf(n);
    if (!view.ok() || *view->LastSeq() != n) std::abort();
  }
  state.SetItemsProcessed(static_cast<int64_t>(n) * state.iterations());
}

// Without and with the writer; one timed run of kRequests each.
void RequestCases(benchmark::internal::Benchmark* b) {
  b->ArgName("writer")->Arg(0)->Arg(1)->UseManualTime()->Iterations(1)->Unit(
      benchmark::kMillisecond);
}
BENCHMARK(BM_HttpActiveTasksPage)->Apply(RequestCases);
BENCHMARK(BM_HttpStatus)->Apply(RequestCases);
BENCHMARK(BM_TimeTravel)
    ->Arg(100000)
    ->Arg(1000000)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // no access log
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  annal::bench::RemoveAllScratch();
  return 0;
}
