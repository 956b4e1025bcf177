// An embedder's own test that uses annal::workload, the event generator
// installed beside the engine: a realistic stream, valid by construction,
// drives the application's code (here, a tiny "how busy is the runtime"
// summary) and the test checks it against what annal's projections say.
// Built by CI against the installed package, with the embedder's GoogleTest.
#include <annal/engine.h>
#include <annal/workload.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

// The application code under test: how many alarms are in each state,
// counted from the state index (what a dashboard's badge would show).
std::array<size_t, 3> AlarmCounts(const annal::Engine& engine) {
  std::array<size_t, 3> n{};
  auto snapshot = engine.Read();
  if (!snapshot.ok()) return n;
  for (auto state : {annal::AlarmState::kOpen, annal::AlarmState::kAcked,
                     annal::AlarmState::kResolved}) {
    auto rows = snapshot->AlarmsInState(state);
    n[static_cast<size_t>(state)] = rows.ok() ? rows->size() : 0;
  }
  return n;
}

class WorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/annal-example-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(WorkloadTest, TenThousandGeneratedEventsAreAcceptedAndVerify) {
  auto engine = annal::Engine::Open(dir_ + "/store", {.sync = false});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  annal::Workload workload({.seed = 42});
  for (int batch = 0; batch < 10; ++batch) {
    auto receipt = (*engine)->Append(workload.Take(1000));
    ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  }
  {
    auto snapshot = (*engine)->Read();  // closed at the brace, before verify
    ASSERT_TRUE(snapshot.ok());
    EXPECT_EQ(*snapshot->LastSeq(), 10000u);
    auto alarms = snapshot->Alarms();
    ASSERT_TRUE(alarms.ok());
    ASSERT_FALSE(alarms->empty()) << "the stream raises alarms";
    std::array<size_t, 3> expected{};
    for (const auto& a : *alarms) ++expected[static_cast<size_t>(a.state)];
    EXPECT_EQ(AlarmCounts(**engine), expected);
  }
  auto report = (*engine)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
}

TEST_F(WorkloadTest, TheSameSeedGivesTheSameStream) {
  annal::Workload a({.seed = 7}), b({.seed = 7});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
}

}  // namespace
