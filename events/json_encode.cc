#include "annal/jsonl.h"
#include "events/json_writer.h"

namespace annal {
namespace internal {

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace internal

using internal::JsonObject;

void AppendJson(std::string& out, const Event& ev, std::optional<uint64_t> seq) {
  JsonObject o(out);
  o.Field("type", ev.type());
  o.FieldIfSet("seq", seq);
  o.FieldIfSet("ts", ev.ts);
  o.FieldIfSet("actor", ev.actor);
  std::visit(
      [&](const auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, OptString> || std::is_same_v<V, OptTime>) {
            o.FieldIfSet(name, v);
          } else {
            o.Field(name, v);
          }
        });
      },
      ev.body);
}

std::string ToJson(const LoggedEvent& ev) {
  std::string out;
  AppendJson(out, ev.event, ev.seq);
  return out;
}

void AppendJson(std::string& out, const ActiveTaskRow& r) {
  JsonObject o(out);
  o.Field("task_id", r.task_id), o.Field("name", r.name), o.Field("status", r.status);
  o.Field("step", r.step), o.Field("next_wake_time", r.next_wake_time);
  o.Field("updated_at", r.updated_at);
}
void AppendJson(std::string& out, const ScheduleRow& r) {
  JsonObject o(out);
  o.Field("schedule_id", r.schedule_id), o.Field("name", r.name), o.Field("spec", r.spec);
  o.Field("next_run_at", r.next_run_at), o.Field("last_run_at", r.last_run_at);
  o.Field("missed_runs", r.missed_runs);
}
void AppendJson(std::string& out, const WatcherRow& r) {
  JsonObject o(out);
  o.Field("watcher_id", r.watcher_id), o.Field("name", r.name),
      o.Field("enabled", r.enabled);
  o.Field("last_tick_at", r.last_tick_at), o.Field("last_outcome", r.last_outcome);
  o.Field("suppression_count", r.suppression_count);
}
void AppendJson(std::string& out, const RuleRow& r) {
  JsonObject o(out);
  o.Field("rule_id", r.rule_id), o.Field("name", r.name), o.Field("enabled", r.enabled);
  o.Field("hit_count", r.hit_count), o.Field("last_hit_at", r.last_hit_at);
  o.Field("last_suppression_reason", r.last_suppression_reason);
}
void AppendJson(std::string& out, const IntegrationRow& r) {
  JsonObject o(out);
  o.Field("integration_id", r.integration_id), o.Field("name", r.name);
  o.Field("health", r.health), o.Field("auth_status", r.auth_status);
  o.Field("last_success_at", r.last_success_at), o.Field("last_error", r.last_error);
  o.Field("last_error_at", r.last_error_at);
  o.Field("consecutive_failures", r.consecutive_failures);
  o.Field("rate_limit_remaining", r.rate_limit_remaining);
  o.Field("rate_limit_reset_at", r.rate_limit_reset_at);
}
void AppendJson(std::string& out, const ApprovalRow& r) {
  JsonObject o(out);
  o.Field("approval_id", r.approval_id), o.Field("task_id", r.task_id);
  o.Field("action", r.action), o.Field("context", r.context);
  o.Field("requested_at", r.requested_at), o.Field("expires_at", r.expires_at);
}
void AppendJson(std::string& out, const QueueDepthRow& r) {
  JsonObject o(out);
  o.Field("runnable_tasks", r.runnable_tasks),
      o.Field("schedule_backlog", r.schedule_backlog);
  o.Field("tool_queue_depth", r.tool_queue_depth);
}
void AppendJson(std::string& out, const AutonomyCurrentRow& r) {
  JsonObject o(out);
  o.Field("level", r.level), o.Field("since", r.since);
}
void AppendJson(std::string& out, const AutonomyChangeRow& r) {
  JsonObject o(out);
  o.Field("seq", r.seq), o.Field("ts", r.ts), o.Field("from_level", r.from_level);
  o.Field("to_level", r.to_level), o.Field("reason", r.reason), o.Field("actor", r.actor);
}
void AppendJson(std::string& out, const AlarmRow& r) {
  JsonObject o(out);
  o.Field("alarm_id", r.alarm_id), o.Field("severity", r.severity);
  o.Field("source", r.source), o.Field("message", r.message), o.Field("state", r.state);
  o.Field("raised_at", r.raised_at), o.Field("acked_at", r.acked_at);
  o.Field("resolved_at", r.resolved_at);
}

}  // namespace annal
