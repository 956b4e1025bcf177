// The extraction seam, run for real: a separate `annal project` process keeps
// deferred-mode stores' projections byte-identical to inline mode's, across
// SIGKILLs and with several writer processes.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include "annal/jsonl.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

pid_t StartProjector(const std::string& db, int batch) {
  return Spawn({AnnalCli(), "--db", db, "project", "--batch", std::to_string(batch)});
}

void AppendAll(Engine& e, const std::vector<Event>& events, size_t batch) {
  for (size_t i = 0; i < events.size(); i += batch) {
    auto r = e.Append(std::span(events).subspan(i, std::min(batch, events.size() - i)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// Every derived sub-database of slot 0, and the meta records that describe
// the projections, must be the same bytes in both stores.
void ExpectSameProjections(const std::string& a_dir, const std::string& b_dir) {
  Dump a = DumpStore(a_dir), b = DumpStore(b_dir);
  for (const auto& [name, rows] : a) {
    if (name == "meta" || name == "log") continue;
    EXPECT_TRUE(b.at(name) == rows) << "sub-database " << name << " differs";
  }
  auto meta = [](const Dump& d, std::string_view key) {
    for (const auto& [k, v] : d.at("meta")) {
      if (k.rfind(key, 0) == 0) return v;
    }
    return std::string("absent");
  };
  EXPECT_EQ(meta(a, "digest@0"), meta(b, "digest@0"));
  EXPECT_EQ(meta(a, "projected@0"), meta(b, "projected@0"));
  EXPECT_TRUE(a.at("log") == b.at("log")) << "same events, same ts: same log bytes";
}

Options Deferred() {
  Options o;
  o.mode = Mode::kDeferred;
  return o;
}

TEST(Projector, ASeparateProcessMakesDeferredEqualToInline) {
  TempDir dir;
  const std::string inline_db = dir.Sub("inline"), deferred_db = dir.Sub("deferred");
  Workload w({.seed = 301, .random_ids = true});
  const std::vector<Event> events = w.Take(30000);
  {
    auto e = MustOpen(inline_db);
    AppendAll(*e, events, 500);
  }
  {
    auto e = MustOpen(deferred_db, Deferred());
    pid_t projector = StartProjector(deferred_db, 1000);
    AppendAll(*e, events, 500);
    Status waited = e->WaitFor(events.size(), 60000);
    EXPECT_TRUE(waited.ok()) << waited.ToString();
    auto lag = e->Read()->ProjectionLag();
    EXPECT_EQ(lag->events, 0u);
    EXPECT_EQ(StopAndWait(projector, SIGTERM), 0) << "stops cleanly on SIGTERM";
  }
  ExpectSameProjections(inline_db, deferred_db);
}

TEST(Projector, SigkillAtRandomPointsNeitherRepeatsNorSkips) {
  TempDir dir;
  const std::string inline_db = dir.Sub("inline"), deferred_db = dir.Sub("deferred");
  Workload w({.seed = 302});
  const std::vector<Event> events = w.Take(100000);
  {
    Options fast;
    fast.sync = false;
    auto e = MustOpen(inline_db, fast);
    AppendAll(*e, events, 1000);
  }
  // The stream arrives in 25 rounds; in each, a projector (commits of 20
  // events) runs for a random moment and is killed with SIGKILL.
  auto e = MustOpen(deferred_db, Deferred());
  std::mt19937 rng(302);
  constexpr int kRounds = 25;
  const size_t per_round = events.size() / kRounds;
  int kills = 0, mid_backlog = 0;
  uint64_t last = 0;
  for (int round = 0; round < kRounds; ++round) {
    AppendAll(*e,
              std::vector<Event>(events.begin() + round * per_round,
                                 events.begin() + (round + 1) * per_round),
              1000);
    pid_t projector = StartProjector(deferred_db, 20);
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 25000));
    ASSERT_EQ(StopAndWait(projector, SIGKILL), -SIGKILL);
    ++kills;
    uint64_t now = *e->Read()->ProjectedSeq();
    ASSERT_GE(now, last) << "the checkpoint never moves back";
    mid_backlog += now < (round + 1) * per_round;
    last = now;
  }
  EXPECT_GE(kills, 20);
  EXPECT_GE(mid_backlog, 10) << "most kills land while there is work left";
  // Finish in this process: the same code as the projector process.
  for (;;) {
    auto n = e->ProjectPending(5000);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
  }
  e.reset();
  ExpectSameProjections(inline_db, deferred_db);
}

TEST(Projector, SeveralWriterProcessesAndOneProjector) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  MustOpen(db, Deferred()).reset();
  constexpr int kWriters = 3, kPerWriter = 3000;
  std::vector<std::string> files;
  for (int wr = 0; wr < kWriters; ++wr) {
    std::string text;
    for (int i = 0; i < kPerWriter; ++i) {
      std::string id = "w" + std::to_string(wr) + "-" + std::to_string(i / 3);
      Event ev = i % 3 == 0
                     ? Event(WatcherCreated{id, "n"})
                     : Event(WatcherTicked{id, i % 3 == 1 ? TickOutcome::kFired
                                                          : TickOutcome::kSuppressed});
      ev.ts = i;
      AppendJson(text, ev);
      text += '\n';
    }
    files.push_back(dir.Sub("w" + std::to_string(wr) + ".jsonl"));
    std::ofstream(files.back()) << text;
  }
  pid_t projector = StartProjector(db, 500);
  std::vector<pid_t> writers;
  for (const auto& f : files) {
    writers.push_back(
        Spawn({AnnalCli(), "--db", db, "import", f, "--deferred", "--batch", "30"}));
  }
  for (pid_t w : writers) EXPECT_EQ(StopAndWait(w, 0), 0);
  auto e = MustOpen(db, Deferred());
  const uint64_t total = kWriters * kPerWriter;
  EXPECT_TRUE(e->WaitFor(total, 60000).ok());
  EXPECT_EQ(StopAndWait(projector, SIGTERM), 0);
  std::map<std::string, int> seen;
  uint64_t expect_seq = 1;
  ASSERT_TRUE(e->Read()
                  ->ScanLog(1,
                            [&](const LoggedEvent& ev) {
                              EXPECT_EQ(ev.seq, expect_seq++);
                              if (auto* c = std::get_if<WatcherCreated>(&ev.event.body))
                                ++seen[c->watcher_id];
                              return true;
                            })
                  .ok());
  EXPECT_EQ(expect_seq - 1, total) << "every event once, seqs gapless";
  EXPECT_EQ(seen.size(), size_t{kWriters * kPerWriter / 3});
  for (const auto& [id, n] : seen) ASSERT_EQ(n, 1) << id;
  EXPECT_EQ(e->Read()->Watchers()->size(), seen.size());
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical()) << "projections equal a replay";
}

TEST(Projector, OnlyOneProjectorPerStore) {
  TempDir dir;
  auto e = MustOpen(dir.path(), Deferred());
  pid_t first = StartProjector(dir.path(), 100);
  // Running once it has projected an event (a fixed sleep lost the race to
  // a slow start under ASan, and this process's projector then ran on).
  ASSERT_TRUE(e->Append(At(1, RuleCreated{"r", "n"})).ok());
  ASSERT_TRUE(e->WaitFor(1, 60000).ok());
  std::atomic<bool> stop{false};
  std::thread deadline([&] {
    for (int i = 0; i < 300 && !stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;  // a second projector that ran anyway ends within 30 s
  });
  Status second = e->RunProjector(stop);
  stop = true;
  deadline.join();
  EXPECT_EQ(second.code(), Status::Code::kBusy);
  EXPECT_THAT(second.message(), ::testing::HasSubstr("another projector is running"));
  EXPECT_EQ(StopAndWait(first, SIGINT), 0);
}

TEST(Projector, WaitForTimesOutWithoutAProjector) {
  TempDir dir;
  auto e = MustOpen(dir.path(), Deferred());
  ASSERT_TRUE(e->Append(At(1, RuleCreated{"r", "n"})).ok());
  Status st = e->WaitFor(1, 50);
  EXPECT_EQ(st.code(), Status::Code::kBusy);
  EXPECT_THAT(st.message(), ::testing::HasSubstr("is a projector running?"));
  ASSERT_TRUE(e->ProjectPending().ok());
  EXPECT_TRUE(e->WaitFor(1, 50).ok());
}

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

TEST(Projector, StatusReportsTheLagInEventsAndTime) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path(), Deferred());
    ASSERT_TRUE(e->Append(At(1'000'000, RuleCreated{"a", "n"})).ok());
    ASSERT_TRUE(e->ProjectPending().ok());
    ASSERT_TRUE(e->Append(At(3'500'000, RuleCreated{"b", "n"})).ok());
    ASSERT_TRUE(e->Append(At(4'000'000, RuleCreated{"c", "n"})).ok());
  }
  auto r = RunShell(AnnalCli() + " --db " + dir.path() + " status");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out,
            "log head seq 3\nprojections at seq 1\nlag 2 events, 3.000 s\n"
            "projection audit_trail version 1: current\n"
            "projection series version 1: current\n");
}

}  // namespace
}  // namespace annal::testing
