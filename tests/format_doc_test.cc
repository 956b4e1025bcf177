// docs/format.md's table of sub-databases against the one table in the code
// (store/schema.h, kDbs): the same sub-databases in the same order, each
// with its role, its owner and, for FlatBuffers values, its row type. A
// sub-database added, renamed or moved in one and not the other fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/schema.h"

namespace annal::testing {
namespace {

using internal::kDbs;
using internal::Role;

struct DocRow {
  std::string name, role, owner, value;
};

std::string Trim(std::string s) {
  const size_t b = s.find_first_not_of(" `");
  const size_t e = s.find_last_not_of(" `");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The rows of the table under "## Sub-databases", header and rule skipped.
std::vector<DocRow> DocumentedSubDatabases() {
  std::ifstream in(std::string(ANNAL_SOURCE_DIR) + "/docs/format.md");
  EXPECT_TRUE(in) << "docs/format.md";
  std::vector<DocRow> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Sub-databases";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream cells_in(line.substr(1));
    for (std::string cell; std::getline(cells_in, cell, '|');) cells.push_back(cell);
    if (cells.size() < 5) continue;
    rows.push_back({Trim(cells[0]), Trim(cells[1]), Trim(cells[2]), cells[4]});
  }
  return rows;
}

std::string DocWordsFor(Role role) {
  switch (role) {
    case Role::kMeta:
      return "store identity and state";
    case Role::kLog:
      return "the audit log";
    case Role::kRegistry:
      return "what the validator needs to know";
    case Role::kProjection:
      return "projection";
    case Role::kIndex:
      return "index";
    case Role::kState:
      return "projector state";
    case Role::kKeys:
      return "the subjects' keys";
  }
  return "?";
}

TEST(FormatDoc, TheTableOfSubDatabasesIsTheCodes) {
  const std::vector<DocRow> doc = DocumentedSubDatabases();
  ASSERT_EQ(doc.size(), kDbs.size()) << "docs/format.md lists another number of "
                                        "sub-databases than store/schema.h";
  for (size_t i = 0; i < kDbs.size(); ++i) {
    const auto& spec = kDbs[i];
    EXPECT_EQ(doc[i].name, spec.name) << "row " << i;
    EXPECT_EQ(doc[i].role, DocWordsFor(spec.role)) << spec.name;
    EXPECT_EQ(doc[i].owner, spec.owner) << spec.name;
    // Each FlatBuffers type the code names is named by the doc.
    std::string_view value = spec.value;
    for (size_t at = value.find("fbs."); at != std::string_view::npos;
         at = value.find("fbs.", at + 1)) {
      const size_t end = value.find_first_of(" /,", at);
      const std::string type(
          value.substr(at, end == std::string_view::npos ? end : end - at));
      EXPECT_NE(doc[i].value.find("`" + type + "`"), std::string::npos)
          << spec.name << " holds " << type;
    }
  }
}

}  // namespace
}  // namespace annal::testing
