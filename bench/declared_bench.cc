// Projections of your own against the built-in ones (issue 21's targets),
// side by side in one run:
//   - Apply: the built-in watchers projector and a declared projection of
//     the same shape (annal/projection.h: one table keyed by watcher_id, the
//     same fields and rules) applying the same 2000 watcher events in one
//     write transaction, through the write-back buffer, as an append does;
//   - Append: inline appends (no fsync) of a watcher stream into a store of
//     the nine, and into one with the declared copy beside them;
//   - Read: a built-in projection's whole table as JSON rows, through its own
//     query (Snapshot::Query) and through the generic reader the nine share
//     with projections of your own (Snapshot::TableRows, then AppendJson).
//   build/bench/declared_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <filesystem>

#include "annal/engine.h"
#include "annal/jsonl.h"
#include "annal/workload.h"
#include "events/record_codec.h"
#include "projectors/declared.h"
#include "store/buffered_kv.h"
#include "store/lmdb.h"

namespace annal::internal {
std::unique_ptr<Projector> MakeWatchersProjector();
}  // namespace annal::internal

namespace annal::bench {
namespace {

using namespace annal::internal;

// proj_watchers, declared: the rules of projectors/watchers.cc.
class WatcherCopy final : public Projection {
 public:
  std::string name() const override { return "watcher_copy"; }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {{"watchers",
             {{"watcher_id", FieldType::kStr}},
             {{"name", FieldType::kStr},
              {"enabled", FieldType::kBool},
              {"last_tick_at", FieldType::kInt, true},
              {"last_outcome", FieldType::kStr, true},
              {"suppression_count", FieldType::kInt}}}};
  }
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    const auto& body = ev.event.body;
    if (auto* c = std::get_if<WatcherCreated>(&body)) {
      tx.Put("watchers", {c->watcher_id},
             {c->name, c->enabled, std::monostate{}, std::monostate{}, int64_t{0}});
    } else if (auto* e = std::get_if<WatcherEnabled>(&body)) {
      Update(tx, e->watcher_id, [](Values& r) { r[1] = true; });
    } else if (auto* d = std::get_if<WatcherDisabled>(&body)) {
      Update(tx, d->watcher_id, [](Values& r) { r[1] = false; });
    } else if (auto* x = std::get_if<WatcherDeleted>(&body)) {
      tx.Delete("watchers", {x->watcher_id});
    } else if (auto* t = std::get_if<WatcherTicked>(&body)) {
      Update(tx, t->watcher_id, [&](Values& r) {
        r[2] = *ev.event.ts;
        r[3] = std::string(NameOf(t->outcome));
        if (t->outcome == TickOutcome::kSuppressed) r[4] = std::get<int64_t>(r[4]) + 1;
      });
    }
  }

 private:
  template <class F>
  static void Update(ProjectionTx& tx, const std::string& id, F&& change) {
    auto row = tx.Get("watchers", {id});
    if (!row) throw std::runtime_error("no watcher " + id);
    change(*row);
    tx.Put("watchers", {id}, *row);
  }
};

// `watchers` watchers created; then in each round of as many events, the
// first tenth disabled (odd rounds) or enabled again, and the others ticking.
std::vector<Event> WatcherStream(size_t n, size_t watchers = 100) {
  std::vector<Event> out;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = i % watchers, round = i / watchers;
    const std::string id = "watcher-" + std::to_string(k);
    Event ev(
        WatcherTicked{id, k % 3 == 0 ? TickOutcome::kSuppressed : TickOutcome::kFired});
    if (round == 0) {
      ev = Event(WatcherCreated{id, "w", true});
    } else if (k < watchers / 10) {
      ev = round % 2 == 1 ? Event(WatcherDisabled{id}) : Event(WatcherEnabled{id});
    }
    ev.ts = static_cast<int64_t>(i);
    out.push_back(std::move(ev));
  }
  return out;
}

std::string Scratch(const std::string& what) {
  std::string dir = "/tmp/annal-bench-declared-" + what;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// One projector applying 2000 records of a stream over state.range(0)
// watchers in a write transaction that is then aborted, so every iteration
// starts from the same empty tables. 100 watchers: each row is rewritten 20
// times in the batch; 1000: twice (a declared projection encodes a row once
// per batch, the built-ins once per event).
void ApplyBench(benchmark::State& state, std::unique_ptr<Projector> projector) {
  const std::string dir = Scratch(std::string(projector->name()));
  lmdb::env env = lmdb::env::create();
  lmdb::env_set_max_dbs(env.handle(), kMaxDbs);
  lmdb::env_set_mapsize(env.handle(), size_t{256} << 20);
  env.open(dir.c_str(), MDB_NOSYNC, 0600);
  DbHandles dbis{};
  {
    Txn txn(env.handle(), Txn::kWrite);
    for (size_t i = 0; i < kMaxDbs; ++i) {
      const Db db = static_cast<Db>(i);
      if (!(MaskOwnedBy(projector->name()) & MaskOf(db))) continue;
      lmdb::dbi_open(txn.handle(), std::string(Spec(db).name).c_str(), MDB_CREATE,
                     &dbis[i]);
    }
    txn.Commit();
  }
  std::vector<std::string> records;
  flatbuffers::FlatBufferBuilder b;
  uint64_t seq = 1;
  for (const Event& ev : WatcherStream(2000, static_cast<size_t>(state.range(0)))) {
    EncodeRecord(b, seq++, *ev.ts, ev);
    records.emplace_back(reinterpret_cast<const char*>(b.GetBufferPointer()),
                         b.GetSize());
  }
  const uint64_t mask = MaskOwnedBy(projector->name());
  for (auto _ : state) {
    Txn txn(env.handle(), Txn::kWrite);
    LmdbKv kv(txn.handle(), dbis);
    BufferedKv buffered(kv);
    for (const std::string& r : records) {
      buffered.Restrict(mask);
      projector->Apply(buffered, *fbs::GetRecord(r.data()));
    }
    buffered.Flush();
    kv.CloseCursors();
  }  // aborted
  state.SetItemsProcessed(state.iterations() * records.size());
  std::filesystem::remove_all(dir);
}

void BM_Apply_BuiltIn(benchmark::State& state) {
  ApplyBench(state, MakeWatchersProjector());
}
void BM_Apply_Declared(benchmark::State& state) {
  ApplyBench(state, MakeDeclaredProjector(std::make_shared<WatcherCopy>()));
}

void AppendBench(benchmark::State& state, bool with_declared) {
  const auto stream = WatcherStream(200000);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = Scratch(with_declared ? "append-declared" : "append");
    Options o;
    o.sync = false;
    if (with_declared) o.projections = {std::make_shared<WatcherCopy>()};
    auto e = std::move(Engine::Open(dir + "/s", o).value());
    state.ResumeTiming();
    for (size_t i = 0; i < stream.size(); i += 1000) {
      if (!e->Append(std::span(stream).subspan(i, 1000)).ok()) std::abort();
    }
    state.PauseTiming();
    e.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * stream.size());
}

void BM_Append_Nine(benchmark::State& state) { AppendBench(state, false); }
void BM_Append_NineAndDeclared(benchmark::State& state) { AppendBench(state, true); }

// A store of 200,000 workload events, built once for the read benchmarks
// and removed at exit.
struct ReadStore {
  ReadStore() : dir(Scratch("read")) {
    Options o;
    o.sync = false;
    engine = std::move(Engine::Open(dir + "/s", o).value());
    Workload w;
    for (int i = 0; i < 20; ++i) {
      auto batch = w.Take(10000);
      if (!engine->Append(batch).ok()) std::abort();
    }
  }
  ~ReadStore() {
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<Engine> engine;
};
Engine& ReadStoreEngine() {
  static ReadStore store;
  return *store.engine;
}

const char* const kReadProjections[] = {"active_tasks", "alarms", "approvals"};

void BM_Read_Query(benchmark::State& state) {
  const char* name = kReadProjections[state.range(0)];
  state.SetLabel(name);
  auto snap = ReadStoreEngine().Read();
  size_t rows = 0;
  for (auto _ : state) {
    auto page = snap->Query(name);
    rows += page->rows.size();
    benchmark::DoNotOptimize(page->rows.data());
  }
  state.SetItemsProcessed(rows);
}

void BM_Read_TableRows(benchmark::State& state) {
  const char* name = kReadProjections[state.range(0)];
  state.SetLabel(name);
  auto snap = ReadStoreEngine().Read();
  const TableSpec spec = *snap->Table(name);
  size_t rows = 0;
  for (auto _ : state) {
    auto page = snap->TableRows(name);
    std::vector<std::string> json;
    json.reserve(page->rows.size());
    for (const TableRow& r : page->rows) AppendJson(json.emplace_back(), spec, r);
    rows += json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.SetItemsProcessed(rows);
}

BENCHMARK(BM_Apply_BuiltIn)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Apply_Declared)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Append_Nine)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Append_NineAndDeclared)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Read_Query)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Read_TableRows)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace annal::bench

BENCHMARK_MAIN();
