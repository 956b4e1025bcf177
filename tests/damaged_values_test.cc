// Values that pass the FlatBuffers verifier yet could only come from a
// damaged or forged file: an enum value past its names. Found by fuzzing the
// record reader (tests/fuzz/regressions/fuzz_record/); each is refused with
// a message where it used to index past the JSON codec's name tables.
#include <gmock/gmock.h>

#include "events/record_codec.h"
#include "projectors/row_codec.h"
#include "store/keys.h"
#include "store/kv.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

// A task_status_changed record whose status byte is `status`.
std::string StatusRecord(uint8_t status) {
  flatbuffers::FlatBufferBuilder b;
  auto id = b.CreateString("t1");
  auto body = fbs::CreateTaskStatusChanged(b, id, static_cast<fbs::TaskStatus>(status));
  auto rec = fbs::CreateRecord(b, 1, 5, 0, fbs::Event::TaskStatusChanged, body.Union());
  fbs::FinishRecordBuffer(b, rec);
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

TEST(DamagedValues, ARecordWithAnEnumPastItsNamesIsNotWellFormed) {
  for (uint8_t status : {0, 5}) {
    internal::AlignedBuf ok;
    ok.Assign(StatusRecord(status));
    EXPECT_NE(internal::VerifiedRecord(ok.view()), nullptr) << "status " << int(status);
  }
  for (uint8_t status : {6, 200, 255}) {
    internal::AlignedBuf bad;
    bad.Assign(StatusRecord(status));
    EXPECT_EQ(internal::VerifiedRecord(bad.view()), nullptr) << "status " << int(status);
  }
}

TEST(DamagedValues, AStoredRowWithAnEnumPastItsNamesIsReportedNotRendered) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  {
    auto e = MustOpen(db);
    ASSERT_TRUE(e->Append({At(1, TaskCreated{"t1", "backup"})}).ok());
  }
  {
    RawStore raw(db);
    ActiveTaskRow row{
        .task_id = "t1", .name = "backup", .status = static_cast<TaskStatus>(9)};
    internal::Builder b;
    raw.Put(raw.Dbi(raw.LiveName("proj_active_tasks")), internal::keys::Id("t1"),
            internal::Encode(b, row));
    raw.Commit();
  }
  auto e = MustOpen(db);
  auto rows = e->Read()->ActiveTasks();
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(rows.status().message(), HasSubstr("enum value 9 out of range"));

  auto cli = RunShell(AnnalCli() + " --db " + db + " query active_tasks 2>&1");
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_THAT(cli.out, HasSubstr("out of range"));
}

}  // namespace
}  // namespace annal::testing
