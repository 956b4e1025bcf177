// The journal (store/journal.h, engine/durability.cc): its frames and
// checkpoints as a file, and recovery as an Engine sees it. The power-loss
// simulator (tests/crashsim) explores the protocol; these pin each rule.
#include "store/journal.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "annal/engine.h"
#include "tests/test_util.h"

namespace annal {
namespace {

using internal::Journal;
using ::testing::HasSubstr;
using testing::TempDir;

void Flip(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c = 0;
  ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
  c = static_cast<char>(c ^ 0x40);
  ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

Journal::Checkpoint CheckpointOf(uint64_t generation) {
  Journal::Checkpoint c;
  c.generation = generation;
  c.txnid = 10 + generation;
  c.page_size = 4096;
  c.meta[0] = std::string(Journal::kMetaBytes, 'a');
  c.meta[1] = std::string(Journal::kMetaBytes, 'b');
  return c;
}

TEST(Journal, FramesEndAtTheFirstTornOneOrOneOfAnotherGeneration) {
  TempDir dir;
  auto j = Journal::Open(dir.path(), true, 0600);
  ASSERT_TRUE(j);
  j->WriteCheckpoint(CheckpointOf(1));
  uint64_t at = Journal::kFramesOffset;
  std::vector<uint64_t> starts;
  for (uint64_t seq = 1; seq <= 7; seq += 2) {
    starts.push_back(at);
    at = j->WriteFrame(1, at, seq, {"value " + std::to_string(seq), "and the next"});
  }
  auto frames = j->ReadFrames(CheckpointOf(1));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[2].first_seq, 5u);
  EXPECT_EQ(frames[2].values, (std::vector<std::string>{"value 5", "and the next"}));
  // Of another generation: none.
  EXPECT_TRUE(j->ReadFrames(CheckpointOf(2)).empty());
  // A byte of the third frame changed: the frames end before it.
  Flip(dir.Sub("journal"), starts[2] + 40);
  EXPECT_EQ(j->ReadFrames(CheckpointOf(1)).size(), 2u);
  // A voided frame ends them too.
  j->VoidFrame(starts[1]);
  EXPECT_EQ(j->ReadFrames(CheckpointOf(1)).size(), 1u);
}

TEST(Journal, TheValidCheckpointOfTheHigherGenerationCounts) {
  TempDir dir;
  auto j = Journal::Open(dir.path(), true, 0600);
  ASSERT_TRUE(j);
  EXPECT_FALSE(j->ReadCheckpoint());
  j->WriteCheckpoint(CheckpointOf(1));
  j->WriteCheckpoint(CheckpointOf(2));
  EXPECT_EQ(j->ReadCheckpoint()->generation, 2u);
  EXPECT_EQ(j->NewestGeneration(), 2u);
  EXPECT_EQ(j->ReadCheckpoint()->meta[1], std::string(Journal::kMetaBytes, 'b'));
  // Generation 2 (slot 0) torn: generation 1 is the checkpoint again.
  Flip(dir.Sub("journal"), 40);
  EXPECT_EQ(j->ReadCheckpoint()->generation, 1u);
  EXPECT_EQ(j->ReadCheckpoint()->txnid, 11u);
}

// A child process appends `batches` batches and dies without closing its
// Engine (no checkpoint at close): its appends are in the journal's frames.
// Tasks of their own (`tag`), so that runs add up.
std::vector<Event> Tasks(const std::string& tag, size_t b) {
  std::vector<Event> batch;
  for (size_t i = 0; i < 10; ++i)
    batch.push_back(
        TaskCreated{tag + "-" + std::to_string(b) + "-" + std::to_string(i), "job"});
  return batch;
}

void AppendAndDie(const std::string& db, size_t batches, const std::string& tag = "t") {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto engine = Engine::Open(db);
    if (!engine.ok()) ::_exit(2);
    for (size_t b = 0; b < batches; ++b) {
      if (!(*engine)->Append(Tasks(tag, b)).ok()) ::_exit(3);
    }
    ::_exit(0);  // the Engine is never closed
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

uint64_t HeadOf(Engine& engine) { return *engine.Read()->LastSeq(); }

TEST(JournalRecovery, AWriterThatDiedLeavesFramesThatTheNextOpenApplies) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  AppendAndDie(db, 30);
  ASSERT_TRUE(std::filesystem::exists(db + "/journal"));
  {
    auto engine = Engine::Open(db);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    EXPECT_EQ(HeadOf(**engine), 300u);
    EXPECT_TRUE((*engine)->Verify()->identical());
  }
  // The last engine closed: everything synced, the journal gone.
  EXPECT_FALSE(std::filesystem::exists(db + "/journal"));
}

TEST(JournalRecovery, MetaPagesLostAfterTheCheckpointAreRestoredAndTheFramesApplied) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  AppendAndDie(db, 30);
  // As a power loss may leave it: both meta pages' records gone (LMDB alone
  // would refuse the file). The journal's checkpoint has them.
  const int fd = ::open((db + "/data.mdb").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  const std::string zeros(136, '\0');
  for (off_t page : {0, 4096})
    ASSERT_EQ(::pwrite(fd, zeros.data(), zeros.size(), page + 16), 136);
  ::close(fd);
  auto engine = Engine::Open(db);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ(HeadOf(**engine), 300u);
  EXPECT_TRUE((*engine)->Verify()->identical());
}

TEST(JournalRecovery, AReadOnlyOpenHasAWriterRecoverFirst) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  AppendAndDie(db, 5);
  Options o;
  o.read_only = true;
  auto engine = Engine::Open(db, o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ(HeadOf(**engine), 50u);
  EXPECT_FALSE(std::filesystem::exists(db + "/journal"));
}

TEST(JournalRecovery, ADataFileOlderThanItsJournalIsRefusedNamingBoth) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  {
    auto engine = Engine::Open(db);
    ASSERT_TRUE(engine.ok());
    ASSERT_TRUE((*engine)->Append(Tasks("first", 0)).ok());
  }
  std::filesystem::copy_file(db + "/data.mdb", dir.Sub("old.mdb"));
  AppendAndDie(db, 5, "a");
  AppendAndDie(db, 5, "b");  // its recovery's checkpoint names a later transaction
  std::filesystem::copy_file(dir.Sub("old.mdb"), db + "/data.mdb",
                             std::filesystem::copy_options::overwrite_existing);
  auto engine = Engine::Open(db);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().message(), HasSubstr("older than its journal"));
  EXPECT_THAT(engine.status().message(), HasSubstr("move the journal aside"));
}

}  // namespace
}  // namespace annal
