// Erasure (issue 25; docs/security.md): events appended with a subject log
// their personal fields sealed under the subject's key; `forget` destroys
// the key. After it no byte of the plaintext is in any file of the store
// (nor of a compacting backup), reads show the values erased, the chain and
// the projections verify, a rebuild gives the same bytes, and the key is
// gone from mdb_dump's output.
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include "annal/jsonl.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Result<AppendReceipt> Put(Engine& e, std::vector<Event> batch) { return e.Append(batch); }

Event Of(std::string subject, Event ev) {
  ev.subject = std::move(subject);
  return ev;
}

// Ana's personal data in every personal field, and Bo's in one.
std::vector<Event> Stream() {
  Event created = TaskCreated{"t1", "invoice", std::nullopt};
  created.actor = "operator:ana-lindqvist";
  Event bo = TaskCreated{"t2", "report", std::nullopt};
  bo.actor = "operator:bo-berglund";
  Event plain = TaskCreated{"t3", "cleanup", std::nullopt};
  plain.actor = "system";
  return {Of("user:ana", created),
          Of("user:ana", ApprovalRequested{"p1", "t1", "pay",
                                           "Ana Lindqvist asked about invoice 4711", 99}),
          Of("user:ana", AlarmRaised{"a1", Severity::kWarning, "laptop",
                                     "laptop of Ana Lindqvist is offline"}),
          Of("user:bo", bo), plain};
}

// Every byte of every file under `dir`.
std::string AllBytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), {});
  }
  return all;
}

const std::vector<std::string> kAnasPlaintext = {"ana-lindqvist", "Ana Lindqvist",
                                                 "invoice 4711", "is offline"};

TEST(Erasure, PersonalValuesAreSealedInTheFilesAndReadInClear) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  ASSERT_TRUE(Put(*e, Stream()).ok());
  auto log = LoggedEvents(*e);
  EXPECT_EQ(log[0].event.actor, "operator:ana-lindqvist");
  EXPECT_EQ(log[0].event.subject, "user:ana");
  EXPECT_TRUE(log[0].event.erased.empty());
  EXPECT_EQ(std::get<ApprovalRequested>(log[1].event.body).context,
            "Ana Lindqvist asked about invoice 4711");
  {
    auto snap = e->Read();
    auto alarms = snap->Alarms();
    ASSERT_TRUE(alarms.ok());
    EXPECT_EQ(alarms->at(0).message, "laptop of Ana Lindqvist is offline");
  }
  e.reset();
  const std::string files = AllBytes(dir.path());
  for (const std::string& plain : kAnasPlaintext)
    EXPECT_THAT(files, Not(HasSubstr(plain))) << plain;
  EXPECT_THAT(files, HasSubstr("system"));  // no subject: logged as given
}

TEST(Erasure, ForgetErasesEverywhereAndTheChainAndProjectionsVerify) {
  TempDir dir;
  const std::string db = dir.Sub("s"), backup = dir.Sub("backup");
  auto e = MustOpen(db);
  ASSERT_TRUE(Put(*e, Stream()).ok());
  const uint64_t before = e->Read()->ProjectionFingerprints()->size();
  auto forgot = e->Forget("user:ana");
  ASSERT_TRUE(forgot.ok()) << forgot.status().ToString();

  auto log = LoggedEvents(*e);
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0].event.actor, std::nullopt);
  EXPECT_EQ(log[0].event.erased, std::vector<std::string>{"actor"});
  EXPECT_EQ(log[0].event.subject, "user:ana");
  EXPECT_EQ(std::get<ApprovalRequested>(log[1].event.body).context, std::nullopt);
  EXPECT_EQ(std::get<AlarmRaised>(log[2].event.body).message, "");
  EXPECT_EQ(log[2].event.erased, std::vector<std::string>{"message"});
  EXPECT_EQ(log[3].event.actor, "operator:bo-berglund");  // another subject's
  EXPECT_EQ(std::get<SubjectForgotten>(log[5].event.body).subject, "user:ana");
  std::string line;
  AppendJson(line, log[2].event, log[2].seq);
  EXPECT_THAT(line, HasSubstr(R"("subject":"user:ana","erased":["message"])"));
  EXPECT_THAT(line, HasSubstr(R"("message":null)"));
  {
    auto snap = e->Read();
    auto approvals = snap->Approvals();
    ASSERT_TRUE(approvals.ok());
    EXPECT_EQ(approvals->at(0).context, kErasedValue);
    auto alarms = snap->Alarms();
    EXPECT_EQ(alarms->at(0).message, kErasedValue);
  }

  // The chain and every projection verify; a rebuild gives the same bytes.
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
  auto fingerprints = e->Read()->ProjectionFingerprints();
  ASSERT_TRUE(e->Rebuild().ok());
  EXPECT_EQ(*e->Read()->ProjectionFingerprints(), *fingerprints);
  EXPECT_EQ(fingerprints->size(), before);

  ASSERT_TRUE(e->Backup(backup).ok());
  e.reset();
  for (const std::string& where : {db, backup}) {
    const std::string files = AllBytes(where);
    for (const std::string& plain : kAnasPlaintext)
      EXPECT_THAT(files, Not(HasSubstr(plain))) << plain << " in " << where;
  }
  // The key is gone; Bo's is there.
  auto dump = RunShell("mdb_dump -p -s subject_keys " + db + " 2>&1");
  EXPECT_EQ(dump.exit_code, 0) << dump.out;
  EXPECT_THAT(dump.out, Not(HasSubstr("user:ana")));
  EXPECT_THAT(dump.out, HasSubstr("user:bo"));
}

TEST(Erasure, ASubjectSeenAgainAfterItsForgetGetsANewKey) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Event first = TaskCreated{"t1", "a", std::nullopt};
  first.actor = "ana";
  ASSERT_TRUE(Put(*e, {Of("user:ana", first)}).ok());
  ASSERT_TRUE(e->Forget("user:ana").ok());
  Event again = TaskCreated{"t2", "b", std::nullopt};
  again.actor = "ana again";
  ASSERT_TRUE(Put(*e, {Of("user:ana", again)}).ok());
  auto log = LoggedEvents(*e);
  EXPECT_EQ(log[0].event.actor, std::nullopt);  // the old key is gone for good
  EXPECT_EQ(log[2].event.actor, "ana again");
  EXPECT_TRUE(e->Verify()->identical());
}

TEST(Erasure, TheFrontDoorRefusesBadSubjectsAndSealedLookingValues) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Event bad = TaskCreated{"t1", "a", std::nullopt};
  bad.subject = "user ana";
  auto r = Put(*e, {bad});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("\"subject\" must be 1 to 128 of"));
  Event forged = TaskCreated{"t1", "a", std::nullopt};
  forged.actor = std::string("\x01S:user:ana\x01") + "AAAA";
  r = Put(*e, {forged});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kRejected);
  EXPECT_THAT(r.status().message(), HasSubstr("marks a sealed value"));
  r = e->Forget("no such subject");
  EXPECT_FALSE(r.ok());
}

// The command line, and JSONL: an export shows the subject and, after a
// forget, the erased values as null; imported elsewhere, they stay erased.
TEST(Erasure, TheCommandLineForgetsAndExportShowsTheMarker) {
  TempDir dir;
  const std::string db = dir.Sub("s"), in = dir.Sub("in.jsonl"),
                    out = dir.Sub("out.jsonl");
  {
    std::ofstream f(in);
    f << R"({"type":"alarm_raised","ts":5,"actor":"operator:ana","subject":"user:ana",)"
         R"("alarm_id":"a1","severity":"info","source":"x","message":"Ana's laptop"})"
      << "\n";
  }
  const std::string cli = AnnalCli() + " --db " + db;
  auto run = [](const std::string& cmd, int code = 0) {
    auto r = RunShell(cmd + " 2>&1");
    EXPECT_EQ(r.exit_code, code) << cmd << ": " << r.out;
    return r.out;
  };
  run(cli + " import " + in);
  EXPECT_THAT(run(cli + " export"),
              HasSubstr(R"("actor":"operator:ana","subject":"user:ana")"));
  EXPECT_THAT(run(cli + " forget user:ana"), HasSubstr("forgot user:ana at seq 2"));
  const std::string exported = run(cli + " export");
  EXPECT_THAT(exported, HasSubstr(R"({"type":"alarm_raised","seq":1,"ts":5,"actor":null,)"
                                  R"("subject":"user:ana","erased":["actor","message"],)"
                                  R"("alarm_id":"a1","severity":"info","source":"x",)"
                                  R"("message":null})"));
  EXPECT_THAT(exported, HasSubstr(R"({"type":"subject_forgotten","seq":2,)"));
  run(cli + " verify");
  {
    std::ofstream f(out);
    f << exported;
  }
  const std::string copy = AnnalCli() + " --db " + dir.Sub("copy");
  run(copy + " import " + out);
  EXPECT_THAT(run(copy + " export"), Not(HasSubstr("Ana")));
}

// An event of your own's personal fields, declared so: sealed like the
// built-ins' and erased by the same forget; a personal field must be a str,
// and a declaration cannot make a field personal later.
TEST(Erasure, DeclaredPersonalFieldsAreSealedAndErased) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  const EventTypeDeclared signup{"signup.done", 1,
                                 "email:str:personal,plan:str,ref:str?"};
  ASSERT_EQ(ParseFieldList(signup.fields)->at(0).personal, true);
  DeclaredEvent ev{"signup.done",
                   {{"email", std::string("ana.lindqvist@example.org")},
                    {"plan", std::string("pro")}}};
  ASSERT_TRUE(Put(*e, {signup, Of("user:ana", ev)}).ok());
  auto log = LoggedEvents(*e);
  ASSERT_EQ(std::get<DeclaredEvent>(log[1].event.body).fields.at(0).second,
            Value{std::string("ana.lindqvist@example.org")});
  ASSERT_TRUE(e->Forget("user:ana").ok());
  log = LoggedEvents(*e);
  const auto& erased = std::get<DeclaredEvent>(log[1].event.body);
  ASSERT_EQ(erased.fields.size(), 1u);  // email erased: absent
  EXPECT_EQ(erased.fields.at(0).first, "plan");
  EXPECT_EQ(log[1].event.erased, std::vector<std::string>{"email"});
  std::string line;
  AppendJson(line, log[1].event, log[1].seq);
  EXPECT_THAT(line, HasSubstr(R"("plan":"pro","email":null)"));
  EXPECT_TRUE(e->Verify()->identical());
  e.reset();
  EXPECT_THAT(AllBytes(dir.path()), Not(HasSubstr("lindqvist@example")));

  e = MustOpen(dir.path());
  auto r = Put(*e, {EventTypeDeclared{"x.y", 1, "n:int:personal"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("only a str field may be"));
  r = Put(*e, {EventTypeDeclared{"signup.done", 2,
                                 "email:str:personal,plan:str:personal,ref:str?"}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("field \"plan\" becomes personal"));
}

// A store written before erasure has no subject_keys sub-database: a
// read-only open (an auditor's copy) reads it as before; a writer adds it.
TEST(Erasure, AStoreWithoutKeysOpensReadOnly) {
  TempDir dir;
  {
    auto e = MustOpen(dir.path());
    ASSERT_TRUE(Put(*e, Stream()).ok());
  }
  {  // drop the sub-database, as an older annal never made it
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 256);
    ASSERT_EQ(mdb_env_open(env, dir.path().c_str(), 0, 0600), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi keys;
    ASSERT_EQ(mdb_dbi_open(txn, "subject_keys", 0, &keys), 0);
    ASSERT_EQ(mdb_drop(txn, keys, 1), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  Options ro;
  ro.read_only = true;
  auto reader = MustOpen(dir.path(), ro);
  auto log = LoggedEvents(*reader);
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log[0].event.erased, std::vector<std::string>{"actor"});  // no key
  EXPECT_EQ(log[4].event.actor, "system");
  EXPECT_TRUE(reader->Read()->Alarms().ok());
  auto as_of = reader->ReadAsOf(3);
  EXPECT_TRUE(as_of.ok()) << as_of.status().ToString();
}

}  // namespace
}  // namespace annal::testing
