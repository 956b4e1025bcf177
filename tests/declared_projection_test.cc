// Projections of your own in C++ (annal/projection.h, issue 21): rows
// against a model computed here from the same generated stream, inline and
// deferred giving the same bytes, verify naming a tampered row, a version
// bump rebuilding, a projection added to a store with history complete at
// first read, a throwing Apply or a wrong type rejecting the whole batch,
// and a writer without a recorded projection refused.
#include <gmock/gmock.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "annal/engine.h"
#include "annal/jsonl.h"
#include "annal/workload.h"
#include "tests/test_util.h"
#include "tests/tool_stats.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// Version 2 counts the same events another way: its rows differ.
class ToolStatsV2 : public ToolStats {
 public:
  ToolStatsV2() : ToolStats(2) {}
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    ToolStats::Apply(tx, ev);
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body))
      tx.Put("calls", {q->call_id}, {q->tool + "/v2"});
  }
};

struct Model {
  std::map<std::string, std::array<int64_t, 3>> tools;
  std::map<std::string, std::string> calls;
  void Apply(const Event& ev) {
    if (auto* q = std::get_if<ToolCallQueued>(&ev.body)) {
      calls[q->call_id] = q->tool;
      ++tools[q->tool][0];
    } else if (auto* f = std::get_if<ToolCallFinished>(&ev.body)) {
      ++tools[calls.at(f->call_id)][f->outcome == CallOutcome::kOk ? 1 : 2];
    }
  }
};

Options With(std::vector<std::shared_ptr<Projection>> p, Mode mode = Mode::kInline) {
  Options o;
  o.mode = mode;
  o.projections = std::move(p);
  return o;
}

std::vector<std::string> AllJson(Engine& e, std::string_view table = {}) {
  auto snap = e.Read();
  EXPECT_TRUE(snap.ok());
  auto spec = snap->Table("tool_stats", table);
  EXPECT_TRUE(spec.has_value());
  auto page = snap->TableRows("tool_stats", {.table = table});
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  std::vector<std::string> out;
  for (const TableRow& r : page->rows) {
    std::string json;
    AppendJson(json, *spec, r);
    out.push_back(json);
  }
  return out;
}

TEST(DeclaredProjection, RowsMatchAModelOfTheSameStream) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  Workload w({.seed = 7});
  Model model;
  for (int i = 0; i < 20; ++i) {
    auto batch = w.Take(500);
    ASSERT_TRUE(e->Append(batch).ok());
    for (const Event& ev : batch) model.Apply(ev);
  }
  ASSERT_FALSE(model.tools.empty()) << "the stream holds tool calls";
  auto snap = e->Read();
  auto page = snap->TableRows("tool_stats");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), model.tools.size());
  size_t i = 0;
  for (const auto& [tool, counts] : model.tools) {
    const TableRow& r = page->rows[i++];
    EXPECT_EQ(std::get<std::string>(r.key[0]), tool);
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(std::get<int64_t>(r.fields[c]), counts[c]);
  }
  auto calls = snap->TableRows("tool_stats", {.table = "calls"});
  ASSERT_TRUE(calls.ok());
  EXPECT_EQ(calls->rows.size(), model.calls.size());
  // Pages of 7 walk the same rows, in key order.
  std::vector<TableRow> paged;
  std::string after;
  for (;;) {
    auto p =
        snap->TableRows("tool_stats", {.table = "calls", .limit = 7, .after = after});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    paged.insert(paged.end(), p->rows.begin(), p->rows.end());
    if (!p->next) break;
    after = *p->next;
  }
  EXPECT_EQ(paged, calls->rows);
  EXPECT_FALSE(snap->TableRows("tool_stats", {.after = "00ff"}).ok());
  EXPECT_FALSE(snap->TableRows("no_such").ok());
  EXPECT_FALSE(snap->TableRows("tool_stats", {.table = "nope"}).ok());
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
}

TEST(DeclaredProjection, InlineAndDeferredGiveTheSameBytes) {
  TempDir dir;
  Workload w({.seed = 9});
  auto events = w.Take(6000);
  auto inl = MustOpen(dir.Sub("inline"), With({std::make_shared<ToolStats>()}));
  auto def = MustOpen(dir.Sub("deferred"),
                      With({std::make_shared<ToolStats>()}, Mode::kDeferred));
  for (size_t i = 0; i < events.size(); i += 1000) {
    std::vector<Event> b(events.begin() + i, events.begin() + i + 1000);
    ASSERT_TRUE(inl->Append(b).ok());
    ASSERT_TRUE(def->Append(b).ok());
  }
  for (;;) {
    auto n = def->ProjectPending(5000);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
  }
  EXPECT_EQ(AllJson(*inl), AllJson(*def));
  EXPECT_EQ(AllJson(*inl, "calls"), AllJson(*def, "calls"));
  inl.reset(), def.reset();
  Dump a = DumpStore(dir.Sub("inline")), b = DumpStore(dir.Sub("deferred"));
  ASSERT_TRUE(a.contains("proj_tool_stats.tools") && a.contains("proj_tool_stats.calls"));
  for (const auto& [name, rows] : a) {
    if (name == "meta") continue;
    EXPECT_TRUE(b.at(name) == rows) << "sub-database " << name << " differs";
  }
}

TEST(DeclaredProjection, VerifyNamesATamperedRow) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  Workload w({.seed = 3});
  ASSERT_TRUE(e->Append(w.Take(3000)).ok());
  e.reset();
  {
    // A raw LMDB write to the live slot's calls table.
    RawStore raw(dir.Sub("s"));
    raw.Put(raw.Dbi(raw.LiveName("proj_tool_stats.calls")),
            std::string("zz-forged\0\0\0\0\0\0\0", 16), "garbage!");
    raw.Commit();
  }
  e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->identical());
  bool named = false;
  for (const auto& check : report->projections) {
    if (check.projection != "tool_stats") continue;
    EXPECT_FALSE(check.identical);
    ASSERT_FALSE(check.differences.empty());
    EXPECT_EQ(check.differences[0].sub_database, "proj_tool_stats.calls");
    EXPECT_THAT(check.differences[0].key, HasSubstr("call_id \"zz-forged\""));
    named = true;
  }
  EXPECT_TRUE(named);
}

TEST(DeclaredProjection, ADamagedRowIsCorruptionNotARejectedBatch) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  const std::vector<Event> first = {At(1, TaskCreated{"t1", "t", {}}),
                                    At(2, ToolCallQueued{"c1", "t1", "shell"})};
  ASSERT_TRUE(e->Append(first).ok());
  e.reset();
  {
    RawStore raw(dir.Sub("s"));
    raw.Put(raw.Dbi(raw.LiveName("proj_tool_stats.tools")), std::string("shell\0\0\0", 8),
            "garbage!");
    raw.Commit();
  }
  e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  auto r = e->Append(At(3, ToolCallQueued{"c2", "t1", "shell"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("a damaged row in proj_tool_stats.tools"));
}

TEST(DeclaredProjection, AVersionBumpRebuildsIt) {
  TempDir dir;
  Workload w({.seed = 4});
  auto events = w.Take(4000);
  ASSERT_TRUE(
      MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}))->Append(events).ok());
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStatsV2>()}));
  auto calls = AllJson(*e, "calls");
  ASSERT_FALSE(calls.empty());
  for (const auto& row : calls) EXPECT_THAT(row, HasSubstr("/v2\"")) << row;
  auto report = e->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->identical());
  // Back to version 1: rebuilt again, and a writer of another version finds
  // the store's record as it left it.
  e.reset();
  auto again = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  for (const auto& row : AllJson(*again, "calls"))
    EXPECT_THAT(row, Not(HasSubstr("/v2")));
}

TEST(DeclaredProjection, AddedToAStoreWithHistoryItIsCompleteAtFirstRead) {
  TempDir dir;
  Workload w({.seed = 5});
  Model model;
  {
    auto plain = MustOpen(dir.Sub("s"));
    for (int i = 0; i < 20; ++i) {
      auto batch = w.Take(5000);
      ASSERT_TRUE(plain->Append(batch).ok());
      for (const Event& ev : batch) model.Apply(ev);
    }
  }
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  auto page = e->Read()->TableRows("tool_stats", {.table = "calls"});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->rows.size(), model.calls.size());
  EXPECT_EQ(*e->Read()->LastSeq(), 100000u);
}

// Holds its first apply past seq 50,000 (after the replay's first progress
// report) until released, so that a test can look at the store meanwhile.
class Paused : public ToolStats {
 public:
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    if (ev.seq > 50000 && !reached_) {
      std::unique_lock lock(mu_);
      reached_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    ToolStats::Apply(tx, ev);
  }
  void AwaitReached() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return reached_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool reached_ = false, released_ = false;
};

TEST(DeclaredProjection, StatusSaysWhileANewProjectionIsBuilt) {
  TempDir dir;
  Workload w({.seed = 7});
  {
    auto plain = MustOpen(dir.Sub("s"));
    for (int i = 0; i < 14; ++i) ASSERT_TRUE(plain->Append(w.Take(5000)).ok());
  }
  const std::string status = AnnalCli() + " --db " + dir.Sub("s") + " status 2>&1";
  EXPECT_THAT(RunShell(status).out, Not(HasSubstr("running")));
  auto paused = std::make_shared<Paused>();
  std::unique_ptr<Engine> opened;
  std::thread open([&] { opened = MustOpen(dir.Sub("s"), With({paused})); });
  paused->AwaitReached();
  CommandResult r = RunShell(status);
  paused->Release();
  open.join();
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("rebuild running, building projection(s) tool_stats: "
                               "50000 of 70000 events replayed (appends go on"));
  ASSERT_TRUE(opened);
  EXPECT_FALSE(opened->RunningMaintenance());
  EXPECT_THAT(RunShell(status).out, Not(HasSubstr("running")));
}

class Throwing : public ToolStats {
 public:
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    ToolStats::Apply(tx, ev);
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body); q && q->tool == "boom")
      throw std::runtime_error("no boom allowed");
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body); q && q->tool == "badtype")
      tx.Put("calls", {q->call_id}, {int64_t{5}});
  }
};

TEST(DeclaredProjection, AFailingApplyRejectsTheWholeBatchAndWritesNothing) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<Throwing>()}));
  Workload w({.seed = 6});
  ASSERT_TRUE(e->Append(w.Take(2000)).ok());
  const std::string before = AllQueriesJson(*e);
  const auto rows_before = AllJson(*e, "calls");
  const uint64_t head = *e->Read()->LastSeq();
  for (const char* tool : {"boom", "badtype"}) {
    std::vector<Event> batch = {
        At(1, TaskCreated{"tb-" + std::string(tool), "t", {}}),
        At(2, ToolCallQueued{"cb", "tb-" + std::string(tool), tool})};
    auto r = e->Append(batch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kRejected) << r.status().ToString();
    EXPECT_EQ(r.status().event_index(), 1u);
    EXPECT_THAT(r.status().message(), HasSubstr("projection tool_stats failed at seq"));
    EXPECT_THAT(r.status().message(), HasSubstr("tool_call_queued"));
    EXPECT_EQ(*e->Read()->LastSeq(), head);
    EXPECT_EQ(AllQueriesJson(*e), before);
    EXPECT_EQ(AllJson(*e, "calls"), rows_before);
  }
  auto report = e->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->identical());
}

TEST(DeclaredProjection, AWriterWithoutARecordedProjectionIsRefused) {
  TempDir dir;
  ASSERT_TRUE(MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}))
                  ->Append(Workload({.seed = 2}).Take(500))
                  .ok());
  auto plain = Engine::Open(dir.Sub("s"));
  ASSERT_FALSE(plain.ok());
  EXPECT_THAT(plain.status().message(), HasSubstr("tool_stats"));
  Options ro;
  ro.read_only = true;
  auto reader = Engine::Open(dir.Sub("s"), ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->Read()->Watchers().ok());
}

TEST(DeclaredProjection, UnsoundDeclarationsAreRefusedNamingWhatIsWrong) {
  struct Named : ToolStats {
    std::string n;
    explicit Named(std::string name) : n(std::move(name)) {}
    std::string name() const override { return n; }
  };
  TempDir dir;
  for (const char* bad : {"alarms", "Bad", "", "has-dash"}) {
    auto e = Engine::Open(dir.Sub("s"), With({std::make_shared<Named>(bad)}));
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().code(), Status::Code::kInvalidInput);
    EXPECT_THAT(e.status().message(), HasSubstr("projection " + std::string(bad)));
  }
  auto twice = Engine::Open(
      dir.Sub("s"), With({std::make_shared<ToolStats>(), std::make_shared<ToolStats>()}));
  EXPECT_FALSE(twice.ok());
}

TEST(DeclaredProjection, FingerprintsNameItWhenItsRowsChange) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  ASSERT_TRUE(e->Append(Workload({.seed = 4}).Take(300)).ok());
  auto before = e->Read()->ProjectionFingerprints();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), kProjections.size() + 3);  // audit trail, series
  EXPECT_EQ(before->back().first, "tool_stats");
  // A task the projection ignores, then a tool call it counts.
  ASSERT_TRUE(e->Append({At(1, TaskCreated{"fp-task", "t", {}})}).ok());
  auto mid = e->Read()->ProjectionFingerprints();
  const auto task_changed = ChangedProjections(*before, *mid);
  EXPECT_FALSE(task_changed.empty());
  EXPECT_THAT(task_changed, ::testing::Not(::testing::Contains("tool_stats")));
  ASSERT_TRUE(e->Append({At(2, ToolCallQueued{"fp-call", "fp-task", "shell"})}).ok());
  auto after = e->Read()->ProjectionFingerprints();
  EXPECT_THAT(ChangedProjections(*mid, *after), ::testing::Contains("tool_stats"));
  // Against nothing, every projection is named (a feed's catch-up).
  EXPECT_EQ(ChangedProjections({}, *after).size(), kProjections.size() + 3);
}

TEST(DeclaredProjection, AReadOnlyVerifyComparesTheRestAndSaysWhatItSkips) {
  TempDir dir;
  auto e = MustOpen(dir.Sub("s"), With({std::make_shared<ToolStats>()}));
  ASSERT_TRUE(e->Append(Workload({.seed = 5}).Take(3000)).ok());
  auto full = e->Verify();
  ASSERT_TRUE(full.ok());
  e.reset();
  Options ro = With({std::make_shared<ToolStats>()});
  ro.read_only = true;
  Options ro_without;
  ro_without.read_only = true;
  // Untouched: the read-only report is the writable one.
  auto same = MustOpen(dir.Sub("s"), ro)->Verify();
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->identical());
  ASSERT_EQ(same->projections.size(), full->projections.size());
  for (size_t i = 0; i < same->projections.size(); ++i) {
    EXPECT_EQ(same->projections[i].projection, full->projections[i].projection);
    EXPECT_EQ(same->projections[i].digest, full->projections[i].digest);
    EXPECT_EQ(same->projections[i].rows_rebuilt, full->projections[i].rows_rebuilt);
  }
  EXPECT_EQ(same->log.head_hash, full->log.head_hash);
  EXPECT_TRUE(same->skipped.empty());
  // Without the projection: the rest is verified, and it says what it skipped.
  auto rest = MustOpen(dir.Sub("s"), ro_without)->Verify();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_TRUE(rest->identical());
  EXPECT_EQ(rest->projections.size(), full->projections.size() - 1);
  ASSERT_EQ(rest->skipped.size(), 1u);
  EXPECT_EQ(rest->skipped[0].projection, "tool_stats");
  EXPECT_THAT(rest->skipped[0].why, HasSubstr("not loaded"));
  // A built-in row deleted behind the engine's back: found either way.
  {
    RawStore raw(dir.Sub("s"));
    ASSERT_TRUE(raw.DeleteFirst("proj_watchers"));
    raw.Commit();
  }
  for (const Options& o : {ro, ro_without}) {
    auto r = MustOpen(dir.Sub("s"), o)->Verify();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->identical());
    for (const auto& check : r->projections) {
      EXPECT_EQ(check.identical, check.projection != "watchers") << check.projection;
      if (check.projection == "watchers") {
        ASSERT_FALSE(check.differences.empty());
        EXPECT_EQ(check.differences[0].what, "missing from the live store");
      }
    }
  }
}

}  // namespace
}  // namespace annal::testing
