// Plugins (annal/plugin.h): loading one, refusing a plugin of another ABI or
// a file that is none, and the `annal` command with --plugin: import, query
// of the declared tables against a model of the same events, verify, and a
// writer without the plugin refused while readers go on.
#include "annal/plugin.h"

#include <gmock/gmock.h>

#include <fstream>
#include <map>
#include <sstream>

#include "annal/jsonl.h"
#include "annal/query.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

TEST(Plugin, LoadsItsProjections) {
  auto loaded = LoadPlugin(ANNAL_TEST_PLUGIN);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0]->name(), "tool_stats");
}

TEST(Plugin, AnotherAbiOrNoPluginAtAllIsRefusedWithAMessage) {
  auto wrong = LoadPlugin(ANNAL_WRONG_ABI_PLUGIN);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Status::Code::kInvalidInput);
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("was built for plugin ABI " + std::to_string(kPluginAbi + 1)));
  TempDir dir;
  std::ofstream(dir.Sub("text.so")) << "not a shared object\n";
  auto text = LoadPlugin(dir.Sub("text.so"));
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("cannot load plugin"));
  auto missing = LoadPlugin(dir.Sub("missing.so"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("missing.so"));
}

class PluginCli : public ::testing::Test {
 protected:
  void SetUp() override {
    Workload w({.seed = 21});
    std::string text;
    for (const Event& ev : w.Take(4000)) {
      AppendJson(text, ev);
      text += '\n';
      if (auto* q = std::get_if<ToolCallQueued>(&ev.body)) {
        calls_[q->call_id] = q->tool;
        ++queued_[q->tool];
      }
    }
    std::ofstream(dir_.Sub("events.jsonl")) << text;
    ASSERT_GT(queued_.size(), 1u) << "the stream holds calls of several tools";
  }
  std::string Annal(const std::string& args) {
    return AnnalCli() + " --db " + dir_.Sub("s") + " " + args + " 2>&1";
  }
  std::string WithPlugin(const std::string& args) {
    return AnnalCli() + " --plugin " + ANNAL_TEST_PLUGIN + " --db " + dir_.Sub("s") +
           " " + args + " 2>&1";
  }

  TempDir dir_;
  std::map<std::string, std::string> calls_;
  std::map<std::string, int64_t> queued_;
};

TEST_F(PluginCli, ImportQueryAndVerifyWithThePlugin) {
  CommandResult r = RunShell(WithPlugin("import " + dir_.Sub("events.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = RunShell(WithPlugin("query tool_stats"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::string expected;
  for (const auto& [tool, n] : queued_) {
    // Counts of queued calls: the rest of each row is checked by the C++ tests.
    expected += "{\"tool\":\"" + tool + "\",\"queued\":" + std::to_string(n);
  }
  std::string got;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    got += line.substr(0, line.find(",\"ok\""));
  EXPECT_EQ(got, expected);
  r = RunShell(WithPlugin("query tool_stats --table calls"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'),
            static_cast<long>(calls_.size()));
  EXPECT_THAT(r.out, HasSubstr("{\"call_id\":\"" + calls_.begin()->first +
                               "\",\"tool\":\"" + calls_.begin()->second + "\"}"));
  r = RunShell(WithPlugin("verify"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tool_stats"));
  r = RunShell(WithPlugin("query tool_stats --table nope"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  // The dashboard lists each of its tables after the nine.
  r = RunShell(WithPlugin("dashboard"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tool_stats.tools   " + std::to_string(queued_.size()) +
                               " rows\n    {\"tool\":\"" + queued_.begin()->first));
  EXPECT_THAT(r.out, HasSubstr("tool_stats.calls   " + std::to_string(calls_.size()) +
                               " rows\n"));
}

TEST_F(PluginCli, TheDashboardCountsAndSamplesEveryProjection) {
  ASSERT_EQ(RunShell(WithPlugin("import " + dir_.Sub("events.jsonl"))).exit_code, 0);
  CommandResult dash = RunShell(WithPlugin("dashboard"));
  ASSERT_EQ(dash.exit_code, 0) << dash.out;
  auto lines_of = [&](const std::string& args) {
    std::vector<std::string> lines;
    std::istringstream in(RunShell(Annal("query " + args)).out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  for (std::string_view name : kProjections) {
    const auto rows = lines_of(std::string(name));
    std::string head = std::string(name);
    head.resize(18, ' ');
    EXPECT_THAT(dash.out,
                HasSubstr("\n" + head + " " + std::to_string(rows.size()) + " rows"))
        << name;
    if (!rows.empty()) {
      EXPECT_THAT(dash.out, HasSubstr("    " + rows[0] + "\n")) << name;
    }
  }
  EXPECT_THAT(
      dash.out,
      HasSubstr(" rows (" + std::to_string(lines_of("alarms --state open").size()) +
                " open, " + std::to_string(lines_of("alarms --state acked").size()) +
                " acked, " + std::to_string(lines_of("alarms --state resolved").size()) +
                " resolved)\n"));
}

TEST_F(PluginCli, AWriterWithoutThePluginIsRefusedAndReadersGoOn) {
  ASSERT_EQ(RunShell(WithPlugin("import " + dir_.Sub("events.jsonl"))).exit_code, 0);
  CommandResult r = RunShell(Annal("import /dev/null"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tool_stats"));
  r = RunShell(Annal("query watchers"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = RunShell(Annal("status"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out,
              HasSubstr("projection tool_stats version 1: not loaded (reads skip it"));
  r = RunShell(WithPlugin("status"));
  EXPECT_THAT(r.out, HasSubstr("projection tool_stats version 1: current"));
  r = RunShell(Annal("query tool_stats"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no declared projection tool_stats"));
  // verify without the plugin: read-only, the rest compared, the skip said.
  r = RunShell(Annal("verify"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("every projection equals the log's replay"));
  EXPECT_THAT(r.out, HasSubstr("skipped projection tool_stats: version 1: not loaded"));
  r = RunShell(Annal("verify --json"));
  EXPECT_THAT(r.out, HasSubstr("\"skipped\":[{\"projection\":\"tool_stats\""));
}

TEST_F(PluginCli, VerifyWithAPluginNewToTheStoreBuildsItFirst) {
  ASSERT_EQ(RunShell(Annal("import " + dir_.Sub("events.jsonl"))).exit_code, 0);
  CommandResult r = RunShell(WithPlugin("verify"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("tool_stats"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("skipped")));
  EXPECT_THAT(RunShell(WithPlugin("status")).out,
              HasSubstr("projection tool_stats version 1: current"));
}

TEST_F(PluginCli, APluginOfAnotherAbiStopsTheCommandWithAMessage) {
  CommandResult r = RunShell(AnnalCli() + " --plugin " + ANNAL_WRONG_ABI_PLUGIN +
                             " --db " + dir_.Sub("s") + " status 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("plugin ABI"));
}

}  // namespace
}  // namespace annal::testing
