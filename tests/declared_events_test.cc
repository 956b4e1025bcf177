// Events of your own (issue 25; docs/events.md, "Events of your own"): a
// declaration is an event in the log; events of the declared type are
// checked at the front door against it, logged in the same chain, exported,
// imported and rebuilt byte for byte; a declaration is extended by optional
// fields, never narrowed.
#include <gmock/gmock.h>

#include <fstream>

#include "annal/jsonl.h"
#include "annal/projection.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

const EventTypeDeclared kBudgetV1{"budget.exceeded", 1,
                                  "amount:float,currency:str,team_id:str,note:str?"};

DeclaredEvent Budget(double amount, std::string note = "") {
  DeclaredEvent e{"budget.exceeded",
                  {{"amount", amount},
                   {"currency", std::string("EUR")},
                   {"team_id", std::string("t1")}}};
  if (!note.empty()) e.fields.insert(e.fields.begin() + 2, {"note", note});
  return e;
}

Result<AppendReceipt> Put(Engine& e, std::vector<Event> batch) { return e.Append(batch); }

std::string AppendError(Engine& e, std::vector<Event> batch) {
  auto r = e.Append(batch);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kRejected) << r.status().ToString();
  return r.status().message();
}

TEST(DeclaredEvents, ADeclarationThenItsEventsInOneBatchAreLoggedAsGiven) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  Event ev = Budget(12.5, "over by a bit");
  ev.actor = "operator:ana";
  ev.ts = 1'700'000'000'000'000;
  ASSERT_TRUE(Put(*e, {kBudgetV1, ev}).ok());
  auto log = LoggedEvents(*e);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(std::get<EventTypeDeclared>(log[0].event.body), kBudgetV1);
  std::get<DeclaredEvent>(ev.body).version = 1;  // stamped at append
  EXPECT_EQ(log[1].event, ev);
  EXPECT_EQ(log[1].event.type(), "budget.exceeded");
  auto types = e->Read()->EventTypes();
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(*types, std::vector<EventTypeDeclared>{kBudgetV1});
  EXPECT_TRUE(e->Verify()->identical());
}

TEST(DeclaredEvents, AFloatFieldGivenAnIntIsLoggedAsAFloat) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  DeclaredEvent given = Budget(0);
  given.fields[0].second = int64_t{7};
  ASSERT_TRUE(Put(*e, {kBudgetV1, given}).ok());
  DeclaredEvent expected = Budget(7.0);
  expected.version = 1;
  EXPECT_EQ(std::get<DeclaredEvent>(LoggedEvents(*e)[1].event.body), expected);
}

TEST(DeclaredEvents, BadEventsAreRefusedNamingTheFieldAndTheRule) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  EXPECT_THAT(AppendError(*e, {Budget(1)}),
              HasSubstr("event 0 (budget.exceeded): event type \"budget.exceeded\" is "
                        "neither built in nor declared"));
  ASSERT_TRUE(Put(*e, {kBudgetV1}).ok());
  DeclaredEvent unknown = Budget(1);
  unknown.fields.emplace_back("zzz", int64_t{1});
  EXPECT_THAT(AppendError(*e, {Budget(2), unknown}),
              HasSubstr("event 1 (budget.exceeded): field \"zzz\" is not declared"));
  DeclaredEvent mistyped = Budget(1);
  mistyped.fields[1].second = int64_t{3};
  EXPECT_THAT(AppendError(*e, {mistyped}),
              HasSubstr("field \"currency\" must be a str, not an int"));
  DeclaredEvent missing{"budget.exceeded", {{"amount", 1.0}}};
  EXPECT_THAT(AppendError(*e, {missing}),
              HasSubstr("missing required field \"currency\""));
  DeclaredEvent unordered = Budget(1);
  std::swap(unordered.fields[0], unordered.fields[1]);
  EXPECT_THAT(AppendError(*e, {unordered}), HasSubstr("in name order"));
  DeclaredEvent null = Budget(1);
  null.fields.insert(null.fields.begin() + 2, {"note", std::monostate{}});
  EXPECT_THAT(AppendError(*e, {null}), HasSubstr("field \"note\" is null"));
  // Nothing of a refused batch was written.
  EXPECT_EQ(LoggedEvents(*e).size(), 1u);
}

TEST(DeclaredEvents, ADeclarationIsExtendedByOptionalFieldsAndNeverNarrowed) {
  TempDir dir;
  auto e = MustOpen(dir.path());
  ASSERT_TRUE(Put(*e, {kBudgetV1}).ok());
  ASSERT_TRUE(Put(*e, {kBudgetV1}).ok()) << "the same declaration again: no change";
  auto refused = [&](int64_t version, std::string fields) {
    return AppendError(*e, {EventTypeDeclared{"budget.exceeded", version, fields}});
  };
  const std::string v1 = kBudgetV1.fields;
  EXPECT_THAT(refused(1, v1 + ",extra:int?"), HasSubstr("already at version 1"));
  EXPECT_THAT(refused(3, v1 + ",extra:int?"), HasSubstr("the next is 2"));
  EXPECT_THAT(refused(2, v1 + ",extra:int"),
              HasSubstr("new field \"extra\" is required"));
  EXPECT_THAT(refused(2, "amount:int,currency:str,team_id:str,note:str?,extra:int?"),
              HasSubstr("field \"amount\" changes type from float to int"));
  EXPECT_THAT(refused(2, "amount:float,currency:str,team_id:str"),
              HasSubstr("drops field \"note\""));
  EXPECT_THAT(refused(2, "currency:str,amount:float,team_id:str,note:str?,x:int?"),
              HasSubstr("renamed or moved"));
  EXPECT_THAT(refused(2, v1), HasSubstr("adds no field"));
  EXPECT_THAT(AppendError(*e, {EventTypeDeclared{"other", 2, "a:int"}}),
              HasSubstr("its first version is 1"));
  EXPECT_THAT(AppendError(*e, {EventTypeDeclared{"task_created", 1, "a:int"}}),
              HasSubstr("is a built-in event type"));
  EXPECT_THAT(AppendError(*e, {EventTypeDeclared{"x", 1, "a:int, b:str"}}),
              HasSubstr("\" b\" is not"));
  EXPECT_THAT(AppendError(*e, {EventTypeDeclared{"x", 1, "a:int,a:str"}}),
              HasSubstr("declared twice"));
  EXPECT_THAT(AppendError(*e, {EventTypeDeclared{"x", 1, "ts:int"}}),
              HasSubstr("envelope field"));

  const EventTypeDeclared v2{"budget.exceeded", 2, v1 + ",approved_by:str?"};
  DeclaredEvent later = Budget(3);
  later.fields.insert(later.fields.begin() + 1, {"approved_by", std::string("bo")});
  ASSERT_TRUE(Put(*e, {Budget(1), v2, later, Budget(2)}).ok());
  EXPECT_EQ(e->Read()->EventTypes()->at(0), v2);
  // Each event is stamped with the version it was checked against.
  auto log = LoggedEvents(*e);
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(std::get<DeclaredEvent>(log[2].event.body).version, 1);
  EXPECT_EQ(std::get<DeclaredEvent>(log[4].event.body).version, 2);
  EXPECT_EQ(std::get<DeclaredEvent>(log[5].event.body).version, 2);
  DeclaredEvent stale = Budget(4);
  stale.version = 1;
  EXPECT_THAT(AppendError(*e, {stale}),
              HasSubstr("checked against version 1, not the current one"));
  EXPECT_TRUE(e->Verify()->identical()) << "a rebuild sees each version in its order";
}

// The CLI: import and export the JSONL form; the export of one store,
// imported into another, gives the same log (the same chain head).
TEST(DeclaredEvents, JsonlRoundTripsThroughImportAndExport) {
  TempDir dir;
  const std::string input = dir.Sub("in.jsonl");
  {
    std::ofstream f(input);
    f << R"({"type":"event_type_declared","name":"budget.exceeded","version":1,)"
         R"("fields":"amount:float,currency:str,team_id:str,note:str?"})"
      << "\n"
      << R"({"type":"budget.exceeded","ts":5,"amount":12,"currency":"EUR",)"
         R"("team_id":"t1","note":null})"
      << "\n"
      << R"({"type":"budget.exceeded","ts":6,"actor":"ana","team_id":"t2",)"
         R"("currency":"USD","amount":0.25,"note":"x\ny"})"
      << "\n";
  }
  const std::string a = dir.Sub("a"), b = dir.Sub("b");
  auto run = [](const std::string& cmd) {
    auto r = RunShell(cmd + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.out;
    return r.out;
  };
  run(AnnalCli() + " --db " + a + " import " + input);
  const std::string exported = run(AnnalCli() + " --db " + a + " export");
  EXPECT_THAT(exported, HasSubstr(R"({"type":"budget.exceeded","seq":2,"ts":5,)"
                                  R"("amount":12.0,"currency":"EUR","team_id":"t1"})"));
  EXPECT_THAT(exported, HasSubstr(R"("actor":"ana","amount":0.25,"currency":"USD",)"
                                  R"("note":"x\ny","team_id":"t2"})"));
  {
    std::ofstream f(dir.Sub("out.jsonl"));
    f << exported;
  }
  run(AnnalCli() + " --db " + b + " import " + dir.Sub("out.jsonl"));
  EXPECT_EQ(run(AnnalCli() + " --db " + b + " export"), exported);
  const std::string head_a = run(AnnalCli() + " --db " + a + " verify --log-only");
  EXPECT_EQ(run(AnnalCli() + " --db " + b + " verify --log-only"), head_a);
}

TEST(DeclaredEvents, ImportOfAnUndeclaredTypeNamesTheLine) {
  TempDir dir;
  const std::string input = dir.Sub("in.jsonl");
  {
    std::ofstream f(input);
    f << R"({"type":"budget.exceeded","amount":1.5})"
      << "\n";
  }
  auto r = RunShell(AnnalCli() + " --db " + dir.Sub("s") + " import " + input + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("line 1: "));
  EXPECT_THAT(r.out, HasSubstr("neither built in nor declared"));
}

// A projection of your own reads events of your own.
class BudgetTotals : public Projection {
 public:
  std::string name() const override { return "budget_totals"; }
  uint32_t version() const override { return 1; }
  std::vector<TableSpec> tables() const override {
    return {{"teams",
             {{"team_id", FieldType::kStr, false}},
             {{"total", FieldType::kFloat, false}},
             {}}};
  }
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    auto* d = std::get_if<DeclaredEvent>(&ev.event.body);
    if (!d || d->type != "budget.exceeded") return;
    std::string team;
    double amount = 0;
    for (const auto& [name, value] : d->fields) {
      if (name == "team_id") team = std::get<std::string>(value);
      if (name == "amount") amount = std::get<double>(value);
    }
    double total = 0;
    if (auto row = tx.Get("teams", {team})) total = std::get<double>(row->at(0));
    tx.Put("teams", {team}, {total + amount});
  }
};

TEST(DeclaredEvents, AProjectionOfYourOwnReadsThem) {
  TempDir dir;
  Options o;
  o.projections = {std::make_shared<BudgetTotals>()};
  auto e = MustOpen(dir.path(), o);
  ASSERT_TRUE(Put(*e, {kBudgetV1, Budget(1.5), Budget(2.25)}).ok());
  auto rows = e->Read()->TableRows("budget_totals");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<double>(rows->rows.at(0).fields.at(0)), 3.75);
  EXPECT_TRUE(e->Verify()->identical());
}

}  // namespace
}  // namespace annal::testing

namespace annal::testing {
namespace {

TEST(DeclaredEvents, SchemaAddDeclaresOnceAndListPrintsTheDocument) {
  TempDir dir;
  const std::string file = dir.Sub("types.json"), db = dir.Sub("s");
  {
    std::ofstream f(file);
    f << R"([{"name":"budget.exceeded","fields":[{"name":"amount","type":"float"},)"
         R"({"name":"note","type":"str","optional":true}]},)"
         R"({"name":"deploy.done","version":1,"fields":[]}])";
  }
  auto add = RunShell(AnnalCli() + " --db " + db + " schema add " + file + " 2>&1");
  EXPECT_EQ(add.exit_code, 0) << add.out;
  EXPECT_THAT(add.out, HasSubstr("budget.exceeded version 1: declared"));
  auto again = RunShell(AnnalCli() + " --db " + db + " schema add " + file + " 2>&1");
  EXPECT_THAT(again.out, HasSubstr("budget.exceeded version 1: unchanged"));
  auto list = RunShell(AnnalCli() + " --db " + db + " schema list");
  EXPECT_EQ(list.out,
            R"({"name":"budget.exceeded","version":1,"fields":[{"name":"amount",)"
            R"("type":"float","optional":false},{"name":"note","type":"str",)"
            R"("optional":true}]})"
            "\n"
            R"({"name":"deploy.done","version":1,"fields":[]})"
            "\n");
  {
    std::ofstream f(file);
    f << R"({"name":"budget.exceeded","version":2,"fields":[{"name":"amount","type":"float"}]})";
  }
  auto narrower = RunShell(AnnalCli() + " --db " + db + " schema add " + file + " 2>&1");
  EXPECT_EQ(narrower.exit_code, 1);
  EXPECT_THAT(narrower.out, HasSubstr("drops field \"note\""));
  {
    std::ofstream f(file);
    f << R"({"name":"x","fields":[{"name":"a","type":"date"}]})";
  }
  auto bad = RunShell(AnnalCli() + " --db " + db + " schema add " + file + " 2>&1");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out,
              HasSubstr("\"type\" must be int, str, bool or float, not \"date\""));
}

// The same declarations in YAML: the same rules, the same store.
TEST(DeclaredEvents, SchemaAddReadsYaml) {
  TempDir dir;
  const std::string yaml = dir.Sub("types.yaml"), json = dir.Sub("types.json");
  {
    std::ofstream f(yaml);
    f << "# our deploys\n"
         "- name: deploy.done\n"
         "  version: 1\n"
         "  fields:\n"
         "    - {name: service, type: str}\n"
         "    - name: region\n"
         "      type: str\n"
         "      optional: true\n";
  }
  {
    std::ofstream f(json);
    f << R"([{"name":"deploy.done","version":1,"fields":[{"name":"service","type":"str"},)"
         R"({"name":"region","type":"str","optional":true}]}])";
  }
  auto add_and_list = [&](const std::string& db, const std::string& file) {
    return RunShell(AnnalCli() + " --db " + db + " schema add " + file + " 2>&1 && " +
                    AnnalCli() + " --db " + db + " schema list");
  };
  auto from_yaml = add_and_list(dir.Sub("y"), yaml);
  auto from_json = add_and_list(dir.Sub("j"), json);
  EXPECT_EQ(from_yaml.exit_code, 0) << from_yaml.out;
  EXPECT_EQ(from_yaml.out, from_json.out);
  {
    std::ofstream f(yaml);
    f << "- name: [unclosed\n";
  }
  auto bad =
      RunShell(AnnalCli() + " --db " + dir.Sub("y") + " schema add " + yaml + " 2>&1");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("malformed YAML"));
}

}  // namespace
}  // namespace annal::testing
