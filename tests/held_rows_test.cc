// Rows of a projection of one's own are held decoded between the events of
// a batch and encoded once, when the write-back buffer flushes
// (projectors/declared.cc, HeldRows). What lands below must be what writing
// every row through at once lands: for a batch flushed from a stacked
// buffer (group commit), for one dropped unflushed (a rejected batch: none
// of its rows), for one applied straight on the group's buffer, and for one
// holding more rows than are held at once (written out mid-batch). And
// through the engine, a map that fills again and again (each time the
// transaction is retried with a new buffer) loses and repeats nothing.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "annal/engine.h"
#include "annal/workload.h"
#include "events/record_codec.h"
#include "projectors/declared.h"
#include "store/buffered_kv.h"
#include "store/schema.h"
#include "tests/fuzz/memory_kv.h"
#include "tests/test_util.h"
#include "tests/tool_stats.h"

namespace annal::testing {
namespace {

using internal::BufferedKv;
using internal::Kv;

// `calls` tool calls queued (seven tools, so the per-tool rows are hot),
// then each finished; call ids start at `first`.
std::vector<std::string> Batch(int first, int calls, uint64_t* seq) {
  std::vector<std::string> records;
  flatbuffers::FlatBufferBuilder b;
  auto add = [&](const Event& ev) {
    internal::EncodeRecord(b, *seq, static_cast<int64_t>(*seq), ev);
    ++*seq;
    records.emplace_back(reinterpret_cast<const char*>(b.GetBufferPointer()),
                         b.GetSize());
  };
  for (int i = first; i < first + calls; ++i)
    add(ToolCallQueued{"call-" + std::to_string(i), "t",
                       "tool-" + std::to_string(i % 7)});
  for (int i = first; i < first + calls; ++i)
    add(ToolCallFinished{"call-" + std::to_string(i),
                         i % 3 ? CallOutcome::kOk : CallOutcome::kError});
  return records;
}

void ApplyAll(internal::Projector& p, Kv& kv, const std::vector<std::string>& records) {
  const uint64_t mask = internal::MaskOwnedBy(p.name());
  for (const std::string& r : records) {
    kv.Restrict(mask);
    p.Apply(kv, *fbs::GetRecord(r.data()));
  }
}

TEST(HeldRows, FlushedBatchesLandAsWrittenThroughAndADroppedOneNotAtAll) {
  uint64_t seq = 1;
  const auto first = Batch(0, 500, &seq);
  const auto rejected = Batch(500, 500, &seq);
  const auto third = Batch(1000, 20000, &seq);  // past the rows held at once

  fuzz::MemoryKv reference;  // no flush: every row written through at once
  auto through = internal::MakeDeclaredProjector(std::make_shared<ToolStats>());
  ApplyAll(*through, reference, first);
  ApplyAll(*through, reference, third);

  fuzz::MemoryKv below;
  auto held = internal::MakeDeclaredProjector(std::make_shared<ToolStats>());
  {
    BufferedKv group(below);
    {
      BufferedKv batch(group, SIZE_MAX);
      ApplyAll(*held, batch, first);
      batch.Flush();
    }
    {
      BufferedKv batch(group, SIZE_MAX);
      ApplyAll(*held, batch, rejected);
    }  // dropped unflushed, as a rejected batch of a group is
    ApplyAll(*held, group, third);
    group.Flush();
  }
  EXPECT_TRUE(below.SameContents(reference));

  // And the projector goes on after a dropped buffer: the rejected batch
  // applied again, flushed this time, lands as written through.
  ApplyAll(*through, reference, rejected);
  {
    BufferedKv again(below);
    ApplyAll(*held, again, rejected);
    again.Flush();
  }
  EXPECT_TRUE(below.SameContents(reference));
}

std::vector<TableRow> AllRows(Engine& e, std::string_view table) {
  auto snap = e.Read();
  EXPECT_TRUE(snap.ok());
  auto page = snap->TableRows("tool_stats", {.table = table});
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? page->rows : std::vector<TableRow>{};
}

TEST(HeldRows, AMapThatFillsMidBatchLosesAndRepeatsNothing) {
  TempDir small_dir, big_dir;
  Workload w({.seed = 5, .random_ids = true});
  const std::vector<Event> events = w.Take(40000);
  Options tiny;
  tiny.initial_map_size = 512 * 1024;
  tiny.projections = {std::make_shared<ToolStats>()};
  Options big;
  big.projections = {std::make_shared<ToolStats>()};
  auto small = MustOpen(small_dir.path(), tiny);
  auto large = MustOpen(big_dir.path(), big);
  for (size_t i = 0; i < events.size(); i += 2000) {
    const auto batch = std::span(events).subspan(i, 2000);
    ASSERT_TRUE(small->Append(batch).ok());
    ASSERT_TRUE(large->Append(batch).ok());
  }
  EXPECT_GE(small->Stats().map_growths, 3u);
  for (std::string_view table : {"tools", "calls"}) {
    const auto rows = AllRows(*small, table);
    EXPECT_FALSE(rows.empty()) << table;
    EXPECT_EQ(rows, AllRows(*large, table)) << table;
  }
  auto report = small->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
}

}  // namespace
}  // namespace annal::testing
