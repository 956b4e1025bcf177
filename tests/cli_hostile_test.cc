// The command line against hostile conditions (issue 20): output that cannot
// be written (/dev/full) ends every printing command with an error, never a
// silent exit 0; numbers are parsed strictly (no negative wraps around); a
// missing --db is a usage error.
#include <gmock/gmock.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

class CliHostile : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() + "/store";
    events_ = dir_.path() + "/events.jsonl";
    ASSERT_EQ(RunShell(AnnalCli() + " generate 300 --seed 4 > " + events_).exit_code, 0);
    ASSERT_EQ(RunShell(AnnalCli() + " --db " + db_ + " import " + events_).exit_code, 0);
  }
  // Runs `annal ARGS` with stdout to /dev/full; the result holds stderr.
  CommandResult ToFull(const std::string& args) {
    return RunShell(AnnalCli() + " " + args + " 2>&1 >/dev/full");
  }
  CommandResult Run(const std::string& args) {
    return RunShell(AnnalCli() + " " + args + " 2>&1");
  }
  TempDir dir_;
  std::string db_, events_;
};

TEST_F(CliHostile, EveryPrintingCommandFailsWhenItsOutputCannotBeWritten) {
  const std::vector<std::string> commands = {
      "generate 10",
      "generate 100000000",  // must stop at the first failed write
      "--db " + db_ + " export",
      "--db " + db_ + " query alarms",
      "--db " + db_ + " query alarms --as-of 10",
      "--db " + db_ + " dashboard",
      "--db " + db_ + " status",
      "--db " + db_ + " verify",
      "--db " + db_ + " verify --json",
      "--db " + dir_.path() + "/other import " + events_,
      "--db " + db_ + " backup " + dir_.path() + "/backup",
      "--db " + db_ + " rebuild",
      "--db " + db_ + " serve --listen 127.0.0.1:0",
  };
  for (const std::string& c : commands) {
    CommandResult r = ToFull(c);
    EXPECT_EQ(r.exit_code, 1) << c << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("No space left on device")) << c;
  }
}

TEST_F(CliHostile, NegativeAndOutOfRangeNumbersAreRefusedWithTheirBounds) {
  const std::vector<std::string> commands = {
      "generate -5",
      "generate 5 --seed -1",
      "generate 18446744073709551616",
      "generate 1e3",
      "generate ' 5'",
      "--db " + db_ + " query alarms --as-of -1",
      "--db " + db_ + " query active_tasks --due 1.5",
      "--db " + db_ + " import " + events_ + " --batch -1",
      "--db " + db_ + " import " + events_ + " --batch 0",
      "--db " + db_ + " serve --max-feeds -1",
      "--db " + db_ + " serve --listen 127.0.0.1:-1",
      "--db " + db_ + " serve --listen 127.0.0.1:+80",
  };
  for (const std::string& c : commands) {
    CommandResult r = Run(c);
    EXPECT_EQ(r.exit_code, 2) << c << ": " << r.out;
    EXPECT_THAT(r.out, ::testing::AnyOf(HasSubstr("must be an integer from"),
                                        HasSubstr("port of --listen must be 0 to 65535")))
        << c;
  }
  CommandResult past = Run("--db " + db_ + " query alarms --as-of 301");
  EXPECT_EQ(past.exit_code, 2) << past.out;
  EXPECT_THAT(past.out, HasSubstr("300"));
  EXPECT_EQ(RunShell(AnnalCli() + " --db " + db_ + " export | wc -l").out, "300\n");
}

// Without a shipper, --wait-for-ship runs out: the batch is committed all
// the same, and import says so once, with its own exit code (3).
TEST_F(CliHostile, WaitForShipRunningOutSaysCommittedAndExitsThree) {
  const std::string other = dir_.path() + "/unshipped";
  CommandResult r =
      Run("--db " + other + " import " + events_ + " --batch 100 --wait-for-ship 200");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("committed 100 events through line 100, not yet "
                               "acknowledged by the stream after 200 ms"));
  EXPECT_THAT(r.out, HasSubstr("do not import them again"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("nothing of this batch was written")));
  EXPECT_EQ(RunShell(AnnalCli() + " --db " + other + " export | wc -l").out, "100\n");
}

TEST_F(CliHostile, CommonFileMistakesAreNamed) {
  const std::string other = "--db " + dir_.path() + "/mistakes import - ";
  const char* ev =
      R"({"type":"alarm_raised","alarm_id":"a","severity":"info","source":"s","message":"m"})";
  struct Case {
    std::string input, says;
  };
  for (const Case& c :
       std::vector<Case>{{"\xEF\xBB\xBF" + std::string(ev), "UTF-8 byte order mark"},
                         {"[" + std::string(ev) + ",", "JSON array"},
                         {"[" + std::string(ev) + "]", "JSON array"},
                         {std::string(ev) + ",", "ends with a comma"}}) {
    const std::string file = dir_.path() + "/mistake.jsonl";
    std::ofstream(file, std::ios::binary) << c.input << "\n";
    CommandResult r = Run(other + "< " + file);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.out, HasSubstr(c.says));
  }
  const std::string seconds = dir_.path() + "/seconds.jsonl";
  std::ofstream(seconds) << R"({"type":"alarm_raised","ts":1700000000,"alarm_id":"s1",)"
                         << R"("severity":"info","source":"s","message":"m"})"
                         << "\n";
  CommandResult r = Run(other + "< " + seconds);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ts 1700000000 is within 1973"));
}

// `tail -F log | annal import -`: a partial batch is committed once the
// input pauses, not held until 1,000 lines or the end.
TEST_F(CliHostile, ALivePipeIsCommittedWhenItPauses) {
  const std::string db = dir_.path() + "/live";
  const std::string line = R"({"type":"alarm_raised","alarm_id":"p1","severity":"info",)"
                           R"("source":"s","message":"m"})";
  CommandResult r = RunShell("(echo '" + line + "'; sleep 4) | " + AnnalCli() + " --db " +
                             db + " import - & sleep 2; " + AnnalCli() + " --db " + db +
                             " export | wc -l; wait");
  EXPECT_EQ(r.out.substr(0, 2), "1\n") << r.out;
}

TEST_F(CliHostile, AMissingTemporaryDirectoryIsNamed) {
  CommandResult r = RunShell("TMPDIR=/nonexistent " + AnnalCli() + " --db " + db_ +
                             " query alarms --as-of 10 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("cannot create a directory for time travel in /nonexistent "
                        "($TMPDIR)"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("bug")));
}

// An auditor's read-only copy (files 0444, owned by someone else): the
// refusal names the lock file and says what to do.
TEST_F(CliHostile, AReadOnlyCopyOfAnotherUserSaysWhatItNeeds) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  char tmpl[] = "/tmp/annal-ro-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string copy = std::string(tmpl) + "/copy";
  RunShell("cp -r " + db_ + " " + copy + " && chmod 0444 " + copy + "/* && chmod 0555 " +
           copy + " && chmod 0755 " + tmpl);
  const std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  CommandResult probe = RunShell(as_nobody + AnnalCli() + " --help >/dev/null 2>&1");
  if (probe.exit_code != 0) {
    RunShell(std::string("chmod -R u+w ") + tmpl + " && rm -rf " + tmpl);
    GTEST_SKIP() << "user nobody cannot run " << AnnalCli() << " here";
  }
  CommandResult r = RunShell(as_nobody + AnnalCli() + " --db " + copy + " status 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("another user"));
  r = RunShell(as_nobody + AnnalCli() + " --allow-other-owner --db " + copy +
               " status 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(copy + "/lock.mdb must be writable, even to read"));
  RunShell(std::string("chmod -R u+w ") + tmpl + " && rm -rf " + tmpl);
}

TEST_F(CliHostile, ACommandWithoutItsStoreIsAUsageError) {
  for (const char* c : {"query alarms", "export", "status", "verify", "import -"}) {
    CommandResult r = Run(std::string(c) + " < /dev/null");
    EXPECT_EQ(r.exit_code, 2) << c << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("--db DIR is required")) << c;
  }
}

}  // namespace
}  // namespace annal::testing
