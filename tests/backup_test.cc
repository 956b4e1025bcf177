// Hot backup (Engine::Backup, `annal backup`): a copy taken while threads
// append opens, verifies, and its log is a prefix of the primary's, record
// for record; a destination that is not empty, or not a directory, is
// refused and left as it was.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

std::vector<LoggedEvent> LogOf(const Engine& engine) {
  std::vector<LoggedEvent> out;
  auto snap = engine.Read();
  EXPECT_TRUE(snap.ok());
  EXPECT_TRUE(snap->ScanLog(1,
                            [&](const LoggedEvent& e) {
                              out.push_back(e);
                              return true;
                            })
                  .ok());
  return out;
}

TEST(Backup, TakenDuringAppendsOpensVerifiesAndIsAPrefixOfThePrimary) {
  TempDir tmp;
  Options o;
  o.sync = false;
  auto primary = MustOpen(tmp.Sub("primary"), o);
  Workload w({.seed = 7});
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(primary->Append(w.Take(1000)).ok());

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; !stop; ++n) {
        Event e = TaskCreated{"w" + std::to_string(t) + "-" + std::to_string(n), "job"};
        if (primary->Append(e).ok()) ++appended;
      }
    });
  }
  while (appended < 200) std::this_thread::yield();
  auto report = primary->Backup(tmp.Sub("backup"));
  const uint64_t during = appended;
  while (appended < during + 200) std::this_thread::yield();  // appends go on
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical);
  EXPECT_GT(report->bytes, 0u);
  EXPECT_GE(report->log.head_seq, 20000u + 200);

  auto backup = MustOpen(tmp.Sub("backup"));
  auto v = backup->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->identical());
  EXPECT_EQ(v->log.head_hash, report->log.head_hash);
  const auto theirs = LogOf(*backup), ours = LogOf(*primary);
  ASSERT_EQ(theirs.size(), report->log.head_seq);
  ASSERT_LT(theirs.size(), ours.size());
  for (size_t i = 0; i < theirs.size(); ++i) ASSERT_EQ(theirs[i], ours[i]) << i;
}

TEST(Backup, RefusesADestinationThatIsNotEmptyOrNotADirectory) {
  TempDir tmp;
  auto primary = MustOpen(tmp.Sub("primary"));
  ASSERT_TRUE(primary->Append(TaskCreated{"t", "job"}).ok());
  std::filesystem::create_directories(tmp.Sub("full"));
  std::ofstream(tmp.Sub("full/keep.txt")) << "mine";
  auto r = primary->Backup(tmp.Sub("full"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(r.status().message().find("not empty"), std::string::npos);
  EXPECT_EQ(std::filesystem::directory_entry(tmp.Sub("full/keep.txt")).file_size(), 4u);
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("full/data.mdb")));

  std::ofstream(tmp.Sub("file")) << "x";
  r = primary->Backup(tmp.Sub("file"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a directory"), std::string::npos);

  // An empty directory is fine, and so is a store with nothing in it.
  std::filesystem::create_directories(tmp.Sub("empty"));
  EXPECT_TRUE(primary->Backup(tmp.Sub("empty")).ok());
  auto blank = MustOpen(tmp.Sub("blank"));
  auto b = blank->Backup(tmp.Sub("blank-copy"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->log.head_seq, 0u);
}

TEST(Backup, CliCopiesAReadOnlyOpenedStoreAndRestoreIsOpeningIt) {
  TempDir tmp;
  {
    auto primary = MustOpen(tmp.Sub("primary"));
    Workload w({.seed = 3});
    ASSERT_TRUE(primary->Append(w.Take(500)).ok());
  }
  const std::string cli = AnnalCli();
  auto out = RunShell(cli + " --db " + tmp.Sub("primary") + " backup " + tmp.Sub("b"));
  ASSERT_EQ(out.exit_code, 0) << out.out;
  EXPECT_NE(out.out.find("backup of 500 events (head seq 500"), std::string::npos)
      << out.out;
  auto again =
      RunShell(cli + " --db " + tmp.Sub("primary") + " backup " + tmp.Sub("b") + " 2>&1");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("not empty"), std::string::npos) << again.out;
  auto a = RunShell(cli + " --db " + tmp.Sub("primary") + " query alarms");
  auto b = RunShell(cli + " --db " + tmp.Sub("b") + " query alarms");
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(RunShell(cli + " --db " + tmp.Sub("b") + " verify").exit_code, 0);
}

}  // namespace
}  // namespace annal::testing
