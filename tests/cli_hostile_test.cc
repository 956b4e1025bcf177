// The command line against hostile conditions (issue 20): output that cannot
// be written (/dev/full) ends every printing command with an error, never a
// silent exit 0; numbers are parsed strictly (no negative wraps around); a
// missing --db is a usage error.
#include <gmock/gmock.h>

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

TEST_F(CliHostile, ACommandWithoutItsStoreIsAUsageError) {
  for (const char* c : {"query alarms", "export", "status", "verify", "import -"}) {
    CommandResult r = Run(std::string(c) + " < /dev/null");
    EXPECT_EQ(r.exit_code, 2) << c << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("--db DIR is required")) << c;
  }
}

}  // namespace
}  // namespace annal::testing
