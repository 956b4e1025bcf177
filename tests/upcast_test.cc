// Upcasting (issue 25; docs/events.md, "Evolution"): a store written with
// shape v1 of a type, opened by a binary with v2 and an upcaster, projects
// what the same stream written natively as v2 projects; the log keeps the
// bytes as written (ScanLog's as-written view, `export --as-written`) and
// its chain verifies; a change to the upcasters rebuilds the projections.
#include <gmock/gmock.h>

#include <fstream>

#include "annal/jsonl.h"
#include "annal/projection.h"
#include "tests/budget_upcaster.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

const EventTypeDeclared kV1{"budget.exceeded", 1,
                            "amount:float,currency:str,team_id:str,note:str?"};
// Shape 2 renames and retypes `amount` and drops `note`: narrower than v1,
// admitted only with an upcaster from version 1.
const EventTypeDeclared kV2{"budget.exceeded", 2,
                            "amount_cents:int,currency:str,team_id:str"};

DeclaredEvent V1(std::string team, double amount, std::string note = "") {
  DeclaredEvent e{"budget.exceeded",
                  {{"amount", amount},
                   {"currency", std::string("EUR")},
                   {"team_id", std::move(team)}}};
  if (!note.empty()) e.fields.insert(e.fields.begin() + 2, {"note", note});
  return e;
}

DeclaredEvent V2(std::string team, int64_t cents) {
  return DeclaredEvent{"budget.exceeded",
                       {{"amount_cents", cents},
                        {"currency", std::string("EUR")},
                        {"team_id", std::move(team)}}};
}

// Reads shape 2 only: a v1 event reaching it would throw.
class BudgetCents : public Projection {
 public:
  std::string name() const override { return "budget_cents"; }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {{"teams",
             {{"team_id", FieldType::kStr, false}},
             {{"cents", FieldType::kInt, false}, {"events", FieldType::kInt, false}},
             {}}};
  }
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    auto* d = std::get_if<DeclaredEvent>(&ev.event.body);
    if (!d) return;
    if (d->version != 2) throw std::runtime_error("not shape 2");
    std::string team;
    int64_t cents = 0;
    for (const auto& [name, value] : d->fields) {
      if (name == "team_id") team = std::get<std::string>(value);
      if (name == "amount_cents") cents = std::get<int64_t>(value);
    }
    int64_t total = 0, events = 0;
    if (auto row = tx.Get("teams", {team})) {
      total = std::get<int64_t>(row->at(0));
      events = std::get<int64_t>(row->at(1));
    }
    tx.Put("teams", {team}, {total + cents, events + 1});
  }
};

Options WithV2(uint32_t version = 1, double scale = 100) {
  Options o;
  o.projections = {std::make_shared<BudgetCents>()};
  o.upcasters = {BudgetUpcaster(version, scale)};
  return o;
}

uint64_t Fingerprint(const Engine& e, const std::string& projection) {
  auto f = e.Read()->ProjectionFingerprints();
  EXPECT_TRUE(f.ok());
  for (const auto& [name, value] : *f) {
    if (name == projection) return value;
  }
  ADD_FAILURE() << "no fingerprint of " << projection;
  return 0;
}

Result<AppendReceipt> Put(Engine& e, std::vector<Event> batch) { return e.Append(batch); }

// Written by the old binary: v1 and three events of it.
void WriteV1(const std::string& dir) {
  auto e = MustOpen(dir);
  Event first = V1("t1", 12.5, "over by a bit");
  first.actor = "operator:ana";
  ASSERT_TRUE(Put(*e, {kV1, first, V1("t2", 0.25), V1("t1", 1)}).ok());
}

TEST(Upcast, AStoreWrittenInV1ProjectsWhatTheSameStreamWrittenInV2Does) {
  TempDir dir;
  const std::string old_store = dir.Sub("old"), native = dir.Sub("native");
  WriteV1(old_store);
  {
    // The new binary: v2, its upcaster, a projection that reads v2 only.
    auto e = MustOpen(old_store, WithV2());
    ASSERT_TRUE(Put(*e, {kV2, V2("t2", 300), V2("t3", 7)}).ok());
  }
  {
    auto e = MustOpen(native, WithV2());
    Event first = V2("t1", 1250);
    first.actor = "operator:ana";
    ASSERT_TRUE(Put(*e, {kV1, kV2, first, V2("t2", 25), V2("t1", 100), V2("t2", 300),
                         V2("t3", 7)})
                    .ok());
  }
  auto old_e = MustOpen(old_store, WithV2());
  auto native_e = MustOpen(native, WithV2());
  EXPECT_EQ(Fingerprint(*old_e, "budget_cents"), Fingerprint(*native_e, "budget_cents"));
  auto rows = old_e->Read()->TableRows("budget_cents");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(rows->rows[0].fields, (Values{int64_t{1350}, int64_t{2}}));  // t1
  EXPECT_EQ(rows->rows[1].fields, (Values{int64_t{325}, int64_t{2}}));   // t2

  // Read through the upcaster by default; as written on request.
  auto current = LoggedEvents(*old_e, Snapshot::LogView::kCurrent);
  auto written = LoggedEvents(*old_e, Snapshot::LogView::kAsWritten);
  ASSERT_EQ(current.size(), 7u);
  DeclaredEvent first_v2 = V2("t1", 1250);
  first_v2.version = 2;
  EXPECT_EQ(std::get<DeclaredEvent>(current[1].event.body), first_v2);
  EXPECT_EQ(current[1].event.actor, "operator:ana");
  DeclaredEvent first_v1 = V1("t1", 12.5, "over by a bit");
  first_v1.version = 1;
  EXPECT_EQ(std::get<DeclaredEvent>(written[1].event.body), first_v1);
  EXPECT_EQ(current[6].event, written[6].event);  // logged in v2: as it was

  // The chain and the projections verify; a rebuild gives the same bytes.
  auto report = old_e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
  const uint64_t before = Fingerprint(*old_e, "budget_cents");
  ASSERT_TRUE(old_e->Rebuild().ok());
  EXPECT_EQ(Fingerprint(*old_e, "budget_cents"), before);
}

TEST(Upcast, ANarrowerDeclarationNeedsAnUpcasterFromTheCurrentVersion) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  ASSERT_TRUE(Put(*e, {kV1}).ok());
  auto r = Put(*e, {kV2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kRejected);
  EXPECT_THAT(r.status().message(), HasSubstr("needs an upcaster from version 1"));
  // An upcaster from another version does not cover it.
  e.reset();
  Options o;
  o.upcasters = {BudgetUpcaster()};
  o.upcasters[0].from_shape = 2;
  e = MustOpen(dir.path(), o);
  EXPECT_FALSE(Put(*e, {kV2}).ok());
}

TEST(Upcast, AnotherUpcasterVersionRebuildsTheProjectionsOnOpen) {
  TempDir dir;
  WriteV1(dir.path());
  {
    auto e = MustOpen(dir.path(), WithV2());
    auto rows = e->Read()->TableRows("budget_cents");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->rows[0].fields.at(0), Value{int64_t{1350}});
    auto recorded = e->Read()->RecordedProjections();
    EXPECT_FALSE(recorded->contains("upcast:budget.exceeded/1"));  // not a projection
  }
  // Version 2 of the transform counts in tenths: rebuilt on open.
  auto e = MustOpen(dir.path(), WithV2(2, 10));
  auto rows = e->Read()->TableRows("budget_cents");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows[0].fields.at(0), Value{int64_t{135}});
  EXPECT_TRUE(e->Verify()->identical());
  // A reader with the old version finds the projections stale, not wrong.
  e.reset();
  Options reader = WithV2();
  reader.read_only = true;
  auto r = MustOpen(dir.path(), reader);
  auto stale = r->Read()->TableRows("budget_cents");
  ASSERT_FALSE(stale.ok());
  EXPECT_THAT(stale.status().message(), HasSubstr("budget.exceeded/1 version 2 -> 1"));
}

TEST(Upcast, ATransformThatFailsIsNamedWithTheSeq) {
  TempDir dir;
  WriteV1(dir.path());
  Options o;
  o.upcasters = {BudgetUpcaster()};
  o.upcasters[0].transform = [](const Event& ev) -> Event {
    if (std::get<DeclaredEvent>(ev.body).fields.size() == 4)
      throw std::runtime_error("boom");
    return ev;
  };
  auto opened = Engine::Open(dir.path(), o);  // the rebuild on open replays seq 2
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kRejected);
  EXPECT_THAT(opened.status().message(),
              HasSubstr("upcaster budget.exceeded from shape 1 (version 1) failed on the "
                        "record at seq 2: boom"));
  o.read_only = true;
  auto reader = MustOpen(dir.path(), o);
  Status scan = reader->Read()->ScanLog(1, [](const LoggedEvent&) { return true; });
  EXPECT_EQ(scan.code(), Status::Code::kRejected);
  // One that changes the type is refused too.
  o.upcasters[0].transform = [](const Event&) -> Event { return AlarmAcked{"a1"}; };
  reader = MustOpen(dir.path(), o);
  scan = reader->Read()->ScanLog(1, [](const LoggedEvent&) { return true; });
  EXPECT_THAT(scan.message(), HasSubstr("an upcaster keeps the type"));
}

TEST(Upcast, TwoUpcastersOfOneShapeAreRefused) {
  TempDir dir;
  Options o;
  o.upcasters = {BudgetUpcaster(), BudgetUpcaster(2)};
  auto opened = Engine::Open(dir.path(), o);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kInvalidInput);
  EXPECT_THAT(opened.status().message(), HasSubstr("reads the shape another upcaster"));
}

// A built-in type through the same mechanism: alarm messages were once
// written without their source's prefix. Records logged before the upcaster
// are shape 1 and read upcast; those after it are stamped shape 2.
Upcaster AlarmPrefix() {
  return {"alarm_raised", 1, 1, [](const Event& in) {
            Event out = in;
            auto& a = std::get<AlarmRaised>(out.body);
            a.message = a.source + ": " + a.message;
            return out;
          }};
}

std::vector<std::string> AlarmMessages(const Engine& e) {
  std::vector<std::string> out;
  auto snap = e.Read();
  auto alarms = snap->Alarms();
  EXPECT_TRUE(alarms.ok());
  for (const auto& a : *alarms) out.push_back(std::string(a.message));
  return out;
}

TEST(Upcast, ABuiltInTypeEvolvesThroughTheSameMechanism) {
  TempDir dir;
  const std::string a = dir.Sub("a"), b = dir.Sub("b");
  {
    auto e = MustOpen(a);
    ASSERT_TRUE(
        Put(*e, {AlarmRaised{"a1", Severity::kWarning, "disk", "nearly full"}}).ok());
  }
  Options o;
  o.upcasters = {AlarmPrefix()};
  auto e = MustOpen(a, o);
  ASSERT_TRUE(Put(*e, {AlarmRaised{"a2", Severity::kCritical, "cpu", "cpu: hot"}}).ok());
  EXPECT_EQ(AlarmMessages(*e),
            (std::vector<std::string>{"disk: nearly full", "cpu: hot"}));
  auto written = LoggedEvents(*e, Snapshot::LogView::kAsWritten);
  EXPECT_EQ(written[0].event.shape, 1u);  // said outright: the type has others
  EXPECT_EQ(written[1].event.shape, 2u);  // stamped at append
  EXPECT_EQ(std::get<AlarmRaised>(written[0].event.body).message, "nearly full");
  EXPECT_TRUE(e->Verify()->identical());

  // The as-written JSONL, imported by a binary with the upcaster, is the
  // same log (the same chain head) and the same projections.
  const std::string jsonl = dir.Sub("a.jsonl");
  {
    std::ofstream f(jsonl);
    for (const LoggedEvent& ev : written) {
      std::string line;
      AppendJson(line, ev.event, ev.seq);
      f << line << "\n";
    }
  }
  {
    std::ifstream f(jsonl);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    EXPECT_THAT(text, HasSubstr(R"("shape":1,"alarm_id":"a1")"));
    EXPECT_THAT(text, HasSubstr(R"("shape":2,"alarm_id":"a2")"));
  }
  auto copy = MustOpen(b, o);
  JsonDecoder decoder;
  std::ifstream f(jsonl);
  for (std::string line; std::getline(f, line);) {
    auto ev = decoder.Decode(line);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    ASSERT_TRUE(Put(*copy, {*ev}).ok());
  }
  EXPECT_EQ(copy->VerifyLog()->head_hash, e->VerifyLog()->head_hash);
  EXPECT_EQ(AlarmMessages(*copy), AlarmMessages(*e));

  // A shape past the current one is refused; a binary without the upcaster
  // refuses shape 2 (it cannot read it).
  Event future = AlarmRaised{"a3", Severity::kInfo, "x", "y"};
  future.shape = 3;
  auto r = Put(*copy, {future});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("shape 3 of alarm_raised is newer"));
}

// The command line: a plugin's upcasters admit v2 and show v1 records in
// it; `export --as-written` shows them as logged; verify needs the plugin.
TEST(Upcast, TheCommandLineReadsThroughAPluginsUpcasters) {
  TempDir dir;
  const std::string db = dir.Sub("s"), in = dir.Sub("in.jsonl"), v2 = dir.Sub("v2.json");
  {
    std::ofstream f(in);
    f << R"({"type":"event_type_declared","name":"budget.exceeded","version":1,)"
         R"("fields":"amount:float,currency:str,team_id:str,note:str?"})"
      << "\n"
      << R"({"type":"budget.exceeded","ts":5,"amount":12.5,"currency":"EUR",)"
         R"("team_id":"t1","note":"n"})"
      << "\n";
    std::ofstream g(v2);
    g << R"({"name":"budget.exceeded","version":2,"fields":[)"
         R"({"name":"amount_cents","type":"int"},{"name":"currency","type":"str"},)"
         R"({"name":"team_id","type":"str"}]})";
  }
  const std::string cli = AnnalCli() + " --db " + db;
  const std::string with =
      AnnalCli() + " --plugin " + ANNAL_UPCAST_PLUGIN + " --db " + db;
  auto run = [](const std::string& cmd, int code = 0) {
    auto r = RunShell(cmd + " 2>&1");
    EXPECT_EQ(r.exit_code, code) << cmd << ": " << r.out;
    return r.out;
  };
  run(cli + " import " + in);
  EXPECT_THAT(run(cli + " schema add " + v2, 1), HasSubstr("needs an upcaster"));
  EXPECT_THAT(run(with + " schema add " + v2), HasSubstr("version 2: declared"));
  const std::string v1_line =
      R"({"type":"budget.exceeded","seq":2,"ts":5,"amount":12.5,"currency":"EUR",)"
      R"("note":"n","team_id":"t1"})";
  EXPECT_THAT(run(with + " export"),
              HasSubstr(R"({"type":"budget.exceeded","seq":2,"ts":5,"amount_cents":1250,)"
                        R"("currency":"EUR","team_id":"t1"})"));
  EXPECT_THAT(run(with + " export --as-written"), HasSubstr(v1_line));
  EXPECT_THAT(run(cli + " export"), HasSubstr(v1_line));  // no upcaster loaded
  EXPECT_THAT(run(with + " verify"), HasSubstr("identical"));
  // Without the plugin, the log holds a declaration it cannot admit.
  const std::string without = run(cli + " verify", 2);
  EXPECT_THAT(without, HasSubstr("log record at seq 3 breaks a rule on replay"));
  EXPECT_THAT(without, HasSubstr("needs an upcaster from version 1"));
}

}  // namespace
}  // namespace annal::testing
