// Replay, verify and rebuild (issue 3): the projections equal the log's
// replay after any generated stream; tampering behind the engine's back is
// found and named, and rebuild repairs it; a damaged log stops the replay.

#include <gmock/gmock.h>
#include <lmdb.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "annal/workload.h"
#include "engine/replay_feed.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "store/digest.h"
#include "store/keys.h"
#include "store/schema.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using internal::Db;
using ::testing::HasSubstr;

void Fill(Engine& e, WorkloadOptions w, size_t events, size_t batch = 1000) {
  Workload gen(w);
  for (size_t done = 0; done < events; done += batch) {
    auto r = e.Append(gen.Take(std::min(batch, events - done)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

VerifyReport MustVerify(Engine& e) {
  auto r = e.Verify();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : VerifyReport{};
}

TEST(Replay, GeneratedStreamsVerifyIdentical) {
  for (auto w :
       {WorkloadOptions{.seed = 11}, WorkloadOptions{.seed = 12, .random_ids = true},
        WorkloadOptions{.seed = 13}}) {
    TempDir dir;
    auto e = MustOpen(dir.path());
    Fill(*e, w, 30000);
    VerifyReport r = MustVerify(*e);
    EXPECT_TRUE(r.identical()) << "seed " << w.seed;
    EXPECT_EQ(r.log.events, 30000u);
    EXPECT_EQ(r.projections.size(), 12u)
        << "nine projections, the registry, the audit trail and the series";
    for (const auto& p : r.projections) {
      EXPECT_EQ(p.rows_live, p.rows_rebuilt) << p.projection;
      if (p.projection != "queue_depth") {
        EXPECT_GT(p.rows_live, 0u) << p.projection;
      }
    }
    // Verify leaves nothing behind, and rebuild changes nothing that is right.
    std::string before = AllQueriesJson(*e);
    ASSERT_TRUE(e->Rebuild().ok());
    EXPECT_EQ(AllQueriesJson(*e), before);
    EXPECT_TRUE(MustVerify(*e).identical());
  }
}

// Edits one sub-database of the live slot with the raw LMDB API, as someone
// working behind the engine's back would. The engine must be closed.
enum class Tamper { kDelete, kChange, kAdd };
bool TamperWith(const std::string& dir, const std::string& name, Tamper how) {
  RawStore raw(dir);
  unsigned dbi = raw.Dbi(raw.LiveName(name));
  MDB_cursor* c;
  mdb_cursor_open(raw.txn(), dbi, &c);
  MDB_val k, v;
  bool done = false;
  if (how == Tamper::kAdd) {
    raw.Put(dbi, std::string(16, '\x7f'), std::string(8, '\0'));
    done = true;
  } else if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0) {
    if (how == Tamper::kDelete) {
      done = mdb_cursor_del(c, 0) == 0;
    } else {
      std::string value(static_cast<char*>(v.mv_data), v.mv_size);
      if (value.empty()) {
        value = std::string(8, 'x');  // index entries hold no value: give them one
      } else {
        value[value.size() / 2] ^= 0x20;
      }
      MDB_val nv{value.size(), value.data()};
      done = mdb_cursor_put(c, &k, &nv, MDB_CURRENT) == 0;
    }
  }
  mdb_cursor_close(c);
  raw.Commit();
  return done;
}

TEST(Replay, TamperingWithAnyDerivedSubDatabaseIsFoundAndRepaired) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Fill(*e, {.seed = 21}, 12000);
    ASSERT_TRUE(MustVerify(*e).identical());
  }
  int cases = 0;
  for (const auto& spec : internal::kDbs) {
    if (!internal::IsDerived(spec.db)) continue;
    for (Tamper how : {Tamper::kDelete, Tamper::kChange, Tamper::kAdd}) {
      if (!TamperWith(dir.path(), std::string(spec.name), how))
        continue;  // empty: nothing to edit
      ++cases;
      auto e = MustOpen(dir.path());
      VerifyReport r = MustVerify(*e);
      EXPECT_FALSE(r.identical()) << spec.name << " tamper " << int(how);
      std::string named;
      for (const auto& p : r.projections) {
        for (const auto& d : p.differences) named += d.sub_database + ": " + d.key + ", ";
      }
      EXPECT_THAT(named, HasSubstr(std::string(spec.name) + ": ")) << int(how);
      auto cli = RunShell(AnnalCli() + " --db " + dir.path() + " verify 2>&1");
      e.reset();  // the CLI above ran while this process held the store: fine for LMDB
      EXPECT_EQ(cli.exit_code, 1) << cli.out;
      EXPECT_THAT(cli.out, HasSubstr("difference in " + std::string(spec.name)));
      auto fix = RunShell(AnnalCli() + " --db " + dir.path() + " rebuild 2>&1");
      EXPECT_EQ(fix.exit_code, 0) << fix.out;
      e = MustOpen(dir.path());
      EXPECT_TRUE(MustVerify(*e).identical()) << spec.name << " after rebuild";
    }
  }
  EXPECT_GE(cases, 55) << "most sub-databases hold rows to tamper with";
}

TEST(Replay, DifferencesAreNamedInWords) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    ASSERT_TRUE(
        e->Append(At(1, AlarmRaised{"disk-full", Severity::kCritical, "w", "m"})).ok());
  }
  ASSERT_TRUE(TamperWith(dir.path(), "proj_alarms", Tamper::kChange));
  auto e = MustOpen(dir.path());
  VerifyReport r = MustVerify(*e);
  ASSERT_FALSE(r.identical());
  auto checked = std::find_if(r.projections.begin(), r.projections.end(),
                              [](const auto& p) { return p.projection == "alarms"; });
  ASSERT_NE(checked, r.projections.end());
  const auto& alarms = *checked;
  ASSERT_EQ(alarms.differences.size(), 1u);
  EXPECT_EQ(alarms.differences[0].sub_database, "proj_alarms");
  EXPECT_EQ(alarms.differences[0].key, "alarm \"disk-full\"");
  EXPECT_EQ(alarms.differences[0].what, "changed");
  auto json = RunShell(AnnalCli() + " --db " + dir.path() + " verify --json");
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(
      json.out,
      HasSubstr(
          R"("sub_database":"proj_alarms","key":"alarm \"disk-full\"","what":"changed")"));
  EXPECT_THAT(json.out, HasSubstr(R"("identical":false)"));
}

TEST(Replay, RebuildWhileAppendingAndQueryingLosesNothingAndShowsNoHalfBuiltProjection) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Fill(*e, {.seed = 31}, 30000);
  const uint64_t base_seq = *e->Read()->LastSeq();
  const uint64_t base_watchers = e->Read()->Watchers()->size();
  constexpr int kAppends = 300;
  std::atomic<bool> stop{false};
  std::atomic<int> snapshots{0}, bad{0};

  std::thread appender([&] {
    for (int i = 0; i < kAppends; ++i) {
      auto r = e->Append(At(1, WatcherCreated{"extra-" + std::to_string(i), "n"}));
      if (!r.ok()) ++bad;
    }
  });
  std::thread reader([&] {
    while (!stop) {
      auto s = e->Read();
      auto seq = s->LastSeq();
      auto watchers = s->Watchers();
      auto depth = s->QueueDepth();
      // Every appended event is a new watcher: a snapshot that holds seq N
      // must list exactly base + (N - base_seq) watchers, whatever slot is live.
      if (!seq.ok() || !watchers.ok() || !depth.ok() ||
          watchers->size() != base_watchers + (*seq - base_seq)) {
        ++bad;
      }
      ++snapshots;
    }
  });
  for (int i = 0; i < 3; ++i) {
    Status st = e->Rebuild();
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  appender.join();
  stop = true;
  reader.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(snapshots, 0);
  EXPECT_EQ(*e->Read()->LastSeq(), base_seq + kAppends);
  EXPECT_EQ(e->Read()->Watchers()->size(), base_watchers + kAppends);
  EXPECT_TRUE(MustVerify(*e).identical());
}

void SetRecordedVersion(const std::string& dir, const std::string& text) {
  RawStore raw(dir);
  std::string value = text;
  value.resize(internal::keys::Pad8(value.size()), '\0');
  raw.Put(raw.Dbi("meta"), internal::keys::Name("versions@0"), value);
  raw.Commit();
}

TEST(Replay, AProjectorVersionChangeRefusesUntilRebuilt) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Fill(*e, {.seed = 41}, 5000);
  }
  // As if the alarms projector of the code that built the store had version 0.
  SetRecordedVersion(dir.path(),
                     "active_tasks=1;alarms=0;approvals=1;audit_trail=1;autonomy_history="
                     "1;integrations=1;"
                     "queue_depth=1;rules=1;schedules=1;series=1;watchers=1;");
  auto e = MustOpen(dir.path());
  auto append = e->Append(At(1, WatcherCreated{"late", "n"}));
  ASSERT_FALSE(append.ok());
  EXPECT_EQ(append.status().code(), Status::Code::kIncompatible);
  EXPECT_THAT(
      append.status().message(),
      HasSubstr("projection alarms was built by projector version 0, this annal has "
                "version 1; run `annal rebuild`"));
  auto alarms = e->Read()->Alarms();
  ASSERT_FALSE(alarms.ok());
  EXPECT_THAT(alarms.status().message(), HasSubstr("run `annal rebuild`"));
  EXPECT_TRUE(e->Read()->Watchers().ok()) << "current projections still answer";
  auto cli = RunShell(AnnalCli() + " --db " + dir.path() + " query alarms 2>&1");
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_THAT(cli.out, HasSubstr("run `annal rebuild`"));

  ASSERT_TRUE(e->Rebuild().ok());
  EXPECT_TRUE(e->Read()->Alarms().ok());
  EXPECT_TRUE(e->Append(At(1, WatcherCreated{"late", "n"})).ok());
  EXPECT_TRUE(MustVerify(*e).identical());
}

TEST(Replay, RebuildOnOpenRepairsStaleProjections) {
  TempDir dir;
  MustOpen(dir.path()).reset();
  SetRecordedVersion(dir.path(), "alarms=7;");
  Options o;
  o.rebuild_stale_on_open = true;
  auto e = MustOpen(dir.path(), o);
  EXPECT_TRUE(e->Read()->Alarms().ok());
}

// Where a log record's value lies in data.mdb: its page's number (the first
// 8 bytes of every LMDB page header) times the page size, plus its place in
// the page.
size_t FileOffsetOfRecord(const std::string& dir, uint64_t seq, size_t* size) {
  RawStore raw(dir, /*write=*/false);
  MDB_stat st;
  mdb_env_stat(raw.env(), &st);
  auto key = internal::keys::Seq(seq);
  MDB_val k{8, const_cast<char*>(key.view().data())}, v;
  EXPECT_EQ(mdb_get(raw.txn(), raw.Dbi("log"), &k, &v), 0);
  auto at = reinterpret_cast<uintptr_t>(v.mv_data);
  uintptr_t page = at & ~uintptr_t{st.ms_psize - 1};
  uint64_t pgno;
  std::memcpy(&pgno, reinterpret_cast<void*>(page), sizeof pgno);
  *size = v.mv_size;
  return pgno * st.ms_psize + (at - page);
}

class LogDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = MustOpen(dir_.path());
    Fill(*e, {.seed = 51}, 3000);
  }
  void ExpectVerifyFails(const std::string& named) {
    for (std::string flags : {"", " --log-only"}) {
      auto r =
          RunShell(AnnalCli() + " --db " + dir_.path() + " verify" + flags + " 2>&1");
      EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.out;
      EXPECT_THAT(r.out, HasSubstr(named)) << flags;
    }
    auto e = MustOpen(dir_.path());
    EXPECT_EQ(e->Verify().status().code(), Status::Code::kCorruption);
    EXPECT_FALSE(e->Rebuild().ok()) << "never build projections from a damaged log";
  }
  // Edits log records with the raw API (values as stored, hashes included).
  void EditLog(const std::function<void(RawStore&, unsigned log)>& edit) {
    RawStore raw(dir_.path());
    edit(raw, raw.Dbi("log"));
    raw.Commit();
  }
  TempDir dir_;
};

TEST_F(LogDamage, AByteFlippedOnDiskIsFoundAtItsSeq) {
  size_t size = 0;
  size_t offset = FileOffsetOfRecord(dir_.path(), 1234, &size);
  std::fstream f(dir_.Sub("data.mdb"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset + size / 2);
  char c;
  f.get(c);
  f.seekp(offset + size / 2);
  f.put(static_cast<char>(c ^ 0x01));
  f.close();
  ExpectVerifyFails("log record at seq 1234");
}

TEST_F(LogDamage, ADeletedRecordIsFoundAtItsSeq) {
  EditLog([](RawStore& raw, unsigned log) {
    EXPECT_TRUE(raw.Del(log, internal::keys::Seq(777)));
  });
  ExpectVerifyFails("log record at seq 777 is missing");
}

TEST_F(LogDamage, TwoSwappedRecordsAreFoundAtTheFirst) {
  EditLog([](RawStore& raw, unsigned log) {
    std::string a = *raw.Get(log, internal::keys::Seq(100)),
                b = *raw.Get(log, internal::keys::Seq(101));
    raw.Put(log, internal::keys::Seq(100), b);
    raw.Put(log, internal::keys::Seq(101), a);
  });
  ExpectVerifyFails("log record at seq 100");
}

TEST_F(LogDamage, ARemovedTailIsFoundByTheChainHead) {
  EditLog([](RawStore& raw, unsigned log) {
    EXPECT_TRUE(raw.Del(log, internal::keys::Seq(3000)));
  });
  ExpectVerifyFails(
      "the log ends at seq 2999 but meta records its chain head at seq 3000");
}

// The log's handle, usable from then on by every transaction of raw's
// environment (LMDB keeps a handle private to its transaction until that ends).
unsigned SharedLogDbi(RawStore& raw) {
  const unsigned log = raw.Dbi("log");
  raw.Commit();
  return log;
}

// The feed's records, read ahead on a thread of their own, are the log
// reader's, chunk after chunk, decoded as a replay decodes them; a bounded
// range ends where asked.
TEST(ReplayFeed, GivesWhatTheLogReaderGivesAcrossChunks) {
  TempDir dir;
  Fill(*MustOpen(dir.path()), {.seed = 52}, 5000);
  RawStore raw(dir.path(), /*write=*/false);
  const unsigned log = SharedLogDbi(raw);
  internal::Txn txn(raw.env(), internal::Txn::kReadOnly);
  internal::LogReader reader(txn.handle(), log, 1, UINT64_MAX,
                             internal::ChainCheck::kVerify);
  internal::ReplayFeed feed(raw.env(), log, 1, 4100, {}, /*decode=*/true);
  uint64_t n = 0;
  while (internal::ReplayFeed::Item* item = feed.Next()) {
    const internal::LogRecord* r = reader.Next();
    ASSERT_NE(r, nullptr);
    ++n;
    ASSERT_EQ(item->seq, n);
    ASSERT_EQ(item->hash, r->hash) << n;
    ASSERT_EQ(item->record->seq(), n);
    ASSERT_EQ(item->event, internal::DecodeRecord(*r->record).event) << n;
  }
  EXPECT_EQ(n, 4100u);
  EXPECT_EQ(feed.Next(), nullptr) << "and stays ended";
}

// A replay that stops early (a rule broken at some record) leaves the
// reader blocked on a full queue: the feed's end must release it.
TEST(ReplayFeed, EndsPromptlyWhenTheReplayStopsEarly) {
  TempDir dir;
  Fill(*MustOpen(dir.path()), {.seed = 53}, 20000);
  RawStore raw(dir.path(), /*write=*/false);
  const unsigned log = SharedLogDbi(raw);
  for (int i = 0; i < 20; ++i) {
    internal::ReplayFeed feed(raw.env(), log, 1, UINT64_MAX, {}, true);
    for (int k = 0; k < i * 100; ++k) ASSERT_NE(feed.Next(), nullptr);
  }
}

// A damaged record reaches the replay at its place, after every record
// before it, as the log reader's own error.
TEST(ReplayFeed, ADamagedRecordFailsAtItsPlace) {
  TempDir dir;
  Fill(*MustOpen(dir.path()), {.seed = 54}, 3000);
  {
    RawStore raw(dir.path());
    const unsigned log = raw.Dbi("log");
    std::string v = *raw.Get(log, internal::keys::Seq(2500));
    v[v.size() / 2] ^= 1;
    raw.Put(log, internal::keys::Seq(2500), v);
    raw.Commit();
  }
  RawStore raw(dir.path(), /*write=*/false);
  internal::ReplayFeed feed(raw.env(), SharedLogDbi(raw), 1, UINT64_MAX, {}, true);
  uint64_t last = 0;
  try {
    while (internal::ReplayFeed::Item* item = feed.Next()) last = item->seq;
    ADD_FAILURE() << "the damage went unnoticed";
  } catch (const internal::CorruptionError& e) {
    EXPECT_THAT(e.what(), HasSubstr("log record at seq 2500"));
  }
  EXPECT_EQ(last, 2499u);
}

TEST(Replay, LogOnlyPrintsTheHeadHashThatAnOperatorCanKeep) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Fill(*e, {.seed = 61}, 2000);
  }
  auto first = RunShell(AnnalCli() + " --db " + dir.path() + " verify --log-only");
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_THAT(first.out, HasSubstr("log: 2000 events, head seq 2000, chain hash "));
  {
    auto e = MustOpen(dir.path());
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(e->Append(At(1, WatcherCreated{"w" + std::to_string(i), "n"})).ok());
    auto log = e->VerifyLog();
    ASSERT_TRUE(log.ok());
    EXPECT_EQ(log->head_seq, 2010u);
  }
  auto again = RunShell(AnnalCli() + " --db " + dir.path() + " verify --log-only");
  EXPECT_NE(again.out, first.out) << "the head moves with every append";
}

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

// The running digests in meta, recomputed from the rows themselves.
TEST(Digests, RunningDigestsEqualARecomputationFromTheRows) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Fill(*e, {.seed = 71, .random_ids = true}, 15000, 333);
    ASSERT_TRUE(e->Rebuild().ok());   // the live slot moves to 1
    Fill(*e, {.seed = 72}, 2000, 1);  // other ids: sequential, and batches of one
  }
  Dump dump = DumpStore(dir.path());
  uint64_t live = 0;
  for (const auto& [k, v] : dump.at("meta")) {
    if (internal::keys::DecodeId(k) == "live") std::memcpy(&live, v.data(), 8);
  }
  ASSERT_EQ(live, 1u);
  std::optional<internal::Digests> stored;
  for (const auto& [k, v] : dump.at("meta")) {
    if (internal::keys::DecodeId(k) == "digest@1") stored = internal::DecodeDigests(v);
  }
  ASSERT_TRUE(stored.has_value());
  for (const auto& spec : internal::kDbs) {
    if (!internal::IsDerived(spec.db)) continue;
    internal::Digest recomputed;
    for (const auto& [k, v] : dump.at(internal::SlotName(spec.db, 1)))
      recomputed.Add(k, v);
    EXPECT_EQ(recomputed, (*stored)[static_cast<size_t>(spec.db)]) << spec.name;
  }
}

TEST(Digests, QuickVerifyComparesWithTheLastFullVerifyInConstantTime) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Fill(*e, {.seed = 81}, 5000);
  auto never = e->VerifyQuick();
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->verified);
  EXPECT_FALSE(never->comparable());
  ASSERT_TRUE(MustVerify(*e).identical());
  auto fresh = e->VerifyQuick();
  EXPECT_TRUE(fresh->comparable());
  EXPECT_TRUE(fresh->identical());
  EXPECT_EQ(fresh->projections.size(), 12u);
  ASSERT_TRUE(e->Append(At(1, WatcherCreated{"late", "n"})).ok());
  auto moved = e->VerifyQuick();
  EXPECT_FALSE(moved->comparable()) << "an append since the full verify";
  e.reset();
  auto cli = RunShell(AnnalCli() + " --db " + dir.path() + " verify --quick");
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_THAT(cli.out, HasSubstr("1 events appended since the last full verify"));
  EXPECT_EQ(RunShell(AnnalCli() + " --db " + dir.path() + " verify").exit_code, 0);
  cli = RunShell(AnnalCli() + " --db " + dir.path() + " verify --quick");
  EXPECT_EQ(cli.exit_code, 0) << cli.out;
}

TEST(Digests, TwoStoresOfTheSameLogHaveTheSameDigests) {
  TempDir a_dir, b_dir;
  auto a = MustOpen(a_dir.path());
  auto b = MustOpen(b_dir.path());
  Fill(*a, {.seed = 91}, 8000, 1000);
  Fill(*b, {.seed = 91}, 8000, 7);
  ASSERT_TRUE(b->Rebuild().ok());  // written another way, and then rebuilt
  auto da = a->VerifyQuick(), db = b->VerifyQuick();
  ASSERT_TRUE(da.ok() && db.ok());
  for (size_t i = 0; i < da->projections.size(); ++i) {
    EXPECT_EQ(da->projections[i].live, db->projections[i].live)
        << da->projections[i].projection;
  }
  ASSERT_TRUE(b->Append(At(1, RuleCreated{"only-in-b", "n"})).ok());
  EXPECT_NE(a->VerifyQuick()->projections[4].live, b->VerifyQuick()->projections[4].live)
      << "rules differ now";
}

TEST(Digests, AWrongRunningDigestIsReportedByAFullVerify) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    Fill(*e, {.seed = 95}, 2000);
  }
  {  // Zero the running digests of slot 0 behind the engine's back.
    RawStore raw(dir.path());
    raw.Put(raw.Dbi("meta"), internal::keys::Name("digest@0"),
            internal::EncodeDigests({}));
    raw.Commit();
  }
  auto e = MustOpen(dir.path());
  VerifyReport r = MustVerify(*e);
  EXPECT_FALSE(r.identical());
  EXPECT_EQ(r.projections[1].differences.at(0).key, "the running digest of active_tasks");
}

}  // namespace
}  // namespace annal::testing
