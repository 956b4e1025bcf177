// Key encoding: byte order of ids and times, and the 8-byte size discipline
// that keeps LMDB values aligned for in-place FlatBuffers reads.
#include <gtest/gtest.h>

#include "annal/workload.h"
#include "engine/keys.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

namespace keys = internal::keys;

TEST(Keys, IdsArePaddedToEightBytesAndDecodeBack) {
  EXPECT_EQ(keys::Id("a").view().size(), 8u);
  EXPECT_EQ(keys::Id("abcdefgh").view().size(), 8u);
  EXPECT_EQ(keys::Id("abcdefghi").view().size(), 16u);
  EXPECT_EQ(keys::Id(std::string(256, 'x')).view().size(), 256u);
  EXPECT_EQ(keys::DecodeId(keys::Id("tâche").view()), "tâche");
  EXPECT_EQ(keys::Registry('T', "abcdefg").view().size(), 8u);
  EXPECT_EQ(keys::Registry('T', "abcdefgh").view().size(), 16u);
}

TEST(Keys, PaddedIdsKeepByteOrder) {
  std::vector<std::string> ids = {"A", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "b", "é", "中"};
  for (size_t i = 1; i < ids.size(); ++i) {
    EXPECT_LT(keys::Id(ids[i - 1]).view(), keys::Id(ids[i]).view()) << ids[i - 1] << " < " << ids[i];
  }
}

TEST(Keys, TimesSortNumericallyIncludingNegatives) {
  std::vector<int64_t> times = {INT64_MIN, -1000, -1, 0, 1, 1'700'000'000'000'000, INT64_MAX};
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_LT(keys::TimeId(times[i - 1], "z").view(), keys::TimeId(times[i], "a").view());
    EXPECT_EQ(keys::DecodeTime(keys::TimeId(times[i], "a").view()), times[i]);
  }
  EXPECT_LT(keys::TimeId(5, "a").view(), keys::TimeId(5, "b").view()) << "ties break by id";
}

TEST(Keys, EveryStoredKeyAndValueIsAMultipleOfEightBytes) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Workload w({.seed = 9, .random_ids = true});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(e->Append(w.Take(1000)).ok());
  }
  for (const auto& [name, rows] : DumpStore(dir.path())) {
    for (const auto& [k, v] : rows) {
      ASSERT_EQ(k.size() % 8, 0u) << name;
      ASSERT_EQ(v.size() % 8, 0u) << name;
    }
  }
}

}  // namespace
}  // namespace annal::testing
