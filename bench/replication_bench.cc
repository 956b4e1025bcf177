// Replication on loopback (docs/replication.md), against a NATS cluster the
// driver starts (bench/replication_bench.py passes ANNAL_BENCH_NATS):
//   - ship rate to an R1 and an R3 stream, side by side with a bare nats.c
//     async publisher sending the same messages with the same headers
//     (message id, expected last sequence) through the same window;
//   - the replica's apply rate from an R3 stream;
//   - end-to-end lag, primary commit to replica projected, under 20,000
//     events/s of durable appends, with ship and replica running;
//   - what --wait-for-ship costs a durable single-event append, p50/p99.
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "annal/replication.h"
#include "bench/bench_util.h"
#include "replication/nats_handles.h"
#include "replication/replication.h"
#include "replication/stored.h"

namespace annal::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace rep = annal::replication;
constexpr size_t kShipEvents = 50000;
constexpr int kWindow = 4096;

rep::NatsSettings Nats(const std::string& stream) {
  rep::NatsSettings s;
  const char* urls = std::getenv("ANNAL_BENCH_NATS");
  std::string all = urls ? urls : "nats://127.0.0.1:4222";
  for (size_t at = 0; at <= all.size();) {
    size_t comma = std::min(all.find(',', at), all.size());
    s.urls.push_back(all.substr(at, comma - at));
    at = comma + 1;
  }
  s.stream = stream;
  return s;
}

std::string FreshStream(const char* what) {
  static int n = 0;
  return std::string(what) + std::to_string(::getpid()) + "x" + std::to_string(n++);
}

void DropStream(const rep::NatsSettings& s) {
  rep::Nats nats;
  jsOptions o;
  jsOptions_Init(&o);
  if (nats.Connect(s, &o).ok())
    js_DeleteStream(nats.js(), s.stream.c_str(), nullptr, nullptr);
}

void ShipRate(benchmark::State& state) {
  const int replicas = static_cast<int>(state.range(0));
  auto engine = std::move(Engine::Open(Prefilled(kShipEvents, false)).value());
  for (auto _ : state) {
    rep::ShipSettings cfg;
    cfg.nats = Nats(FreshStream("ship"));
    cfg.replicas = replicas;
    cfg.once = true;
    cfg.window = kWindow;
    // The stream is made before the clock starts, as BarePublish's is: an
    // R3 stream's creation (a new Raft group) took 0.1 to 0.3 s here, which
    // is not shipping.
    {
      rep::Nats nats;
      jsOptions o;
      jsOptions_Init(&o);
      if (!nats.Connect(cfg.nats, &o).ok() ||
          !rep::CreateStream(nats.js(), cfg.nats, replicas).ok()) {
        state.SkipWithError("no NATS");
        break;
      }
    }
    std::atomic<bool> stop{false};
    auto start = Clock::now();
    auto reached = rep::Ship(*engine, cfg, stop);
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
    if (!reached.ok() || reached->seq != kShipEvents) {
      state.SkipWithError(reached.ok() ? "short" : reached.status().ToString().c_str());
      break;
    }
    DropStream(cfg.nats);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kShipEvents));
}

// The peer: the same stored values, ids and expected sequences, published by
// nats.c alone from memory (no store read, no checks, no resume).
void BarePublish(benchmark::State& state) {
  const int replicas = static_cast<int>(state.range(0));
  auto engine = std::move(Engine::Open(Prefilled(kShipEvents, false)).value());
  std::vector<std::string> values;
  {
    auto snap = engine->Read();
    (void)snap->ScanStored(1, [&](uint64_t, std::string_view v) {
      values.emplace_back(v);
      return true;
    });
  }
  const std::string identity = *rep::LocalIdentity(*engine);
  for (auto _ : state) {
    rep::NatsSettings s = Nats(FreshStream("bare"));
    rep::Nats nats;
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = kWindow;
    if (!nats.Connect(s, &o).ok() || !rep::CreateStream(nats.js(), s, replicas).ok()) {
      state.SkipWithError("no NATS");
      break;
    }
    const std::string subject = s.Subject();
    auto start = Clock::now();
    for (size_t i = 0; i < values.size(); ++i) {
      natsMsg* m = nullptr;
      natsMsg_Create(&m, subject.c_str(), nullptr, values[i].data(),
                     static_cast<int>(values[i].size()));
      if (i == 0) natsMsgHeader_Set(m, "Nats-Expected-Last-Sequence", "0");
      const std::string id = rep::MessageId(identity, i + 1);
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = id.c_str();
      po.ExpectLastSeq = i;
      while (js_PublishMsgAsync(nats.js(), &m, &po) == NATS_TIMEOUT) {
      }
      natsMsg_Destroy(m);
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60000;
    js_PublishAsyncComplete(nats.js(), &po);
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
    DropStream(s);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kShipEvents));
}

void ReplicaApply(benchmark::State& state) {
  auto engine = std::move(Engine::Open(Prefilled(kShipEvents, false)).value());
  rep::ShipSettings ship;
  ship.nats = Nats(FreshStream("apply"));
  ship.once = true;
  std::atomic<bool> stop{false};
  if (!rep::Ship(*engine, ship, stop).ok()) {
    state.SkipWithError("ship failed");
    return;
  }
  for (auto _ : state) {
    const std::string dir = ScratchDir("replica");
    Options o;
    o.initial_map_size = size_t{1} << 30;
    auto replica = std::move(Engine::Open(dir, o).value());
    rep::FollowSettings cfg;
    cfg.nats = ship.nats;
    cfg.once = true;
    auto start = Clock::now();
    auto reached = rep::Follow(*replica, cfg, stop);
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
    if (!reached.ok() || reached->seq != kShipEvents) {
      state.SkipWithError(reached.ok() ? "short" : reached.status().ToString().c_str());
      break;
    }
    replica.reset();
    std::filesystem::remove_all(dir);
  }
  DropStream(ship.nats);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kShipEvents));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Durable batches of 200 every 10 ms (20,000 events/s) for 5 s; each batch's
// commit time against the moment the replica's head passes it.
void EndToEndLag(benchmark::State& state) {
  for (auto _ : state) {
    const std::string pdir = ScratchDir("lagp"), rdir = ScratchDir("lagr");
    auto primary = std::move(Engine::Open(pdir).value());
    auto replica = std::move(Engine::Open(rdir).value());
    rep::ShipSettings ship;
    ship.nats = Nats(FreshStream("lag"));
    rep::FollowSettings follow;
    follow.nats = ship.nats;
    std::atomic<bool> stop{false};
    Workload w({.seed = 3});
    if (!primary->Append(w.Take(1)).ok())
      std::abort();  // the stream exists before following
    std::thread shipper([&] { (void)rep::Ship(*primary, ship, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::thread follower([&] { (void)rep::Follow(*replica, follow, stop); });
    std::mutex m;
    std::vector<std::pair<uint64_t, Clock::time_point>> commits;
    std::vector<double> lags_ms;
    std::atomic<bool> writing{true};
    std::thread probe([&] {
      size_t next = 0;
      uint64_t seen = 0;
      while (writing || next < commits.size()) {
        auto h = replica->WaitForCommit(seen, 20);
        if (!h.ok()) break;
        seen = *h;
        auto now = Clock::now();
        std::lock_guard lock(m);
        for (; next < commits.size() && commits[next].first <= seen; ++next) {
          lags_ms.push_back(
              std::chrono::duration<double, std::milli>(now - commits[next].second)
                  .count());
        }
        if (!writing && Clock::now() - now > std::chrono::seconds(30)) break;
      }
    });
    auto tick = Clock::now();
    for (int i = 0; i < 500; ++i) {
      auto r = primary->Append(w.Take(200));
      if (!r.ok()) std::abort();
      {
        std::lock_guard lock(m);
        commits.emplace_back(r->last_seq, Clock::now());
      }
      tick += std::chrono::milliseconds(10);
      std::this_thread::sleep_until(tick);
    }
    writing = false;
    probe.join();
    stop = true;
    shipper.join();
    follower.join();
    state.counters["lag_p50_ms"] = Percentile(lags_ms, 0.5);
    state.counters["lag_p99_ms"] = Percentile(lags_ms, 0.99);
    state.counters["batches"] = static_cast<double>(lags_ms.size());
    primary.reset();
    replica.reset();
    std::filesystem::remove_all(pdir);
    std::filesystem::remove_all(rdir);
    DropStream(ship.nats);
  }
}

// Durable single-event appends, one at a time, with and without waiting for
// the stream's acknowledgement (ship running either way).
void AppendLatency(benchmark::State& state) {
  const bool wait = state.range(0) != 0;
  const std::string dir = ScratchDir("wait");
  Workload w({.seed = 4});
  {  // a first record, so that the store has an identity to ship under
    auto first = std::move(Engine::Open(dir).value());
    if (!first->Append(w.Take(1)).ok()) std::abort();
  }
  Options o;
  if (wait) o.wait_for_ship_ms = 10000;
  auto engine = std::move(Engine::Open(dir, o).value());
  rep::ShipSettings ship;
  ship.nats = Nats(FreshStream("wait"));
  std::atomic<bool> stop{false};
  std::thread shipper([&] { (void)rep::Ship(*engine, ship, stop); });
  while (StoreReplication(*engine)
             .ReadMarker(StoreReplication::Marker::kShipped)
             .value_or(0) < 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<double> us;
  for (auto _ : state) {
    auto start = Clock::now();
    auto r = engine->Append(w.Take(1));
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
  }
  stop = true;
  shipper.join();
  state.counters["p50_us"] = Percentile(us, 0.5);
  state.counters["p99_us"] = Percentile(us, 0.99);
  engine.reset();
  std::filesystem::remove_all(dir);
  DropStream(ship.nats);
}

void RegisterAll() {
  for (int r : {1, 3}) {
    benchmark::RegisterBenchmark("ShipRate", ShipRate)
        ->Arg(r)
        ->ArgName("replicas")
        ->UseManualTime()
        ->Iterations(6)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BarePublish", BarePublish)
        ->Arg(r)
        ->ArgName("replicas")
        ->UseManualTime()
        ->Iterations(6)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("ReplicaApply", ReplicaApply)
      ->UseManualTime()
      ->Iterations(3)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("EndToEndLag", EndToEndLag)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
  for (int wait : {0, 1}) {
    benchmark::RegisterBenchmark("AppendLatency", AppendLatency)
        ->Arg(wait)
        ->ArgName("wait_for_ship")
        ->Iterations(1000)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace annal::bench

int main(int argc, char** argv) {
  return annal::bench::RunRegistered(argc, argv, annal::bench::RegisterAll);
}
