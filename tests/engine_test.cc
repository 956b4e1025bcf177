// Append's promises: all-or-nothing batches, gapless seqs, stamped ts, a map
// that grows by itself, and a store that answers the same after reopening,
// in this process or another.
#include <gmock/gmock.h>

#include <numeric>
#include <thread>

#include "annal/jsonl.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

void AppendAll(Engine& e, const std::vector<Event>& events, size_t batch) {
  for (size_t i = 0; i < events.size(); i += batch) {
    size_t n = std::min(batch, events.size() - i);
    auto r = e.Append(std::span(events).subspan(i, n));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

std::vector<uint64_t> LoggedSeqs(const Engine& e) {
  std::vector<uint64_t> seqs;
  auto snap = e.Read();
  EXPECT_TRUE(snap->ScanLog(1,
                            [&](const LoggedEvent& ev) {
                              seqs.push_back(ev.seq);
                              return true;
                            })
                  .ok());
  return seqs;
}

TEST(Engine, AResultOfAnOkStatusIsAnInternalErrorNotASilentEmptyValue) {
  Result<int> r(Status::Ok());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.status().ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  Result<int> failed(Status::Busy("later"));
  EXPECT_EQ(failed.status().code(), Status::Code::kBusy);
}

TEST(Engine, ARejectedEventLeavesEverySubDatabaseAsItWas) {
  TempDir dir;
  Workload w({.seed = 3});
  {
    auto e = MustOpen(dir.path());
    AppendAll(*e, w.Take(3000), 500);
  }
  const Dump before = DumpStore(dir.path());
  std::vector<Event> batch = w.Take(1000);
  batch[537] = At(1, TaskStatusChanged{"no-such-task", TaskStatus::kRunning});
  {
    auto e = MustOpen(dir.path());
    auto r = e->Append(batch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kRejected);
    EXPECT_EQ(r.status().event_index(), 537u);
    EXPECT_THAT(r.status().message(), HasSubstr("event 537 (task_status_changed)"));
    EXPECT_THAT(r.status().message(), HasSubstr("rule: task exists and is not terminal"));
  }
  const Dump after = DumpStore(dir.path());
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, rows] : before) {
    EXPECT_TRUE(after.at(name) == rows) << "sub-database " << name << " changed";
  }
  EXPECT_GT(before.at("log").size(), 0u);
  EXPECT_GT(before.at("proj_watchers").size(), 0u);
}

TEST(Engine, SeqsAreGaplessAndStartAtOne) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Workload w({.seed = 4});
  auto r1 = e->Append(w.Take(7));
  auto r2 = e->Append(w.Take(1));
  auto r3 = e->Append(w.Take(12));
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1->first_seq, 1u);
  EXPECT_EQ(r1->last_seq, 7u);
  EXPECT_EQ(r2->first_seq, 8u);
  EXPECT_EQ(r3->last_seq, 20u);
  std::vector<uint64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(LoggedSeqs(*e), expected);
  auto empty = e->Append(std::span<const Event>());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->first_seq, 0u);
}

TEST(Engine, EventsWithoutTsAreStampedWithTheClockAndKeepIt) {
  TempDir dir;
  int64_t now = 777;
  Options o;
  o.clock = [&] { return now; };
  auto e = MustOpen(dir.path(), o);
  ASSERT_TRUE(e->Append(Event(TaskCreated{"t", "n"})).ok());
  now = 999;
  ASSERT_TRUE(e->Append(At(5, TaskStatusChanged{"t", TaskStatus::kRunning})).ok());
  std::vector<int64_t> ts;
  ASSERT_TRUE(e->Read()
                  ->ScanLog(1,
                            [&](const LoggedEvent& ev) {
                              ts.push_back(*ev.event.ts);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(ts, (std::vector<int64_t>{777, 5}));
}

TEST(Engine, ReadOnlyStoresRefuseAppends) {
  TempDir dir;
  MustOpen(dir.path()).reset();
  Options o;
  o.read_only = true;
  auto e = MustOpen(dir.path(), o);
  auto r = e->Append(Event(TaskCreated{"t", "n"}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("read-only"));
}

TEST(Engine, TheMapGrowsByItselfAndLosesNothing) {
  TempDir small_dir, big_dir;
  Workload w({.seed = 5, .random_ids = true});
  std::vector<Event> events = w.Take(40000);
  Options tiny;
  tiny.initial_map_size = 512 * 1024;
  auto small = MustOpen(small_dir.path(), tiny);
  AppendAll(*small, events, 1000);
  EXPECT_GE(small->Stats().map_growths, 3u);
  EXPECT_GE(small->Stats().map_size, uint64_t{4} << 20);
  Options roomy;
  roomy.initial_map_size = size_t{256} << 20;
  auto big = MustOpen(big_dir.path(), roomy);
  AppendAll(*big, events, 1000);
  EXPECT_EQ(big->Stats().map_growths, 0u);
  EXPECT_EQ(LoggedSeqs(*small).size(), events.size());
  EXPECT_EQ(AllQueriesJson(*small), AllQueriesJson(*big));
}

TEST(Engine, AppendsFromManyThreadsGetGaplessSeqs) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  constexpr int kThreads = 4, kBatches = 50, kPerBatch = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Event> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          std::string id =
              "t" + std::to_string(t) + "-" + std::to_string(b * kPerBatch + i);
          batch.push_back(At(1, TaskCreated{id, "n"}));
        }
        auto r = e->Append(batch);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        if (r.ok()) {
          EXPECT_EQ(r->last_seq - r->first_seq + 1, uint64_t{kPerBatch});
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto seqs = LoggedSeqs(*e);
  ASSERT_EQ(seqs.size(), size_t{kThreads * kBatches * kPerBatch});
  for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1);
  EXPECT_EQ(e->Read()->QueueDepth()->runnable_tasks,
            uint64_t{kThreads * kBatches * kPerBatch});
}

// What `annal query NAME` prints, rendered in this process from the Snapshot API.
std::string InProcessQuery(const Engine& e, const std::string& name) {
  auto s = e.Read();
  std::string out;
  auto lines = [&](const auto& rows) {
    for (const auto& r : *rows) AppendJson(out, r), out += '\n';
  };
  auto line = [&](const auto& row) { AppendJson(out, *row), out += '\n'; };
  if (name == "active_tasks") lines(s->ActiveTasks());
  if (name == "schedules") lines(s->Schedules());
  if (name == "watchers") lines(s->Watchers());
  if (name == "rules") lines(s->Rules());
  if (name == "integrations") lines(s->Integrations());
  if (name == "approvals") lines(s->Approvals());
  if (name == "queue_depth") line(s->QueueDepth());
  if (name == "autonomy_history") line(s->AutonomyCurrent()), lines(s->AutonomyChanges());
  if (name == "alarms") lines(s->Alarms());
  return out;
}

TEST(Engine, AReopenedStoreAnswersTheSameHereAndInAnotherProcess) {
  TempDir dir;
  Workload w({.seed = 6});
  std::string before;
  std::map<std::string, std::string> per_projection;
  const std::vector<std::string> names = {"active_tasks", "schedules",        "watchers",
                                          "rules",        "integrations",     "approvals",
                                          "queue_depth",  "autonomy_history", "alarms"};
  {
    auto e = MustOpen(dir.path());
    AppendAll(*e, w.Take(20000), 1000);
    before = AllQueriesJson(*e);
    for (const auto& n : names) per_projection[n] = InProcessQuery(*e, n);
  }
  auto e = MustOpen(dir.path());
  EXPECT_EQ(AllQueriesJson(*e), before);
  for (const auto& n : names) {
    // The other process reads while this one holds the store open.
    auto r = RunShell(AnnalCli() + " --db " + dir.path() + " query " + n);
    EXPECT_EQ(r.exit_code, 0) << n;
    EXPECT_EQ(r.out, per_projection[n]) << n;
    EXPECT_FALSE(r.out.empty()) << n;
  }
}

TEST(Engine, CliImportNamesTheLineAndWhatEarlierBatchesCommitted) {
  TempDir dir;
  std::string file = dir.Sub("events.jsonl");
  {
    Workload w({.seed = 8});
    std::string text;
    for (int i = 0; i < 250; ++i) AppendJson(text, w.Next()), text += '\n';
    text += R"({"type":"task_step_advanced","task_id":"ghost","step":"x"})"
            "\n";
    for (int i = 0; i < 10; ++i) AppendJson(text, w.Next()), text += '\n';
    FILE* f = fopen(file.c_str(), "w");
    fwrite(text.data(), 1, text.size(), f);
    fclose(f);
  }
  std::string db = dir.Sub("db");
  auto r = RunShell(AnnalCli() + " --db " + db + " import " + file + " --batch 100 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("line 251:"));
  EXPECT_THAT(r.out, HasSubstr("rule: task exists and is not terminal"));
  EXPECT_THAT(r.out, HasSubstr("200 events committed by earlier batches"));
  auto e = MustOpen(db);
  EXPECT_EQ(*e->Read()->LastSeq(), 200u);

  auto bad_json = RunShell("printf '{\"type\":\"rule_hit\"\\n' | " + AnnalCli() +
                           " --db " + db + " import - 2>&1");
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_THAT(bad_json.out, HasSubstr("line 1: invalid input: malformed JSON"));
  EXPECT_THAT(bad_json.out, HasSubstr("0 events committed"));
}

TEST(Engine, CliExportPrintsTheLogWithSeq) {
  TempDir dir;
  std::string db = dir.Sub("db");
  auto imp = RunShell(
      "printf '%s\\n' "
      "'{\"type\":\"rule_created\",\"ts\":3,\"rule_id\":\"r\",\"name\":\"n\"}' | " +
      AnnalCli() + " --db " + db + " import -");
  EXPECT_EQ(imp.exit_code, 0);
  EXPECT_THAT(imp.out, HasSubstr("committed 1 events"));
  auto exp = RunShell(AnnalCli() + " --db " + db + " export");
  EXPECT_EQ(exp.exit_code, 0);
  EXPECT_EQ(exp.out,
            "{\"type\":\"rule_created\",\"seq\":1,\"ts\":3,\"rule_id\":\"r\",\"name\":"
            "\"n\",\"enabled\":true}\n");
}

}  // namespace
}  // namespace annal::testing
