// The engine's side of replication, without a broker: values read with
// Snapshot::ScanStored and handed to a replica's AppendStored give the same
// log and, byte for byte, the same projections; a replica refuses Append, a
// primary refuses AppendStored; a damaged value stops at its seq with what
// came before it applied; Promote continues the seqs and the hash chain; the
// ship marker and Options::wait_for_ship_ms.
#include <gtest/gtest.h>

#include <thread>

#include "annal/replication.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

// Every stored value of `engine` from `from` on.
std::vector<std::string> StoredOf(const Engine& engine, uint64_t from = 1) {
  std::vector<std::string> out;
  auto snap = engine.Read();
  EXPECT_TRUE(snap.ok());
  EXPECT_TRUE(snap->ScanStored(from,
                               [&](uint64_t, std::string_view v) {
                                 out.emplace_back(v);
                                 return true;
                               })
                  .ok());
  return out;
}

// Copies `values` to `replica` in batches of `batch`, from seq `first`.
void Replicate(Engine& replica, const std::vector<std::string>& values, uint64_t first,
               size_t batch) {
  for (size_t i = 0; i < values.size(); i += batch) {
    std::vector<std::string_view> views(
        values.begin() + i, values.begin() + std::min(values.size(), i + batch));
    auto head = StoreReplication(replica).AppendStored(first + i, views);
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(*head, first + i + views.size() - 1);
  }
}

TEST(Replica, StoredValuesGiveTheSameLogAndByteIdenticalProjections) {
  TempDir tmp;
  Options o;
  o.sync = false;
  {
    auto primary = MustOpen(tmp.Sub("p"), o);
    auto replica = MustOpen(tmp.Sub("r"), o);
    ASSERT_TRUE(StoreReplication(*replica).MakeReplica().ok());
    Workload w({.seed = 11});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(primary->Append(w.Take(1000)).ok());
    Replicate(*replica, StoredOf(*primary), 1, 777);
    auto mode = replica->Read()->StoreMode();
    EXPECT_EQ(*mode, "replica");
    EXPECT_EQ(AllQueriesJson(*primary), AllQueriesJson(*replica));
    auto verified = replica->Verify();
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_TRUE(verified->identical());
    auto id = replica->Read()->StoredHash(1);
    EXPECT_EQ(**id, **primary->Read()->StoredHash(1));
  }
  Dump p = DumpStore(tmp.Sub("p")), r = DumpStore(tmp.Sub("r"));
  p.erase("meta"), r.erase("meta");  // the mode record differs, by design
  EXPECT_EQ(p, r);
}

TEST(Replica, RefusesAppendAndAPrimaryRefusesStoredValues) {
  TempDir tmp;
  auto primary = MustOpen(tmp.Sub("p"));
  auto replica = MustOpen(tmp.Sub("r"));
  ASSERT_TRUE(StoreReplication(*replica).MakeReplica().ok());
  ASSERT_TRUE(primary->Append(Event{TaskCreated{"t1", "job"}}).ok());
  auto refused = replica->Append(Event{TaskCreated{"t2", "job"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidInput);
  EXPECT_NE(refused.status().message().find("is a replica"), std::string::npos);
  auto values = StoredOf(*primary);
  std::vector<std::string_view> views(values.begin(), values.end());
  auto on_primary = StoreReplication(*primary).AppendStored(2, views);
  EXPECT_EQ(on_primary.status().code(), Status::Code::kInvalidInput);
  // A store with events of its own never becomes a replica.
  EXPECT_EQ(StoreReplication(*primary).MakeReplica().code(), Status::Code::kInvalidInput);
  // Out of order: the first value must follow the head.
  auto gap = StoreReplication(*replica).AppendStored(2, views);
  EXPECT_EQ(gap.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(*replica->Read()->LastSeq(), 0u);
}

TEST(Replica, ADamagedValueStopsAtItsSeqAfterApplyingTheOnesBefore) {
  TempDir tmp;
  Options o;
  o.sync = false;
  auto primary = MustOpen(tmp.Sub("p"), o);
  auto replica = MustOpen(tmp.Sub("r"), o);
  ASSERT_TRUE(StoreReplication(*replica).MakeReplica().ok());
  Workload w({.seed = 3});
  ASSERT_TRUE(primary->Append(w.Take(100)).ok());
  auto values = StoredOf(*primary);
  const std::string before = AllQueriesJson(*replica);
  for (size_t bad : {size_t{0}, size_t{41}}) {
    auto forged = values;
    forged[bad][forged[bad].size() / 3] ^= 0x20;  // one flipped bit
    std::vector<std::string_view> views(forged.begin() + *replica->Read()->LastSeq(),
                                        forged.end());
    const uint64_t head = *replica->Read()->LastSeq();
    auto st = StoreReplication(*replica).AppendStored(head + 1, views);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.status().code(), Status::Code::kCorruption);
    EXPECT_NE(st.status().message().find("seq " + std::to_string(bad + 1)),
              std::string::npos)
        << st.status().message();
    EXPECT_EQ(*replica->Read()->LastSeq(), bad);  // the values before it, only
  }
  // A value from another store's log breaks the chain at once.
  auto other = MustOpen(tmp.Sub("o"), o);
  ASSERT_TRUE(other->Append(Workload({.seed = 4}).Take(100)).ok());
  auto foreign = StoredOf(*other, 42);
  std::vector<std::string_view> views(foreign.begin(), foreign.end());
  EXPECT_EQ(StoreReplication(*replica).AppendStored(42, views).status().code(),
            Status::Code::kCorruption);
  EXPECT_EQ(*replica->Read()->LastSeq(), 41u);
  EXPECT_TRUE(replica->Verify()->identical());
  EXPECT_NE(AllQueriesJson(*replica), before);
}

TEST(Replica, PromoteContinuesTheSeqsAndTheHashChain) {
  TempDir tmp;
  Options o;
  o.sync = false;
  auto primary = MustOpen(tmp.Sub("p"), o);
  auto replica = MustOpen(tmp.Sub("r"), o);
  ASSERT_TRUE(StoreReplication(*replica).MakeReplica().ok());
  Workload w({.seed = 5});
  ASSERT_TRUE(primary->Append(w.Take(500)).ok());
  Replicate(*replica, StoredOf(*primary), 1, 100);
  EXPECT_EQ(StoreReplication(*primary).Promote().code(),
            Status::Code::kInvalidInput);  // not a replica
  ASSERT_TRUE(StoreReplication(*replica).Promote().ok());
  EXPECT_EQ(*replica->Read()->StoreMode(), "inline");
  auto more = w.Take(200);
  auto on_replica = replica->Append(more);
  ASSERT_TRUE(on_replica.ok()) << on_replica.status().ToString();
  EXPECT_EQ(on_replica->first_seq, 501u);
  EXPECT_EQ(StoredOf(*replica, 501).size(), 200u);  // its chain goes on unbroken
  EXPECT_TRUE(replica->VerifyLog().ok());
  EXPECT_TRUE(replica->Verify()->identical());
  auto second = MustOpen(tmp.Sub("r2"), o);
  ASSERT_TRUE(StoreReplication(*second).MakeReplica().ok());
  Replicate(*second, StoredOf(*replica), 1, 333);  // follows across the switch
  EXPECT_EQ(AllQueriesJson(*second), AllQueriesJson(*replica));
  EXPECT_EQ(*second->Read()->StoredHash(700), *replica->Read()->StoredHash(700));
}

TEST(Replica, ScanStoredChecksTheChainFromWhereItStarts) {
  TempDir tmp;
  auto primary = MustOpen(tmp.Sub("p"));
  ASSERT_TRUE(primary->Append(Workload({.seed = 6}).Take(50)).ok());
  auto all = StoredOf(*primary);
  auto tail = StoredOf(*primary, 30);
  ASSERT_EQ(tail.size(), 21u);
  EXPECT_EQ(tail.front(), all[29]);
  EXPECT_TRUE(StoredOf(*primary, 51).empty());
  EXPECT_FALSE(primary->Read()->StoredHash(51)->has_value());
  EXPECT_EQ(primary->Read()->StoredHash(50)->value(),
            all[49].substr(all[49].size() - 32));
}

TEST(Replica, WaitForShipReturnsOnceTheMarkerPassesTheBatch) {
  TempDir tmp;
  Options o;
  o.wait_for_ship_ms = 200;
  auto engine = MustOpen(tmp.Sub("p"), o);
  EXPECT_EQ(*StoreReplication(*engine).ReadMarker(StoreReplication::Marker::kShipped),
            0u);
  auto unshipped = engine->Append(Event{TaskCreated{"t1", "job"}});
  ASSERT_TRUE(unshipped.ok());  // committed, but no shipper acknowledged it
  EXPECT_TRUE(unshipped->not_yet_shipped);
  EXPECT_EQ(unshipped->last_seq, 1u);
  EXPECT_EQ(*engine->Read()->LastSeq(), 1u);
  std::thread shipper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_TRUE(StoreReplication(*engine)
                    .RecordMarker(StoreReplication::Marker::kShipped, 2)
                    .ok());
  });
  auto shipped = engine->Append(Event{TaskCreated{"t2", "job"}});
  shipper.join();
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_FALSE(shipped->not_yet_shipped);
  EXPECT_EQ(*StoreReplication(*engine).ReadMarker(StoreReplication::Marker::kShipped),
            2u);
  EXPECT_TRUE(StoreReplication(*engine)
                  .RecordMarker(StoreReplication::Marker::kShipped, 1)
                  .ok());  // never moves back
  EXPECT_EQ(*StoreReplication(*engine).ReadMarker(StoreReplication::Marker::kShipped),
            2u);
}

// What `annal status`, /v1/status and /metrics report: the ship marker on any
// store once shipped, the stream's end on a replica, both on a replica that
// is itself shipped from.
TEST(Replica, ReplicationOfReadsTheMarkersAgainstTheHead) {
  TempDir tmp;
  auto primary = MustOpen(tmp.Sub("p"));
  Workload w({.seed = 8});
  ASSERT_TRUE(primary->Append(w.Take(5)).ok());
  auto never = StoreReplication(*primary).StandingAt(*primary->Read());
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->shipped_seq || never->stream_end_seq);
  ASSERT_TRUE(StoreReplication(*primary)
                  .RecordMarker(StoreReplication::Marker::kShipped, 3)
                  .ok());
  auto shipped = *StoreReplication(*primary).StandingAt(*primary->Read());
  EXPECT_EQ(shipped.shipped_seq, 3u);
  EXPECT_EQ(shipped.ship_lag_events, 2u);
  EXPECT_FALSE(shipped.stream_end_seq);

  auto replica = MustOpen(tmp.Sub("r"));
  ASSERT_TRUE(StoreReplication(*replica).MakeReplica().ok());
  auto values = StoredOf(*primary);
  Replicate(*replica, {values.begin(), values.begin() + 4}, 1, 4);
  ASSERT_TRUE(StoreReplication(*replica)
                  .RecordMarker(StoreReplication::Marker::kStreamEnd, 5)
                  .ok());
  auto following = *StoreReplication(*replica).StandingAt(*replica->Read());
  EXPECT_EQ(following.stream_end_seq, 5u);
  EXPECT_EQ(following.replica_lag_events, 1u);
  EXPECT_FALSE(following.shipped_seq);
  ASSERT_TRUE(StoreReplication(*replica)
                  .RecordMarker(StoreReplication::Marker::kShipped, 4)
                  .ok());  // fan-out
  auto both = *StoreReplication(*replica).StandingAt(*replica->Read());
  EXPECT_EQ(both.shipped_seq, 4u);
  EXPECT_EQ(both.ship_lag_events, 0u);
  EXPECT_EQ(both.stream_end_seq, 5u);
}

// The shipper's sync before it publishes: a store opened read-only can make
// another process's commits durable too.
TEST(Replica, SyncVisibleWorksOnWritableAndReadOnlyStores) {
  TempDir tmp;
  auto writer = MustOpen(tmp.Sub("s"));
  ASSERT_TRUE(writer->Append(Event{TaskCreated{"t1", "job"}}).ok());
  EXPECT_TRUE(StoreReplication(*writer).SyncVisible().ok());
  Options ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto reader = Engine::Open(tmp.Sub("s"), ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE(StoreReplication(**reader).SyncVisible().ok());
}

// Waiters share one watch per Engine (engine/store_watch.h): one polls, the
// others sleep on its wake-ups; every one of them sees the commit.
TEST(Replica, ManyThreadsWaitingForACommitAllSeeIt) {
  TempDir tmp;
  auto engine = MustOpen(tmp.Sub("w"));
  ASSERT_TRUE(engine->Append(Event{TaskCreated{"t0", "job"}}).ok());
  std::vector<std::thread> waiters;
  std::vector<uint64_t> seen(6, 0);
  for (size_t i = 0; i < seen.size(); ++i) {
    waiters.emplace_back(
        [&, i] { seen[i] = engine->WaitForCommit(1, 60000).value_or(0); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(engine->Append(Event{TaskCreated{"t1", "job"}}).ok());
  for (auto& t : waiters) t.join();
  for (uint64_t s : seen) EXPECT_EQ(s, 2u);
}

}  // namespace
}  // namespace annal::testing
