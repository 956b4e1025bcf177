// The write-back buffer (store/buffered_kv.h) against a plain Kv: random
// puts, deletes, reads and backward scans over a few sub-databases, with
// flushes now and then and budgets small enough to force flushes mid-batch.
// Every read and scan answers as the plain Kv does, and after the last flush
// both hold the same bytes. Also: buffers stacked as group commit stacks
// them, the inner one dropped.
#include "store/buffered_kv.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/fuzz/memory_kv.h"

namespace annal::testing {
namespace {

using internal::AlignedBuf;
using internal::BufferedKv;
using internal::Db;
using Plain = fuzz::MemoryKv;

std::vector<std::string> ScanAll(internal::Kv& kv, Db db, size_t limit) {
  std::vector<std::string> keys;
  kv.ScanKeysBackward(db, [&](std::string_view k) {
    keys.emplace_back(k);
    return keys.size() < limit;
  });
  return keys;
}

class BufferedKvTest : public ::testing::TestWithParam<size_t> {};

TEST_P(BufferedKvTest, AnswersAsAPlainKvAndLeavesTheSameBytes) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  Plain reference, below;
  auto buffered = std::make_unique<BufferedKv>(below, GetParam());
  const Db dbs[] = {Db::kRegistry, Db::kAlarmsResolvedOrder, Db::kQueueDepth};
  AlignedBuf a, b;
  for (int op = 0; op < 20000; ++op) {
    const Db db = dbs[rng() % 3];
    const std::string key = "k" + std::to_string(rng() % 300);
    switch (rng() % 7) {
      case 0:
      case 1: {
        std::string value(rng() % 40, static_cast<char>('a' + rng() % 26));
        reference.Put(db, key, value);
        buffered->Put(db, key, value);
        break;
      }
      case 2:
        ASSERT_EQ(reference.Del(db, key), buffered->Del(db, key)) << op;
        break;
      case 3: {
        bool found = reference.Get(db, key, a);
        ASSERT_EQ(found, buffered->Get(db, key, b)) << op;
        if (found) {
          ASSERT_EQ(a.view(), b.view()) << op;
        }
        break;
      }
      case 4:
        ASSERT_EQ(reference.Has(db, key), buffered->Has(db, key)) << op;
        break;
      case 5: {
        const size_t limit = 1 + rng() % 120;
        ASSERT_EQ(ScanAll(reference, db, limit), ScanAll(*buffered, db, limit)) << op;
        break;
      }
      case 6:
        if (rng() % 50 == 0) buffered->Flush();
        break;
    }
  }
  buffered->Flush();
  EXPECT_TRUE(reference.SameContents(below));
}

INSTANTIATE_TEST_SUITE_P(Budgets, BufferedKvTest,
                         ::testing::Values(BufferedKv::kDefaultBudget, 4096, 1),
                         [](const auto& info) {
                           return "budget_" + std::to_string(info.index);
                         });

TEST(BufferedKv, AStackedBufferDroppedLeavesNothingAndOneFlushedLeavesItsWrites) {
  Plain below;
  BufferedKv group(below);
  group.Put(Db::kRegistry, "kept", "1");
  {
    BufferedKv batch(group, SIZE_MAX);
    batch.Put(Db::kRegistry, "dropped", "2");
    batch.Del(Db::kRegistry, "kept");
    EXPECT_FALSE(batch.Has(Db::kRegistry, "kept"));
  }  // dropped without a flush: a rejected batch
  {
    BufferedKv batch(group, SIZE_MAX);
    batch.Put(Db::kRegistry, "second", "3");
    batch.Flush();
  }
  group.Flush();
  Plain expected;
  expected.Put(Db::kRegistry, "kept", "1");
  expected.Put(Db::kRegistry, "second", "3");
  EXPECT_TRUE(expected.SameContents(below));
}

TEST(BufferedKv, RestrictIsEnforcedByTheBuffer) {
  Plain below;
  BufferedKv kv(below);
  kv.Restrict(internal::kRegistryMask);
  EXPECT_NO_THROW(kv.Put(Db::kRegistry, "k", "v"));
  EXPECT_THROW(kv.Put(Db::kAlarms, "k", "v"), std::logic_error);
  AlignedBuf out;
  EXPECT_THROW(kv.Get(Db::kAlarms, "k", out), std::logic_error);
}

}  // namespace
}  // namespace annal::testing
