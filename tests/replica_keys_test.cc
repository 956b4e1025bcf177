// Subject keys copied to a replica (annal/replication.h; docs/replication.md,
// "Subject keys"), without a broker: keys wrapped on the primary open the
// replica's sealed values once installed; a key read before a forget the
// replica has applied stays out; keys read ahead of the replica wait for
// it; a key wrapped under another key-encryption key, or altered, is
// refused naming its subject. And the wire form and the key file.
#include <gmock/gmock.h>
#include <sys/stat.h>

#include <fstream>

#include "annal/replication.h"
#include "replication/key_exchange.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;
using Keys = StoreReplication::WrappedSubjectKeys;
using Kek = StoreReplication::KeyEncryptionKey;

Kek KekOf(uint8_t fill) {
  Kek k;
  k.fill(fill);
  return k;
}

Event Anas(std::string id) {
  Event ev = AlarmRaised{id, Severity::kWarning, "laptop", "laptop of Ana Lindqvist"};
  ev.subject = "user:ana";
  ev.actor = "operator:ana";
  return ev;
}

// Brings `replica` to `to` (default: the primary's head).
void CatchUp(const Engine& primary, Engine& replica, uint64_t to = UINT64_MAX) {
  const uint64_t head = *replica.Read()->LastSeq();
  std::vector<std::string> values;
  ASSERT_TRUE(primary.Read()
                  ->ScanStored(head + 1,
                               [&](uint64_t seq, std::string_view v) {
                                 if (seq > to) return false;
                                 values.emplace_back(v);
                                 return true;
                               })
                  .ok());
  if (values.empty()) return;
  std::vector<std::string_view> views(values.begin(), values.end());
  auto applied = StoreReplication(replica).AppendStored(head + 1, views);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
}

// The actor of the event at `seq` as the store reads it; "(erased)".
std::string ActorAt(const Engine& e, uint64_t seq) {
  for (const LoggedEvent& l : LoggedEvents(e)) {
    if (l.seq != seq) continue;
    if (!l.event.erased.empty()) return "(erased)";
    return l.event.actor.value_or("(none)");
  }
  return "(no such seq)";
}

struct Pair {
  TempDir dir;
  std::unique_ptr<Engine> primary = MustOpen(dir.Sub("primary"));
  std::unique_ptr<Engine> replica = [&] {
    auto r = MustOpen(dir.Sub("replica"));
    EXPECT_TRUE(StoreReplication(*r).MakeReplica().ok());
    return r;
  }();
  Keys Wrap(std::vector<std::string> subjects, const Kek& kek = KekOf(7)) {
    auto keys = StoreReplication(*primary).WrapSubjectKeys(subjects, kek);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return *keys;
  }
  Result<size_t> Install(const Keys& keys, const Kek& kek = KekOf(7)) {
    return StoreReplication(*replica).InstallSubjectKeys(keys, kek);
  }
};

TEST(ReplicaKeys, KeysFromThePrimaryOpenTheReplicasSealedValues) {
  Pair p;
  ASSERT_TRUE(p.primary->Append(std::vector<Event>{Anas("a1"), Anas("a2")}).ok());
  CatchUp(*p.primary, *p.replica);
  EXPECT_EQ(ActorAt(*p.replica, 1), "(erased)");  // no key yet
  Keys keys = p.Wrap({"user:ana", "user:nobody"});
  EXPECT_EQ(keys.read_at, 2u);
  ASSERT_EQ(keys.keys.size(), 2u);
  EXPECT_TRUE(keys.keys[0].second.has_value());
  EXPECT_FALSE(keys.keys[1].second.has_value());
  EXPECT_THAT(*keys.keys[0].second, Not(HasSubstr("Ana")));
  auto installed = p.Install(keys);
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_EQ(*installed, 1u);
  EXPECT_EQ(ActorAt(*p.replica, 1), "operator:ana");
  EXPECT_EQ(p.replica->Read()->Alarms()->at(0).message, "laptop of Ana Lindqvist");
  EXPECT_EQ(*p.Install(keys), 0u);  // again: already there
  // The replica applies the primary's forget and destroys its copy.
  ASSERT_TRUE(p.primary->Forget("user:ana").ok());
  CatchUp(*p.primary, *p.replica);
  EXPECT_EQ(ActorAt(*p.replica, 1), "(erased)");
  EXPECT_TRUE(p.replica->Verify().ok());
}

TEST(ReplicaKeys, AKeyReadBeforeAForgetTheReplicaAppliedStaysOut) {
  Pair p;
  ASSERT_TRUE(p.primary->Append(Anas("a1")).ok());
  Keys before = p.Wrap({"user:ana"});  // read at seq 1
  ASSERT_TRUE(p.primary->Forget("user:ana").ok());
  CatchUp(*p.primary, *p.replica);  // seq 2: the forget
  auto installed = p.Install(before);
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_EQ(*installed, 0u);
  EXPECT_EQ(ActorAt(*p.replica, 1), "(erased)");
}

TEST(ReplicaKeys, KeysReadAheadOfTheReplicaWaitForIt) {
  Pair p;
  ASSERT_TRUE(p.primary->Append(Anas("a1")).ok());
  CatchUp(*p.primary, *p.replica);
  ASSERT_TRUE(p.primary->Forget("user:ana").ok());  // seq 2
  ASSERT_TRUE(p.primary->Append(Anas("a3")).ok());  // seq 3, under a new key
  Keys keys = p.Wrap({"user:ana"});
  EXPECT_EQ(keys.read_at, 3u);
  auto early = p.Install(keys);
  EXPECT_EQ(early.status().code(), Status::Code::kBusy) << early.status().ToString();
  CatchUp(*p.primary, *p.replica);
  EXPECT_EQ(*p.Install(keys), 1u);
  EXPECT_EQ(ActorAt(*p.replica, 1), "(erased)");  // forgotten: the old key is gone
  EXPECT_EQ(ActorAt(*p.replica, 3), "operator:ana");
}

TEST(ReplicaKeys, AForeignOrAlteredKeyIsRefusedNamingItsSubject) {
  Pair p;
  ASSERT_TRUE(p.primary->Append(Anas("a1")).ok());
  CatchUp(*p.primary, *p.replica);
  Keys keys = p.Wrap({"user:ana"});
  auto foreign = p.Install(keys, KekOf(8));
  EXPECT_EQ(foreign.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(foreign.status().message(), HasSubstr("user:ana"));
  Keys moved = keys;  // the same key claimed to be read later
  moved.read_at = 0;
  EXPECT_EQ(p.Install(moved).status().code(), Status::Code::kCorruption);
  Keys renamed = keys;  // the same key claimed for another subject
  renamed.keys[0].first = "user:bo";
  EXPECT_EQ(p.Install(renamed).status().code(), Status::Code::kCorruption);
  Keys altered = keys;
  std::string& w = *altered.keys[0].second;
  w[w.size() / 2] = w[w.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(p.Install(altered).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ActorAt(*p.replica, 1), "(erased)");
  // A primary's keys are its own.
  auto on_primary = StoreReplication(*p.primary).InstallSubjectKeys(keys, KekOf(7));
  EXPECT_EQ(on_primary.status().code(), Status::Code::kInvalidInput);
}

TEST(ReplicaKeys, TheWireFormRoundTripsAndRefusesOtherText) {
  using namespace replication;
  Keys keys{42, {{"user:ana", "AbC/+="}, {"user:bo", std::nullopt}}};
  auto back = ParseKeyAnswer(KeyAnswer(keys));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->read_at, 42u);
  EXPECT_EQ(back->keys, keys.keys);
  for (std::string_view junk : {"", "annal-keys 1", "annal-keys 1 x", "annal-keys 2 4",
                                "annal-keys 1 4\nuser:ana", "annal-keys 1 4\na b c"})
    EXPECT_FALSE(ParseKeyAnswer(junk)) << junk;
  auto asked = ParseKeyRequest(KeyRequest({"user:ana", "user:bo"}));
  ASSERT_TRUE(asked);
  EXPECT_EQ(*asked, (std::vector<std::string>{"user:ana", "user:bo"}));
  EXPECT_FALSE(ParseKeyRequest("hello\nuser:ana"));
  EXPECT_FALSE(ParseKeyRequest("annal-keys 1\nuser ana"));
}

TEST(ReplicaKeys, AKeyFileIs32BytesOr64HexDigitsReadableByItsOwnerOnly) {
  using namespace replication;
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& bytes, mode_t mode) {
    const std::string path = dir.Sub(name);
    std::ofstream(path, std::ios::binary) << bytes;
    ::chmod(path.c_str(), mode);
    return path;
  };
  auto raw = ReadKeyFile(write("raw", std::string(32, '\x07'), 0600));
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(*raw, KekOf(7));
  auto hex =
      ReadKeyFile(write("hex", std::string(64, '0').replace(62, 2, "07") + "\n", 0600));
  ASSERT_TRUE(hex.ok()) << hex.status().ToString();
  EXPECT_EQ((*hex)[31], 7);
  EXPECT_EQ((*hex)[0], 0);
  auto short_file = ReadKeyFile(write("short", "0707", 0600));
  EXPECT_THAT(short_file.status().message(), HasSubstr("neither 32 bytes nor 64 hex"));
  auto open_to_all = ReadKeyFile(write("open", std::string(32, '\x07'), 0644));
  EXPECT_THAT(open_to_all.status().message(), HasSubstr("may be read by every user"));
}

}  // namespace
}  // namespace annal::testing
