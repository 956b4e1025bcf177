// A projection compiled in (projectors/compiled_in.h): the test projection
// ToolStats, registered here with its one line as a projection of annal's
// own would be, is in a store opened with no Options::projections. A store
// whose history was written by a build without it (the annal command)
// builds it from the log at Open; its rows match a model of that log; it is
// recorded, so that build may no longer write to the store; it verifies and
// is backed up; and registering it again in the options is refused, naming
// it.
#include "projectors/compiled_in.h"

#include <gmock/gmock.h>

#include <map>

#include "annal/engine.h"
#include "annal/workload.h"
#include "tests/test_util.h"
#include "tests/tool_stats.h"

ANNAL_COMPILED_IN_PROJECTION(annal::testing::ToolStats);

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// Calls per tool: queued, ok, error.
std::map<std::string, std::array<int64_t, 3>> CountTools(const Snapshot& snap) {
  std::map<std::string, std::string> calls;
  std::map<std::string, std::array<int64_t, 3>> tools;
  Status st = snap.ScanLog(1, [&](const LoggedEvent& ev) {
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body)) {
      calls[q->call_id] = q->tool;
      ++tools[q->tool][0];
    } else if (auto* f = std::get_if<ToolCallFinished>(&ev.event.body)) {
      ++tools[calls.at(f->call_id)][f->outcome == CallOutcome::kOk ? 1 : 2];
    }
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return tools;
}

void ExpectRowsMatchTheLog(Engine& e) {
  auto snap = e.Read();
  ASSERT_TRUE(snap.ok());
  const auto model = CountTools(*snap);
  ASSERT_FALSE(model.empty()) << "the stream holds tool calls";
  auto page = snap->TableRows("tool_stats");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->rows.size(), model.size());
  size_t i = 0;
  for (const auto& [tool, counts] : model) {
    const TableRow& r = page->rows[i++];
    EXPECT_EQ(std::get<std::string>(r.key[0]), tool);
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(std::get<int64_t>(r.fields[c]), counts[c]);
  }
}

TEST(CompiledIn, IsInEveryStoreThisBuildOpens) {
  TempDir dir;
  const std::string db = dir.Sub("s");
  auto made = RunShell(AnnalCli() + " generate 20000 --seed 3 | " + AnnalCli() +
                       " --db " + db + " import - --no-sync");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  {
    auto e = MustOpen(db);  // no Options::projections
    // annal's own (audit trail, series), then this test's, by name.
    ASSERT_EQ(e->projections().size(), 3u);
    EXPECT_EQ(e->projections()[0]->name(), "audit_trail");
    EXPECT_EQ(e->projections()[1]->name(), "series");
    EXPECT_EQ(e->projections()[2]->name(), "tool_stats");
    auto snap = e->Read();
    ASSERT_TRUE(snap.ok());
    auto recorded = snap->RecordedProjections();
    ASSERT_TRUE(recorded.ok());
    EXPECT_EQ(recorded->count("tool_stats"), 1u);
    ExpectRowsMatchTheLog(*e);
    Workload w({.seed = 3});  // the stream `generate --seed 3` began, continued
    (void)w.Take(20000);
    for (int i = 0; i < 4; ++i) {
      Status st = e->Append(w.Take(500)).status();
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
    ExpectRowsMatchTheLog(*e);
    auto report = e->Verify();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->identical());
    bool checked = false;
    for (const ProjectionCheck& c : report->projections)
      checked = checked || (c.projection == "tool_stats" && c.rows_live > 0);
    EXPECT_TRUE(checked) << "verify covers the projection compiled in";
    // A backup reopens its copy with the engine's options to verify it:
    // the projection compiled in is not listed twice there.
    auto backup = e->Backup(dir.Sub("backup"));
    ASSERT_TRUE(backup.ok()) << backup.status().ToString();
    EXPECT_TRUE(backup->identical);
  }
  Options twice;
  twice.projections = {std::make_shared<ToolStats>()};
  auto again = Engine::Open(db, twice);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("tool_stats"));
  // The annal command, built without it, may read the store but not write.
  auto write = RunShell(AnnalCli() + " generate 10 --seed 5 | " + AnnalCli() + " --db " +
                        db + " import - 2>&1");
  EXPECT_NE(write.exit_code, 0);
  EXPECT_THAT(write.out, HasSubstr("tool_stats"));
}

}  // namespace
}  // namespace annal::testing
