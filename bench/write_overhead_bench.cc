// What projections cost on write: the same pre-built events appended with
// inline projections and with projections off (deferred mode: log and
// validation only), side by side, per batch size, durability and store size;
// and the same serialized log records written by bare LMDB calls (the
// physical limit). docs/performance.md holds the figures and the ratios.
//   build/bench/write_overhead_bench --benchmark_out=write.json
//   --benchmark_out_format=json ANNAL_BENCH_MAX_STORE=1000000 (default 100000) adds the
//   10^6-event stores.
#include <benchmark/benchmark.h>
#include <lmdb.h>

#include <chrono>
#include <cstdlib>

#include "bench/bench_util.h"
#include "bench/sqlite_peer.h"

namespace annal::bench {
namespace {

struct Cell {
  Mode mode;
  bool sync;
  size_t batch;
  size_t store;  // events already in the store
  bool random_ids;
};

// How many events a cell appends: enough to time, few enough for fsyncs.
size_t Measured(const Cell& c) {
  if (!c.sync) return 20000;
  return c.batch == 1 ? 1000 : c.batch == 10 ? 3000 : 20000;
}

void AppendCell(benchmark::State& state, Cell c) {
  const size_t n = Measured(c);
  const std::vector<Event>& stream = [&]() -> const std::vector<Event>& {
    static std::map<bool, std::vector<Event>> streams;
    auto& s = streams[c.random_ids];
    if (s.size() < c.store + 20000)
      s = Stream(c.random_ids, std::max<size_t>(c.store, 1000000) + 20000);
    return s;
  }();
  for (auto _ : state) {
    std::string dir = PrefilledCopy(c.store, c.random_ids);
    Options o;
    o.mode = c.mode;
    o.sync = c.sync;
    o.initial_map_size = size_t{4} << 30;
    auto engine = std::move(Engine::Open(dir, o).value());
    uint64_t written = BytesWritten();
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i += c.batch) {
      auto r = engine->Append(
          std::span(stream).subspan(c.store + i, std::min(c.batch, n - i)));
      if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    state.counters["bytes_per_event"] = double(BytesWritten() - written) / n;
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// The same log values annal would store, written by bare mdb_put calls with
// MDB_APPEND, one transaction per batch, into one sub-database.
void BareLmdbCell(benchmark::State& state, bool sync, size_t batch, bool random_ids) {
  const size_t n = sync && batch == 1 ? 1000 : sync && batch == 10 ? 3000 : 20000;
  // The records: what a deferred-mode append of the stream's first n events logs.
  static std::map<bool, std::vector<std::string>> records;
  auto& values = records[random_ids];
  if (values.empty()) {
    std::string dir = ScratchDir("records");
    Options o;
    o.mode = Mode::kDeferred;
    o.sync = false;
    auto e = std::move(Engine::Open(dir, o).value());
    auto events = Stream(random_ids, 20000);
    for (size_t i = 0; i < events.size(); i += 1000) {
      if (!e->Append(std::span(events).subspan(i, 1000)).ok()) std::abort();
    }
    e.reset();
    MDB_env* env;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 64);
    mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0600);
    MDB_txn* txn;
    mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    MDB_dbi log;
    mdb_dbi_open(txn, "log", 0, &log);
    MDB_cursor* c;
    mdb_cursor_open(txn, log, &c);
    MDB_val k, v;
    for (int op = MDB_FIRST; mdb_cursor_get(c, &k, &v, MDB_cursor_op(op)) == 0;
         op = MDB_NEXT) {
      values.emplace_back(static_cast<char*>(v.mv_data), v.mv_size);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
  }
  for (auto _ : state) {
    std::string dir = ScratchDir("bare");
    std::filesystem::create_directories(dir);
    MDB_env* env;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 4);
    mdb_env_set_mapsize(env, size_t{4} << 30);
    mdb_env_open(env, dir.c_str(), sync ? 0 : MDB_NOSYNC, 0600);
    MDB_txn* txn;
    MDB_dbi dbi;
    mdb_txn_begin(env, nullptr, 0, &txn);
    mdb_dbi_open(txn, "log", MDB_CREATE, &dbi);
    mdb_txn_commit(txn);
    uint64_t written = BytesWritten();
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i += batch) {
      mdb_txn_begin(env, nullptr, 0, &txn);
      for (size_t j = i; j < std::min(n, i + batch); ++j) {
        uint64_t seq = __builtin_bswap64(j + 1);
        MDB_val k{8, &seq}, v{values[j].size(), values[j].data()};
        if (mdb_put(txn, dbi, &k, &v, MDB_APPEND) != 0) state.SkipWithError("mdb_put");
      }
      mdb_txn_commit(txn);
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    state.counters["bytes_per_event"] = double(BytesWritten() - written) / n;
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// The SQLite peer on the same cells: a store of the same first `store`
// events (built once, copied per run), the same events appended.
void SqliteCell(benchmark::State& state, bool sync, size_t batch, size_t store) {
  const size_t n = Measured(Cell{Mode::kInline, sync, batch, store, false});
  static std::map<size_t, std::string> templates;
  static std::vector<Event> stream = Stream(false, 1000000 + 20000);
  std::string& tmpl = templates[store];
  if (tmpl.empty()) {
    tmpl = ScratchDir("sqlite-template") + ".sqlite";
    SqlitePeer peer(tmpl, false);
    for (size_t i = 0; i < store; i += 1000)
      peer.Append(std::span(stream).subspan(i, std::min<size_t>(1000, store - i)));
  }
  for (auto _ : state) {
    std::string file = ScratchDir("sqlite") + ".sqlite";
    std::filesystem::copy_file(tmpl, file);
    auto peer = std::make_unique<SqlitePeer>(file, sync);
    uint64_t written = BytesWritten();
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i += batch) {
      peer->Append(std::span(stream).subspan(store + i, std::min(batch, n - i)));
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    state.counters["bytes_per_event"] = double(BytesWritten() - written) / n;
    peer.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(file + suffix);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void Register() {
  const char* max_env = std::getenv("ANNAL_BENCH_MAX_STORE");
  size_t max_store = max_env ? std::stoull(max_env) : 100000;
  for (size_t store : {size_t{10000}, size_t{100000}, size_t{1000000}}) {
    if (store > max_store) continue;
    for (bool random_ids : {false, true}) {
      for (bool sync : {false, true}) {
        for (size_t batch : {1, 10, 100, 1000}) {
          // Random ids matter where pages are copied: no-sync batches of 1000 (the goal's
          // cell).
          if (random_ids && (sync || batch != 1000)) continue;
          for (Mode mode : {Mode::kDeferred, Mode::kInline}) {
            std::string name =
                std::string("Append/") + (mode == Mode::kInline ? "inline" : "log_only") +
                (sync ? "/sync" : "/nosync") + "/batch:" + std::to_string(batch) +
                "/store:" + std::to_string(store) +
                (random_ids ? "/random_ids" : "/seq_ids");
            benchmark::RegisterBenchmark(name.c_str(), AppendCell,
                                         Cell{mode, sync, batch, store, random_ids})
                ->UseManualTime()
                ->Iterations(1)
                ->Unit(benchmark::kMillisecond);
          }
        }
      }
    }
  }
  for (size_t store : {size_t{10000}, size_t{100000}}) {
    if (store > max_store) continue;
    for (bool sync : {false, true}) {
      for (size_t batch : {1, 10, 100, 1000}) {
        std::string name = std::string("Append/sqlite") + (sync ? "/sync" : "/nosync") +
                           "/batch:" + std::to_string(batch) +
                           "/store:" + std::to_string(store) + "/seq_ids";
        benchmark::RegisterBenchmark(name.c_str(), SqliteCell, sync, batch, store)
            ->UseManualTime()
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (bool sync : {false, true}) {
    for (size_t batch : {1, 10, 100, 1000}) {
      std::string name = std::string("BareLmdb/") + (sync ? "sync" : "nosync") +
                         "/batch:" + std::to_string(batch);
      benchmark::RegisterBenchmark(name.c_str(), BareLmdbCell, sync, batch, false)
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
