// The end-to-end check of the issue: generate | import through the CLI, then
// every `annal query` must equal an independent recomputation from `annal
// export` (tests/reference_model.cc).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/reference_model.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

struct Case {
  int events;
  int seed;
  bool random_ids;
};

class ModelTest : public ::testing::TestWithParam<Case> {};

TEST_P(ModelTest, EveryQueryMatchesARecomputationFromTheExportedLog) {
  const Case c = GetParam();
  TempDir dir;
  const std::string cli = AnnalCli(), db = dir.Sub("db");
  auto imp = RunShell(cli + " generate " + std::to_string(c.events) + " --seed " +
                      std::to_string(c.seed) + (c.random_ids ? " --random-ids" : "") +
                      " | " + cli + " --db " + db + " import - --no-sync");
  ASSERT_EQ(imp.exit_code, 0) << imp.out;
  ASSERT_NE(imp.out.find("committed " + std::to_string(c.events) + " events"),
            std::string::npos)
      << imp.out;

  auto exp = RunShell(cli + " --db " + db + " export");
  ASSERT_EQ(exp.exit_code, 0);
  ReferenceModel model;
  std::istringstream lines(exp.out);
  std::string line, error;
  int64_t n = 0, first_ts = 0, last_ts = 0;
  while (std::getline(lines, line)) {
    ASSERT_TRUE(model.Apply(line, &error)) << error;
    ++n;
  }
  ASSERT_EQ(n, c.events);
  first_ts = 1'700'000'000'000'000;
  last_ts = first_ts + int64_t{c.events} * 500'000;  // the generator's mean spacing

  auto query = [&](const std::string& args) {
    auto r = RunShell(cli + " --db " + db + " query " + args);
    EXPECT_EQ(r.exit_code, 0) << args;
    return r.out;
  };
  for (const char* name :
       {"active_tasks", "schedules", "watchers", "rules", "integrations", "approvals",
        "queue_depth", "autonomy_history", "alarms"}) {
    std::string got = query(name);
    EXPECT_FALSE(got.empty()) << name;
    EXPECT_EQ(got, model.Query(name)) << name;
  }
  for (int64_t t :
       {first_ts, (first_ts + last_ts) / 2, last_ts, last_ts + 3'600'000'000}) {
    for (const char* name : {"active_tasks", "schedules", "approvals"}) {
      EXPECT_EQ(query(std::string(name) + " --due " + std::to_string(t)),
                model.Query(name, t))
          << name << " --due " << t;
    }
  }
  for (const char* state : {"open", "acked", "resolved"}) {
    EXPECT_EQ(query(std::string("alarms --state ") + state),
              model.Query("alarms", {}, state))
        << state;
  }
}

INSTANTIATE_TEST_SUITE_P(Streams, ModelTest,
                         ::testing::Values(Case{200000, 1, false}, Case{50000, 2, true}),
                         [](const auto& info) {
                           return "seed" + std::to_string(info.param.seed) +
                                  (info.param.random_ids ? "_random_ids" : "");
                         });

}  // namespace
}  // namespace annal::testing
