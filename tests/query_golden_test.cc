// `annal query` prints the same bytes as the encoder it had before rows
// listed their own fields (issue 11): each query's output on a 200,000-event
// generated store is compared with the SHA-256 digest that the hand-written
// per-row encoder produced (recorded at commit 83224ca).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

TEST(QueryGolden, OutputIsByteIdenticalToThePreviousEncoder) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  auto import = RunShell(AnnalCli() + " generate 200000 --seed 1 | " + AnnalCli() +
                         " --db " + db + " import - --no-sync");
  ASSERT_EQ(import.exit_code, 0) << import.out;
  const std::vector<std::pair<std::string, std::string>> golden = {
      {"active_tasks",
       "1ccb0c363573c39de3ebf498b8b2e098d6c21720d4f0324cbe07b6cbf7687068"},
      {"schedules", "3e1d1d0dc6f428b715aecb1797f4c1411af0bb36598645b09688a9e340e38b95"},
      {"watchers", "a1eb4c1f9a213908f3913eccbc9df1caa85754d961bf1182f7a4a86628e7f281"},
      {"rules", "5a7af299811352c5757bd9b7869c177b201b672946b8d322ad3de6a1a1ce6236"},
      {"integrations",
       "e82d28232651340d11e70087e180376485c26f9de1b875c2e64616ac2a07157b"},
      {"approvals", "7a3ba85113337d3101425f4f3a6e622d85c9601fa1238372943b57476d40826a"},
      {"queue_depth", "395c990164e006c2c597f70603686e2c9fc3eb332e1eeda866381efcbb419071"},
      {"autonomy_history",
       "cddf0332fbaec3419d4bbc523dd1f195fcf7260d1143b7d05e1b3fbaf2c5618b"},
      {"alarms", "d462091eda8eac620642787fb940f3ce9922d3d26304721f145ec2885b04111b"},
      {"active_tasks --due 1800000000000000",
       "bc570c0c8ed891a604923112862ec3a7e0d8738735c36729a51860cd526f8a8d"},
      {"schedules --due 1700095000000000",
       "2cc97a63e3a487aaff6e0d86fee4bd8f022962fc34278fba362ee97d0802c74c"},
      {"approvals --due 1700095000000000",
       "771541c8e425ffbb32bc3ef7296174fb12654efbc464f528bbdce8af13ceda43"},
      {"alarms --state open",
       "58ad1f920439388513d32c4d62db85d57e5ea222c6b77de72325f210fe44b149"},
      {"alarms --state acked",
       "152bebfb3a401ee09adfb79e5d6f2e30829d47d6f4b23c5af25dc51912aa9b49"},
      {"alarms --state resolved",
       "fe30c76dce3c20484f78dfe7a6017f2652b60d3d384d99e23b814d4eca3b2b08"},
  };
  for (const auto& [args, digest] : golden) {
    auto r = RunShell(AnnalCli() + " --db " + db + " query " + args +
                      " | sha256sum | cut -c1-64");
    ASSERT_EQ(r.exit_code, 0) << args;
    EXPECT_EQ(r.out, digest + "\n") << "annal query " << args;
  }
}

}  // namespace
}  // namespace annal::testing
