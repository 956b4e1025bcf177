// Opening what is not a (current) annal store: refused with a message that
// says why, never a crash, never a silent new store.
#include <gmock/gmock.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

Status OpenStatus(const std::string& dir, Options o = {}) {
  auto e = Engine::Open(dir, o);
  return e.ok() ? Status::Ok() : e.status();
}

void RewriteFormat(const std::string& dir, std::string_view magic, uint32_t version) {
  RawStore raw(dir);
  char value[16] = {};
  std::memcpy(value, magic.data(), std::min<size_t>(magic.size(), 8));
  std::memcpy(value + 8, &version, 4);
  raw.Put(raw.Dbi("meta"), std::string_view("format\0\0", 8),
          std::string_view(value, 16));
  raw.Commit();
}

TEST(StoreFiles, ANewerFormatVersionIsRefused) {
  TempDir dir;
  MustOpen(dir.path()).reset();
  RewriteFormat(dir.path(), std::string_view("ANNALDB\0", 8), 2);
  Status st = OpenStatus(dir.path());
  EXPECT_EQ(st.code(), Status::Code::kIncompatible);
  EXPECT_THAT(st.message(),
              HasSubstr("format version 2, newer than this annal supports (1)"));
  auto r = RunShell(AnnalCli() + " --db " + dir.path() + " query rules 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("incompatible store"));
}

TEST(StoreFiles, AWrongMagicIsNotAStore) {
  TempDir dir;
  MustOpen(dir.path()).reset();
  RewriteFormat(dir.path(), "SOMEDB!!", 1);
  EXPECT_EQ(OpenStatus(dir.path()).code(), Status::Code::kNotAStore);
}

TEST(StoreFiles, AnotherLmdbEnvironmentIsNotAStore) {
  TempDir dir;
  {
    RawStore raw(dir.path());
    raw.Dbi("someone_else", /*create=*/true);
    raw.Commit();
  }
  Status st = OpenStatus(dir.path());
  EXPECT_EQ(st.code(), Status::Code::kNotAStore);
  EXPECT_THAT(st.message(), HasSubstr("is an LMDB environment but not an annal store"));
}

TEST(StoreFiles, AFileOfGarbageIsNotAStore) {
  TempDir dir;
  std::ofstream(dir.Sub("data.mdb")) << std::string(20000, 'x');
  Status st = OpenStatus(dir.path());
  EXPECT_EQ(st.code(), Status::Code::kNotAStore) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("not an LMDB file"));
  auto r = RunShell(AnnalCli() + " --db " + dir.path() + " export 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("not an annal store"));
}

TEST(StoreFiles, NothingIsCreatedWhereItDoesNotBelong) {
  TempDir dir;
  std::ofstream(dir.Sub("notes.txt")) << "mine";
  Status st = OpenStatus(dir.path());
  EXPECT_EQ(st.code(), Status::Code::kNotAStore);
  EXPECT_THAT(st.message(), HasSubstr("is not empty and holds no annal store"));
  EXPECT_EQ(OpenStatus(dir.Sub("notes.txt")).code(), Status::Code::kNotAStore);
  Options no_create;
  no_create.create_if_missing = false;
  EXPECT_EQ(OpenStatus(dir.Sub("missing"), no_create).code(), Status::Code::kNotAStore);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("missing")));
  auto r = RunShell(AnnalCli() + " --db " + dir.Sub("missing") + " query alarms 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("no annal store at"));
}

TEST(StoreFiles, ANewStoreIsPrivateToItsOwner) {
  TempDir dir;
  std::string path = dir.Sub("store");
  MustOpen(path).reset();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((path + "/data.mdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(StoreFiles, AnOptionSharesANewStoreWithTheOwnersGroup) {
  TempDir dir;
  std::string path = dir.Sub("store");
  Options o;
  o.file_mode = 0660;
  const mode_t old_umask = umask(022);  // would narrow 0660 to 0640 if left to it
  MustOpen(path, o).reset();
  umask(old_umask);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0770u);
  for (const char* f : {"/data.mdb", "/lock.mdb"}) {
    ASSERT_EQ(stat((path + f).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u) << f;
  }
}

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

TEST(StoreFiles, AStoreOfAnotherUserIsRefusedUnlessAllowed) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the store to another user";
  TempDir dir;
  std::string path = dir.Sub("store");
  MustOpen(path).reset();
  ASSERT_EQ(::chown((path + "/data.mdb").c_str(), 65534, 65534), 0);
  Status st = OpenStatus(path);
  EXPECT_EQ(st.code(), Status::Code::kIOError);
  EXPECT_THAT(st.message(), HasSubstr("belongs to uid 65534"));
  EXPECT_THAT(st.message(), HasSubstr("refusing to open another user's store"));
  Options allow;
  allow.allow_other_owner = true;
  EXPECT_TRUE(OpenStatus(path, allow).ok());
}

}  // namespace
}  // namespace annal::testing
