// The bad-input corpus (tests/bad_inputs/, written by make_corpus.py): every
// file is refused by `annal import` with a clear error naming its line, a
// non-zero exit, and every sub-database exactly as it was.
#include <gmock/gmock.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// Entities the rule-breaking inputs refer to.
void Seed(const std::string& db) {
  auto e = MustOpen(db);
  std::vector<Event> seed = {
      At(1, TaskCreated{"t1", "running task"}),
      At(2, TaskStatusChanged{"t1", TaskStatus::kRunning}),
      At(3, TaskCreated{"t-done", "finished task"}),
      At(4, TaskStatusChanged{"t-done", TaskStatus::kSucceeded}),
      At(5, WatcherCreated{"w-deleted", "gone"}),
      At(6, WatcherDeleted{"w-deleted"}),
      At(7, ScheduleCreated{"s1", "nightly", "0 3 * * *"}),
      At(8, ToolCallQueued{"c1", "t1", "shell"}),
      At(9, AlarmRaised{"a1", Severity::kWarning, "disk", "full"}),
      At(10, IntegrationRegistered{"i1", "github"}),
  };
  ASSERT_TRUE(e->Append(seed).ok());
}

TEST(BadInputs, EveryFileIsRefusedAndTheStoreIsUnchanged) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  Seed(db);
  const Dump before = DumpStore(db);
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(ANNAL_SOURCE_DIR "/tests/bad_inputs")) {
    if (entry.path().extension() != ".jsonl") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    auto r = RunShell(AnnalCli() + " --db " + db + " import " + entry.path().string() +
                      " 2>&1");
    EXPECT_EQ(r.exit_code, 1) << name << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("annal import: line ")) << name;
    EXPECT_THAT(r.out, HasSubstr("0 events committed by earlier batches")) << name;
    EXPECT_TRUE(DumpStore(db) == before) << name << " changed the store";
  }
  EXPECT_GE(files, 100);
}

TEST(BadInputs, ErrorsSayWhatIsWrong) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  Seed(db);
  auto refusal = [&](const std::string& file) {
    return RunShell(AnnalCli() + " --db " + db +
                    " import " ANNAL_SOURCE_DIR "/tests/bad_inputs/" + file +
                    ".jsonl 2>&1")
        .out;
  };
  EXPECT_THAT(refusal("utf8_invalid_byte"),
              HasSubstr("line 2: invalid input: malformed JSON"));
  EXPECT_THAT(refusal("huge_id_300"),
              HasSubstr("line 2: rejected: event 1 (task_created): field \"task_id\" is "
                        "longer than 256 bytes"));
  EXPECT_THAT(refusal("rule_task_terminal"),
              HasSubstr("task \"t-done\" is succeeded, a terminal status"));
  EXPECT_THAT(refusal("duplicate_key"), HasSubstr("duplicate field \"rule_id\""));
  EXPECT_THAT(refusal("truncated_file"),
              HasSubstr("line 2: invalid input: malformed JSON"));
  EXPECT_THAT(refusal("binary_garbage"), HasSubstr("line 1: invalid input"));
}

// A line longer than any event can be (here 256 MiB with no newline) is
// refused once it passes 4 MiB, without reading the rest into memory.
TEST(BadInputs, AnEndlessLineIsRefusedWithoutHoldingItAll) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  Seed(db);
  const Dump before = DumpStore(db);
  const std::string file = dir.Sub("endless.jsonl");
  {
    std::ofstream out(file, std::ios::binary);
    out << "{\"type\":\"task_created\",\"ts\":1,\"task_id\":\"t9\",\"name\":\"";
    const std::string block(1 << 20, 'n');
    for (int i = 0; i < 256; ++i) out << block;
  }
  // Peaks measured by peak_rss, not RUSAGE_CHILDREN (tests/peak_rss.cc), and
  // against the same CLI's peak for `status`: under ASan that baseline alone
  // is about 130 MiB.
  auto peak_kib = [&](const std::string& command, CommandResult* result) {
    const std::string peak_file = dir.Sub("peak_kib");
    *result = RunShell(std::string(ANNAL_PEAK_RSS_PATH) + " " + peak_file + " " +
                       AnnalCli() + " --db " + db + " " + command + " 2>&1");
    long kib = -1;
    std::ifstream(peak_file) >> kib;
    return kib;
  };
  CommandResult r;
  const long baseline = peak_kib("status", &r);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const long importing = peak_kib("import " + file, &r);
  EXPECT_GT(baseline, 0);
  EXPECT_LT(importing - baseline, 64 << 10) << "KiB more than `status` at the peak ("
                                            << baseline << "): the line was read whole";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("line 1: invalid input: the line is longer than 4 MiB"));
  EXPECT_TRUE(DumpStore(db) == before);
}

// A store directory made read-only: by a read-only bind mount when running as
// root (root ignores permission bits), by removing write permission
// otherwise. Writes are refused with a clear error and nothing changes.
TEST(BadInputs, AReadOnlyStoreDirectoryRefusesWritesAndChangesNothing) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  Seed(db);
  const Dump before = DumpStore(db);
  const bool root = geteuid() == 0;
  if (root) {
    if (mount(db.c_str(), db.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      GTEST_SKIP() << "cannot bind-mount the store read-only here: "
                   << std::strerror(errno);
    }
    ASSERT_EQ(
        mount(nullptr, db.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
        << std::strerror(errno);
  }
  auto writable = [&](std::filesystem::perm_options how) {
    std::filesystem::permissions(db, std::filesystem::perms::owner_write, how);
    for (const auto& f : std::filesystem::directory_iterator(db)) {
      std::filesystem::permissions(f.path(), std::filesystem::perms::owner_write, how);
    }
  };
  if (!root) writable(std::filesystem::perm_options::remove);
  auto import = RunShell(AnnalCli() + " --db " + db +
                         " import " ANNAL_SOURCE_DIR
                         "/tests/fuzz/corpus/fuzz_jsonl/workload_0.jsonl 2>&1");
  auto rebuild = RunShell(AnnalCli() + " --db " + db + " rebuild 2>&1");
  if (root) {
    // On a read-only filesystem LMDB needs no lock file: reads still work.
    auto query = RunShell(AnnalCli() + " --db " + db + " query active_tasks 2>&1");
    EXPECT_EQ(query.exit_code, 0) << query.out;
    EXPECT_THAT(query.out, HasSubstr("\"task_id\":\"t1\""));
    umount2(db.c_str(), MNT_DETACH);
  } else {
    writable(std::filesystem::perm_options::add);
  }
  for (const CommandResult& r : {import, rebuild}) {
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, root ? HasSubstr("read-only file system")
                            : HasSubstr("permission denied"));
  }
  EXPECT_TRUE(DumpStore(db) == before);
}

}  // namespace
}  // namespace annal::testing
