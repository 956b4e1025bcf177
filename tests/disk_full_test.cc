// A full disk is an error, not corruption (issue 6): on a size-limited tmpfs
// mounted by the test, appends fail with a clear "no space" error, nothing of
// the failed batch is written, and once space is freed the same engine (and
// a reopened one) appends again, with a gapless log that verifies. Mounting
// needs root (or CAP_SYS_ADMIN); elsewhere the test skips and says why.
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// A tmpfs of `bytes` at `dir`, unmounted at scope exit.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& dir, size_t bytes) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    if (mount("annal-test", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      error_ = std::strerror(errno);
    }
  }
  ~SmallFilesystem() {
    if (error_.empty()) umount2(dir_.c_str(), MNT_DETACH);
  }
  const std::string& error() const { return error_; }

 private:
  std::string dir_, error_;
};

// Fills the filesystem but for `room` bytes with a file to delete later.
void FillBut(const std::string& path, size_t room) {
  {
    std::ofstream f(path, std::ios::binary);
    std::string block(64 * 1024, 'b');
    while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - room);
}

class DiskFull : public ::testing::TestWithParam<Mode> {};

TEST_P(DiskFull, AppendsFailClearlyAndTheStoreIsUsableOnceSpaceIsFreed) {
  TempDir dir;
  const std::string mnt = dir.Sub("mnt");
  SmallFilesystem fs(mnt, 8 << 20);
  if (!fs.error().empty()) {
    GTEST_SKIP()
        << "cannot mount a size-limited tmpfs here (needs root or CAP_SYS_ADMIN): "
        << fs.error();
  }
  const std::string db = mnt + "/store";
  Options o;
  o.mode = GetParam();
  o.initial_map_size = 512 << 10;  // the map grows on the way to the full disk
  Workload gen;
  std::vector<Event> sent, failed_batch;
  Status failure;
  {
    auto e = MustOpen(db, o);
    ASSERT_TRUE(e->Append(gen.Take(100)).ok());
    FillBut(mnt + "/ballast", 1 << 20);
    for (int i = 0; i < 10000 && failure.ok(); ++i) {
      std::vector<Event> batch = gen.Take(500);
      auto r = e->Append(batch);
      if (r.ok()) {
        sent.insert(sent.end(), batch.begin(), batch.end());
      } else {
        failure = r.status();
        failed_batch = batch;
      }
    }
    ASSERT_FALSE(failure.ok()) << "the disk never filled";
    EXPECT_FALSE(sent.empty()) << "no batch fitted in the room left";
    EXPECT_GT(e->Stats().map_growths, 0u);
    std::cout << sent.size() << " events fitted, then: " << failure.ToString() << "\n";
    EXPECT_EQ(failure.code(), Status::Code::kIOError) << failure.ToString();
    EXPECT_THAT(failure.message(), HasSubstr("no space left on device"))
        << failure.ToString();

    // The command line says the same, and exits non-zero.
    std::string more = dir.Sub("more.jsonl");
    ASSERT_EQ(
        RunShell(AnnalCli() + " generate 2000 --seed 7 --random-ids > " + more).exit_code,
        0);
    auto cli = RunShell(AnnalCli() + " --db " + db + " import " + more + " 2>&1");
    EXPECT_NE(cli.exit_code, 0);
    EXPECT_THAT(cli.out, HasSubstr("no space left on device"));

    // Space freed: the same engine takes the refused batch, and more.
    std::filesystem::remove(mnt + "/ballast");
    for (const std::vector<Event>& batch : {failed_batch, gen.Take(500)}) {
      auto r = e->Append(batch);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      sent.insert(sent.end(), batch.begin(), batch.end());
    }
    if (o.mode == Mode::kDeferred) {
      ASSERT_TRUE(e->ProjectPending().ok());
    }
  }
  auto e = MustOpen(db, o);
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
  // The log is every batch that succeeded, the refused one once, in order.
  auto snap = e->Read();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(*snap->LastSeq(), 100 + sent.size());
}

INSTANTIATE_TEST_SUITE_P(Modes, DiskFull,
                         ::testing::Values(Mode::kInline, Mode::kDeferred),
                         [](const auto& info) {
                           return info.param == Mode::kInline ? "Inline" : "Deferred";
                         });

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

// Creating a store on a full disk (issue 20): LMDB's lock file used to be
// written through a sparse mapping, SIGBUS. Now an error, nothing left.
TEST(DiskFullAtCreation, CreatingAStoreOnAFullDiskIsAnErrorAndLeavesNothing) {
  TempDir dir;
  const std::string mnt = dir.Sub("mnt");
  SmallFilesystem fs(mnt, 2 << 20);
  if (!fs.error().empty())
    GTEST_SKIP() << "cannot mount a size-limited tmpfs here: " << fs.error();
  FillBut(mnt + "/ballast", 0);
  auto e = Engine::Open(mnt + "/store");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Status::Code::kIOError);
  EXPECT_THAT(e.status().message(), HasSubstr("no space left on device"));
  EXPECT_FALSE(std::filesystem::exists(mnt + "/store"));
  CommandResult r = RunShell(AnnalCli() + " generate 10 | " + AnnalCli() + " --db " +
                             mnt + "/cli import - 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no space left on device"));
  std::filesystem::remove(mnt + "/ballast");
  EXPECT_TRUE(Engine::Open(mnt + "/store").ok());  // once there is room
}

// A backup that runs out of space removes what it wrote: a retry once
// there is room is not refused as "not empty".
TEST(DiskFullAtCreation, ABackupOutOfSpaceRemovesWhatItWrote) {
  TempDir dir;
  {
    auto e = MustOpen(dir.Sub("store"));
    Workload w;
    ASSERT_TRUE(e->Append(w.Take(3000)).ok());
  }
  const std::string mnt = dir.Sub("mnt");
  SmallFilesystem fs(mnt, 4 << 20);
  if (!fs.error().empty())
    GTEST_SKIP() << "cannot mount a size-limited tmpfs here: " << fs.error();
  FillBut(mnt + "/ballast", 256 << 10);
  const std::string cli = AnnalCli() + " --db " + dir.Sub("store") + " backup ";
  CommandResult r = RunShell(cli + mnt + "/new 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("No space left on device"));
  EXPECT_FALSE(std::filesystem::exists(mnt + "/new"));
  std::filesystem::create_directories(mnt + "/empty");
  r = RunShell(cli + mnt + "/empty 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(std::filesystem::is_empty(mnt + "/empty"));
  std::filesystem::remove(mnt + "/ballast");
  r = RunShell(cli + mnt + "/empty 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  struct stat st;
  ASSERT_EQ(::stat((mnt + "/empty/data.mdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace annal::testing
