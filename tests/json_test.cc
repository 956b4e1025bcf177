// The JSONL codec: every event type round-trips; malformed, unknown, missing,
// mistyped, duplicate and out-of-range input is refused with a message
// naming the field.
#include <gmock/gmock.h>

#include <set>

#include "annal/jsonl.h"
#include "annal/workload.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using ::testing::HasSubstr;

std::string DecodeError(std::string_view line) {
  JsonDecoder d;
  auto r = d.Decode(line);
  EXPECT_FALSE(r.ok()) << line;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidInput);
  return r.status().message();
}

TEST(Json, EveryGeneratedEventRoundTrips) {
  Workload w({.seed = 7});
  JsonDecoder d;
  std::set<std::string_view> types;
  for (int i = 0; i < 20000; ++i) {
    Event ev = w.Next();
    std::string line;
    AppendJson(line, ev);
    auto back = d.Decode(line);
    ASSERT_TRUE(back.ok()) << line << ": " << back.status().ToString();
    EXPECT_EQ(*back, ev) << line;
    types.insert(ev.type());
  }
  // Every built-in type; events of your own (EventTypeDeclared,
  // DeclaredEvent) need a declaration: tests/declared_events_test.cc; a
  // SubjectForgotten is no part of a runtime's flow: tests/erasure_test.cc.
  EXPECT_EQ(types.size(), std::variant_size_v<EventBody> - 3)
      << "the generator covers every built-in type";
}

TEST(Json, OptionalFieldsMayBeAbsentOrNull) {
  JsonDecoder d;
  auto a = d.Decode(R"({"type":"task_created","task_id":"t","name":"n"})");
  auto b = d.Decode(
      R"({"type":"task_created","task_id":"t","name":"n","step":null,"ts":null,"actor":null})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(a->ts.has_value());
  auto c =
      d.Decode(R"({"type":"schedule_created","schedule_id":"s","name":"n","spec":"x"})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(std::get<ScheduleCreated>(c->body).enabled) << "enabled defaults to true";
  auto e = d.Decode(
      R"({"type":"watcher_created","watcher_id":"w","name":"n","enabled":false})");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(std::get<WatcherCreated>(e->body).enabled);
}

TEST(Json, SeqIsIgnoredOnImport) {
  JsonDecoder d;
  auto a = d.Decode(R"({"type":"rule_hit","seq":42,"ts":5,"actor":"me","rule_id":"r"})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a->ts, 5);
  EXPECT_EQ(*a->actor, "me");
}

TEST(Json, ExportPrintsSeqAndOmitsAbsentOptionals) {
  LoggedEvent ev{7, At(9, TaskCreated{"t", "n"})};
  EXPECT_EQ(ToJson(ev),
            R"({"type":"task_created","seq":7,"ts":9,"task_id":"t","name":"n"})");
}

TEST(Json, StringsAreEscaped) {
  Event ev = At(1, TaskCreated{"t\"\\\n\x01", "é"});
  std::string line;
  AppendJson(line, ev);
  EXPECT_EQ(line,
            "{\"type\":\"task_created\",\"ts\":1,\"task_id\":\"t\\\"\\\\\\n\\u0001\","
            "\"name\":\"é\"}");
  JsonDecoder d;
  auto back = d.Decode(line);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ev);
}

TEST(Json, Refusals) {
  EXPECT_THAT(DecodeError("{"), HasSubstr("malformed JSON"));
  EXPECT_THAT(DecodeError("[1,2]"),
              HasSubstr("is a JSON array; JSONL is one event object"));
  EXPECT_THAT(DecodeError("\"task_created\""), HasSubstr("must be a JSON object"));
  EXPECT_THAT(DecodeError(R"({"task_id":"t"})"),
              HasSubstr("missing required field \"type\""));
  // A type that could be one of your own decodes (the validator says
  // whether it is declared); one that could not is refused here.
  EXPECT_THAT(DecodeError(R"({"type":"Task-Exploded","task_id":"t"})"),
              HasSubstr("unknown event type \"Task-Exploded\""));
  EXPECT_THAT(
      DecodeError(R"({"type":"task_created","task_id":"t","name":"n","colour":"red"})"),
      HasSubstr("unknown field \"colour\" for task_created"));
  // A name's control characters are escaped: a CR would rewrite the line.
  EXPECT_THAT(DecodeError(R"({"type":"alarm_acked","alarm_id":"a","\r\n":null})"),
              HasSubstr("unknown field \"\\x0d\\x0a\" for alarm_acked"));
  EXPECT_THAT(DecodeError(R"({"type":"task_created","task_id":"t"})"),
              HasSubstr("missing required field \"name\""));
  EXPECT_THAT(DecodeError(R"({"type":"task_created","task_id":"t","name":null})"),
              HasSubstr("missing required field \"name\""));
  EXPECT_THAT(DecodeError(R"({"type":"task_created","task_id":7,"name":"n"})"),
              HasSubstr("field \"task_id\" must be a string"));
  EXPECT_THAT(
      DecodeError(R"({"type":"task_created","task_id":"t","name":"n","ts":"now"})"),
      HasSubstr("field \"ts\" must be an integer"));
  EXPECT_THAT(DecodeError(R"({"type":"task_created","task_id":"t","name":"n","ts":1.5})"),
              HasSubstr("field \"ts\" must be an integer"));
  EXPECT_THAT(
      DecodeError(
          R"({"type":"task_created","task_id":"t","name":"n","ts":18446744073709551615})"),
      HasSubstr("field \"ts\" is out of range"));
  EXPECT_THAT(
      DecodeError(R"({"type":"task_created","task_id":"t","name":"n","actor":{}})"),
      HasSubstr("field \"actor\" must be a string"));
  EXPECT_THAT(
      DecodeError(R"({"type":"task_status_changed","task_id":"t","status":"sleeping"})"),
      HasSubstr("field \"status\" must be one of queued, running, paused, succeeded, "
                "failed, cancelled"));
  EXPECT_THAT(
      DecodeError(R"({"type":"tool_call_finished","call_id":"c","outcome":"maybe"})"),
      HasSubstr("field \"outcome\" must be one of ok, error"));
  EXPECT_THAT(DecodeError(R"({"type":"watcher_ticked","watcher_id":"w","outcome":1})"),
              HasSubstr("field \"outcome\" must be one of"));
  EXPECT_THAT(
      DecodeError(
          R"({"type":"integration_auth_changed","integration_id":"i","auth_status":"meh"})"),
      HasSubstr("field \"auth_status\" must be one of"));
  EXPECT_THAT(
      DecodeError(
          R"({"type":"alarm_raised","alarm_id":"a","severity":"doom","source":"s","message":"m"})"),
      HasSubstr("field \"severity\" must be one of info, warning, critical"));
  EXPECT_THAT(
      DecodeError(
          R"({"type":"watcher_created","watcher_id":"w","name":"n","enabled":"yes"})"),
      HasSubstr("field \"enabled\" must be true or false"));
  EXPECT_THAT(DecodeError(R"({"type":"rule_hit","rule_id":"r","rule_id":"s"})"),
              HasSubstr("duplicate field \"rule_id\""));
  EXPECT_THAT(DecodeError("{\"type\":\"rule_hit\",\"rule_id\":\"\xff\"}"),
              HasSubstr("UTF-8"));
  EXPECT_THAT(DecodeError(R"({"type":"autonomy_level_changed","level":"3"})"),
              HasSubstr("field \"level\" must be an integer"));
}

}  // namespace
}  // namespace annal::testing
