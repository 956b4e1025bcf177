// The SQLite peer of the benchmarks answers every query exactly as annal does
// on the same stream, so that comparing their speed compares equals.
#include "bench/sqlite_peer.h"

#include <gtest/gtest.h>

#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

class SqlitePeerTest : public ::testing::TestWithParam<bool> {};

TEST_P(SqlitePeerTest, AnswersEveryQueryAsAnnalDoes) {
  const bool random_ids = GetParam();
  TempDir dir;
  const std::string db = dir.Sub("annal");
  auto engine = MustOpen(db);
  bench::SqlitePeer peer(dir.Sub("peer.sqlite"), /*durable=*/false);
  Workload w({.seed = 201, .random_ids = random_ids});
  const size_t events = 30000;
  for (size_t i = 0; i < events; i += 1000) {
    auto batch = w.Take(1000);
    ASSERT_TRUE(engine->Append(batch).ok());
    peer.Append(batch);
  }
  engine.reset();  // the CLI below opens the store
  auto annal_query = [&](const std::string& args) {
    auto r = RunShell(AnnalCli() + " --db " + db + " query " + args);
    EXPECT_EQ(r.exit_code, 0) << args;
    return r.out;
  };
  const int64_t start = 1'700'000'000'000'000, end = start + int64_t{events} * 500'000;
  auto compare_all = [&](const char* when) {
    for (const char* name :
         {"active_tasks", "schedules", "watchers", "rules", "integrations", "approvals",
          "queue_depth", "autonomy_history", "alarms"}) {
      std::string expected = annal_query(name);
      EXPECT_FALSE(expected.empty()) << name;
      EXPECT_EQ(peer.Query(name), expected) << name << " " << when;
    }
    for (int64_t t : {start, (start + end) / 2, end}) {
      for (const char* name : {"active_tasks", "schedules", "approvals"}) {
        EXPECT_EQ(peer.Query(name, t),
                  annal_query(std::string(name) + " --due " + std::to_string(t)))
            << name << " --due " << t << " " << when;
      }
    }
    for (const char* state : {"open", "acked", "resolved"}) {
      EXPECT_EQ(peer.Query("alarms", {}, state),
                annal_query(std::string("alarms --state ") + state))
          << state << " " << when;
    }
  };
  compare_all("after appends");
  peer.Rebuild();
  compare_all("after the peer's rebuild");
}

INSTANTIATE_TEST_SUITE_P(Ids, SqlitePeerTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "random_ids" : "seq_ids";
                         });

}  // namespace
}  // namespace annal::testing
