// Inline and deferred modes: the same calls, the same rejections; deferred
// appends leave the projections at their checkpoint, and an inline append
// (or a rebuild) later brings them to exactly what an inline store holds.
#include <gmock/gmock.h>

#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

Options InMode(Mode m) {
  Options o;
  o.mode = m;
  return o;
}

void AppendAll(Engine& e, const std::vector<Event>& events, size_t batch) {
  for (size_t i = 0; i < events.size(); i += batch) {
    auto r = e.Append(std::span(events).subspan(i, std::min(batch, events.size() - i)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

TEST(Modes, DeferredAppendsLogButLeaveProjectionsAtTheirCheckpoint) {
  TempDir dir;
  Workload w({.seed = 101});
  auto e = MustOpen(dir.path(), InMode(Mode::kDeferred));
  AppendAll(*e, w.Take(3000), 500);
  auto s = e->Read();
  EXPECT_EQ(*s->LastSeq(), 3000u);
  EXPECT_EQ(*s->ProjectedSeq(), 0u);
  EXPECT_TRUE(s->Watchers()->empty());
  EXPECT_EQ(s->QueueDepth()->runnable_tasks, 0u);
}

TEST(Modes, DeferredModeRejectsExactlyAsInlineMode) {
  for (Mode m : {Mode::kInline, Mode::kDeferred}) {
    TempDir dir;
    auto e = MustOpen(dir.path(), InMode(m));
    ASSERT_TRUE(e->Append(At(1, TaskCreated{"t", "n"})).ok());
    std::vector<Event> batch = {At(2, TaskStatusChanged{"t", TaskStatus::kSucceeded}),
                                At(3, TaskStepAdvanced{"t", "s"})};
    auto r = e->Append(batch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().event_index(), 1u);
    EXPECT_EQ(
        r.status().message(),
        "event 1 (task_step_advanced): task \"t\" is succeeded, a terminal status (rule: "
        "task exists and is not terminal)");
    EXPECT_EQ(*e->Read()->LastSeq(), 1u);
  }
}

TEST(Modes, SwitchingBackToInlineCatchesUpToWhatAnInlineStoreHolds) {
  TempDir mixed_dir, inline_dir;
  Workload w({.seed = 102, .random_ids = true});
  std::vector<Event> events = w.Take(12000);
  std::vector<Event> first(events.begin(), events.begin() + 4000),
      middle(events.begin() + 4000, events.begin() + 9000),
      last(events.begin() + 9000, events.end());
  {
    auto e = MustOpen(mixed_dir.path());
    AppendAll(*e, first, 1000);
  }
  {
    auto e = MustOpen(mixed_dir.path(), InMode(Mode::kDeferred));
    AppendAll(*e, middle, 250);
    EXPECT_EQ(*e->Read()->ProjectedSeq(), 4000u);
  }
  auto mixed = MustOpen(mixed_dir.path());
  AppendAll(*mixed, last, 1000);
  EXPECT_EQ(*mixed->Read()->ProjectedSeq(), 12000u);

  auto inl = MustOpen(inline_dir.path());
  AppendAll(*inl, events, 1000);
  EXPECT_EQ(AllQueriesJson(*mixed), AllQueriesJson(*inl));
  auto r = mixed->Verify();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->identical());
  auto a = mixed->VerifyQuick(), b = inl->VerifyQuick();
  for (size_t i = 0; i < a->projections.size(); ++i) {
    EXPECT_EQ(a->projections[i].live, b->projections[i].live)
        << a->projections[i].projection;
  }
}

TEST(Modes, ARebuildBringsDeferredProjectionsToTheHead) {
  TempDir dir;
  Workload w({.seed = 103});
  auto e = MustOpen(dir.path(), InMode(Mode::kDeferred));
  AppendAll(*e, w.Take(2000), 100);
  ASSERT_TRUE(e->Rebuild().ok());
  EXPECT_EQ(*e->Read()->ProjectedSeq(), 2000u);
  EXPECT_FALSE(e->Read()->Watchers()->empty());
}

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

TEST(Modes, VerifyOfADeferredStoreComparesAtTheCheckpoint) {
  TempDir dir;
  Workload w({.seed = 104});
  {
    auto e = MustOpen(dir.path(), InMode(Mode::kDeferred));
    AppendAll(*e, w.Take(10000), 500);
    auto n = e->ProjectPending(6000);
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, 6000u);
    auto r = e->Verify();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->identical()) << "projections at 6000 equal a replay to 6000";
    EXPECT_EQ(r->log.events, 10000u);
    EXPECT_TRUE(e->VerifyQuick()->identical());
    ASSERT_TRUE(e->ProjectPending().ok());
    EXPECT_FALSE(e->VerifyQuick()->comparable()) << "the projections moved since";
    EXPECT_TRUE(e->Verify()->identical());
  }
  ASSERT_TRUE(RunShell(AnnalCli() + " --db " + dir.path() + " verify").exit_code == 0);
}

TEST(Modes, AProjectorFailureNamesTheSeqAndLeavesTheCheckpoint) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path(), InMode(Mode::kDeferred));
    ASSERT_TRUE(e->Append(At(1, WatcherCreated{"w", "n"})).ok());
    ASSERT_TRUE(e->ProjectPending().ok());
    ASSERT_TRUE(e->Append(At(2, WatcherTicked{"w", TickOutcome::kFired})).ok());
  }
  {  // A projection row damaged behind the engine's back: the projector cannot apply
     // seq 2.
    RawStore raw(dir.path());
    raw.Put(raw.Dbi("proj_watchers"), std::string("w\0\0\0\0\0\0\0", 8),
            std::string(16, '\x01'));
    raw.Commit();
  }
  auto e = MustOpen(dir.path(), InMode(Mode::kDeferred));
  auto n = e->ProjectPending();
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("projector watchers failed at seq 2"));
  EXPECT_EQ(*e->Read()->ProjectedSeq(), 1u) << "the checkpoint stays before the event";
  std::atomic<bool> stop{false};
  EXPECT_FALSE(e->RunProjector(stop).ok()) << "the loop stops instead of skipping";
}

}  // namespace
}  // namespace annal::testing
