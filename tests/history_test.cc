// The audit trail (projectors/audit_trail.cc, Snapshot::History) against a
// model built from the generated stream with its own per-type rules: every
// entity's trail, paged and whole; a task's includes its tool calls' and
// approvals' events; an id never seen is nullopt, a kind unknown refused.
// It verifies, rebuilds to the same bytes, and a time-travel view answers
// the trail as it stood.
#include <gmock/gmock.h>

#include <map>

#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using Trails = std::map<std::pair<std::string, std::string>, std::vector<uint64_t>>;

// The model: for each event, the entities it belongs to, type by type.
class Model {
 public:
  void Add(uint64_t seq, const Event& ev) {
    std::visit([&](const auto& b) { On(seq, b); }, ev.body);
  }
  const Trails& trails() const { return trails_; }

 private:
  void Note(std::string kind, const std::string& id, uint64_t seq) {
    trails_[{std::move(kind), id}].push_back(seq);
  }
  template <class B>
  void On(uint64_t seq, const B& b) {
    if constexpr (requires { b.task_id; }) Note("task", b.task_id, seq);
    if constexpr (requires { b.schedule_id; }) Note("schedule", b.schedule_id, seq);
    if constexpr (requires { b.watcher_id; }) Note("watcher", b.watcher_id, seq);
    if constexpr (requires { b.rule_id; }) Note("rule", b.rule_id, seq);
    if constexpr (requires { b.integration_id; })
      Note("integration", b.integration_id, seq);
    if constexpr (requires { b.alarm_id; }) Note("alarm", b.alarm_id, seq);
    if constexpr (requires { b.call_id; }) {
      Note("tool_call", b.call_id, seq);
      if constexpr (std::is_same_v<B, ToolCallQueued>) {
        call_task_[b.call_id] = b.task_id;
      } else {
        Note("task", call_task_.at(b.call_id), seq);
      }
    }
    if constexpr (requires { b.approval_id; }) {
      Note("approval", b.approval_id, seq);
      if constexpr (std::is_same_v<B, ApprovalRequested>) {
        approval_task_[b.approval_id] = b.task_id;
      } else {
        Note("task", approval_task_.at(b.approval_id), seq);
      }
    }
  }
  Trails trails_;
  std::map<std::string, std::string> call_task_, approval_task_;
};

std::vector<uint64_t> SeqsOf(const Snapshot& snap, const std::string& kind,
                             const std::string& id, std::optional<size_t> page = {}) {
  std::vector<uint64_t> seqs;
  uint64_t after = 0;
  for (;;) {
    auto got = snap.History(kind, id, after, page);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) return seqs;
    for (const LoggedEvent& e : (*got)->events) seqs.push_back(e.seq);
    if (!(*got)->next) return seqs;
    after = *(*got)->next;
  }
}

// Appends `batches` of 1,000 generated events to `e` and to `model`.
void Fill(Engine& e, Model& model, uint64_t seed, int batches) {
  Workload w({.seed = seed});
  uint64_t seq = 0;
  for (int batch = 0; batch < batches; ++batch) {
    auto events = w.Take(1000);
    ASSERT_TRUE(e.Append(events).ok());
    for (const Event& ev : events) model.Add(++seq, ev);
  }
}

TEST(History, EveryEntitysTrailMatchesAModelOfTheStream) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Model model;
  Fill(*e, model, 11, 20);
  auto snap = e->Read();
  ASSERT_TRUE(snap.ok());
  std::map<std::string, int> kinds;
  size_t checked = 0;
  for (const auto& [entity, seqs] : model.trails()) {
    ++kinds[entity.first];
    ASSERT_EQ(SeqsOf(*snap, entity.first, entity.second), seqs)
        << entity.first << " " << entity.second;
    if (checked++ % 50 == 0)  // paged too, on some
      ASSERT_EQ(SeqsOf(*snap, entity.first, entity.second, 3), seqs) << entity.second;
  }
  for (const char* k : {"task", "schedule", "watcher", "rule", "integration", "tool_call",
                        "approval", "alarm"})
    EXPECT_GT(kinds[k], 0) << "the stream names no " << k;
  // The events are the log's, as ScanLog shows them.
  const auto& [first_entity, first_seqs] = *model.trails().begin();
  auto page = snap->History(first_entity.first, first_entity.second);
  std::vector<LoggedEvent> logged = LoggedEvents(*e);
  EXPECT_EQ((*page)->events.front(), logged[first_seqs.front() - 1]);
  // An id never seen, a kind unknown, a limit of 0.
  auto never = snap->History("task", "no-such-task");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(*never);
  auto kind = snap->History("tasks", "x");
  EXPECT_EQ(kind.status().code(), Status::Code::kInvalidInput);
  EXPECT_THAT(kind.status().message(), ::testing::HasSubstr("tool_call"));
  EXPECT_EQ(snap->History("task", "x", 0, 0).status().code(),
            Status::Code::kInvalidInput);
  // After its last seq an entity still exists: an empty page, not nullopt.
  auto past = snap->History(first_entity.first, first_entity.second, first_seqs.back());
  ASSERT_TRUE(past.ok() && *past);
  EXPECT_TRUE((*past)->events.empty());
  EXPECT_FALSE((*past)->next);
}

TEST(History, VerifiesRebuildsAndTravelsInTime) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Model model;
  Fill(*e, model, 12, 5);
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  bool covered = false;
  for (const ProjectionCheck& c : report->projections)
    covered =
        covered || (c.projection == "audit_trail" && c.rows_live > 0 && c.identical);
  EXPECT_TRUE(covered);
  const std::string task = "task-00000001";
  const std::vector<uint64_t> whole = model.trails().at({"task", task});
  ASSERT_GT(whole.size(), 3u);
  ASSERT_TRUE(e->Rebuild().ok());
  EXPECT_EQ(SeqsOf(*e->Read(), "task", task), whole);
  const uint64_t at = whole[whole.size() / 2];
  auto then = e->ReadAsOf(at);
  ASSERT_TRUE(then.ok()) << then.status().ToString();
  std::vector<uint64_t> before(whole.begin(), whole.begin() + whole.size() / 2 + 1);
  EXPECT_EQ(SeqsOf(*then, "task", task), before);
  e.reset();
  // Written again from the log alone, the same bytes (in the other slot).
  auto live_trail = [&] {
    std::string name = RawStore(dir.path(), false).LiveName("proj_audit_trail.entries");
    return DumpStore(dir.path()).at(name);
  };
  const auto live = live_trail();
  {
    auto again = MustOpen(dir.path());
    ASSERT_TRUE(again->Rebuild().ok());
  }
  EXPECT_FALSE(live.empty());
  EXPECT_EQ(live, live_trail());
}

}  // namespace
}  // namespace annal::testing
