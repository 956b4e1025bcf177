#include "tests/reference_model.h"

#include <simdjson.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace annal::testing {
namespace {

using simdjson::dom::object;

// A JSON row writer of our own, fields in the order the spec lists them.
class Row {
 public:
  Row& S(const char* k, const std::string& v) { return Key(k), Str(v), *this; }
  Row& S(const char* k, const std::optional<std::string>& v) {
    Key(k);
    if (v) {
      Str(*v);
    } else {
      out_ += "null";
    }
    return *this;
  }
  Row& I(const char* k, int64_t v) { return Key(k), out_ += std::to_string(v), *this; }
  Row& I(const char* k, const std::optional<int64_t>& v) {
    Key(k), out_ += v ? std::to_string(*v) : "null";
    return *this;
  }
  Row& B(const char* k, bool v) { return Key(k), out_ += v ? "true" : "false", *this; }
  std::string Done() { return out_ + "}\n"; }

 private:
  void Key(const char* k) {
    out_ += out_.size() > 1 ? "," : "";
    Str(k);
    out_ += ':';
  }
  void Str(const std::string& s) {
    out_ += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  std::string out_ = "{";
};

std::string Str(object o, const char* k) {
  std::string_view v;
  if (o[k].get_string().get(v)) return "";
  return std::string(v);
}
std::optional<std::string> OptStr(object o, const char* k) {
  std::string_view v;
  if (o[k].get_string().get(v)) return std::nullopt;
  return std::string(v);
}
int64_t Int(object o, const char* k) {
  int64_t v = 0;
  if (o[k].get_int64().get(v)) return 0;
  return v;
}
std::optional<int64_t> OptInt(object o, const char* k) {
  int64_t v;
  if (o[k].get_int64().get(v)) return std::nullopt;
  return v;
}
bool Bool(object o, const char* k, bool dflt) {
  bool v;
  if (o[k].get_bool().get(v)) return dflt;
  return v;
}

}  // namespace

bool ReferenceModel::Apply(std::string_view line, std::string* error) {
  static simdjson::dom::parser parser;
  object o;
  if (parser.parse(line.data(), line.size()).get_object().get(o)) {
    *error = "cannot parse: " + std::string(line);
    return false;
  }
  const std::string type = Str(o, "type");
  const int64_t ts = Int(o, "ts"), seq = Int(o, "seq");
  auto touch_task = [&](const std::string& id) -> Task& {
    Task& t = tasks_[id];
    t.updated_at = ts;
    return t;
  };
  if (type == "task_created") {
    Task& t = touch_task(Str(o, "task_id"));
    t.name = Str(o, "name");
    t.step = OptStr(o, "step");
  } else if (type == "task_status_changed") {
    Task& t = touch_task(Str(o, "task_id"));
    t.status = Str(o, "status");
    if (auto step = OptStr(o, "step")) t.step = step;
    t.wake = t.status == "paused" ? OptInt(o, "next_wake_time") : std::nullopt;
  } else if (type == "task_step_advanced") {
    touch_task(Str(o, "task_id")).step = Str(o, "step");
  } else if (type == "schedule_created") {
    Schedule& s = schedules_[Str(o, "schedule_id")];
    s.name = Str(o, "name"), s.spec = Str(o, "spec");
    s.enabled = Bool(o, "enabled", true);
    s.next_run_at = OptInt(o, "next_run_at");
  } else if (type == "schedule_enabled" || type == "schedule_disabled") {
    schedules_[Str(o, "schedule_id")].enabled = type == "schedule_enabled";
  } else if (type == "schedule_deleted") {
    Schedule& s = schedules_[Str(o, "schedule_id")];
    s.deleted = true, s.waiting = 0;
  } else if (type == "schedule_run_due") {
    ++schedules_[Str(o, "schedule_id")].waiting;
  } else if (type == "schedule_run_started" || type == "schedule_run_missed") {
    Schedule& s = schedules_[Str(o, "schedule_id")];
    --s.waiting;
    if (auto next = OptInt(o, "next_run_at")) s.next_run_at = next;
    if (type == "schedule_run_started") {
      s.last_run_at = ts;
    } else {
      ++s.missed;
    }
  } else if (type == "tool_call_queued") {
    calls_[Str(o, "call_id")] = "queued";
  } else if (type == "tool_call_started") {
    calls_[Str(o, "call_id")] = "started";
  } else if (type == "tool_call_finished") {
    calls_[Str(o, "call_id")] = "finished";
  } else if (type == "watcher_created") {
    Watcher& w = watchers_[Str(o, "watcher_id")];
    w.name = Str(o, "name"), w.enabled = Bool(o, "enabled", true);
  } else if (type == "watcher_enabled" || type == "watcher_disabled") {
    watchers_[Str(o, "watcher_id")].enabled = type == "watcher_enabled";
  } else if (type == "watcher_deleted") {
    watchers_.erase(Str(o, "watcher_id"));
  } else if (type == "watcher_ticked") {
    Watcher& w = watchers_[Str(o, "watcher_id")];
    w.last_tick_at = ts, w.last_outcome = Str(o, "outcome");
    if (*w.last_outcome == "suppressed") ++w.suppressions;
  } else if (type == "rule_created") {
    Rule& r = rules_[Str(o, "rule_id")];
    r.name = Str(o, "name"), r.enabled = Bool(o, "enabled", true);
  } else if (type == "rule_enabled" || type == "rule_disabled") {
    rules_[Str(o, "rule_id")].enabled = type == "rule_enabled";
  } else if (type == "rule_deleted") {
    rules_.erase(Str(o, "rule_id"));
  } else if (type == "rule_hit") {
    Rule& r = rules_[Str(o, "rule_id")];
    ++r.hits, r.last_hit_at = ts;
  } else if (type == "rule_suppressed") {
    rules_[Str(o, "rule_id")].last_reason = Str(o, "reason");
  } else if (type == "integration_registered") {
    integrations_[Str(o, "integration_id")].name = Str(o, "name");
  } else if (type == "integration_succeeded") {
    Integration& i = integrations_[Str(o, "integration_id")];
    i.health = "healthy", i.failures = 0, i.last_success_at = ts;
  } else if (type == "integration_failed") {
    Integration& i = integrations_[Str(o, "integration_id")];
    ++i.failures;
    i.health = i.failures >= 3 ? "down" : "degraded";
    i.last_error = Str(o, "error"), i.last_error_at = ts;
  } else if (type == "integration_auth_changed") {
    integrations_[Str(o, "integration_id")].auth = Str(o, "auth_status");
  } else if (type == "integration_rate_limited") {
    Integration& i = integrations_[Str(o, "integration_id")];
    i.remaining = Int(o, "remaining"), i.reset_at = Int(o, "reset_at");
  } else if (type == "approval_requested") {
    approvals_[Str(o, "approval_id")] = {Str(o, "task_id"), Str(o, "action"),
                                         OptStr(o, "context"), ts, Int(o, "expires_at")};
  } else if (type == "approval_granted" || type == "approval_denied" ||
             type == "approval_expired") {
    approvals_.erase(Str(o, "approval_id"));
  } else if (type == "autonomy_level_changed") {
    int64_t to = Int(o, "level");
    changes_.push_back({seq, ts, level_, to, OptStr(o, "reason"), OptStr(o, "actor")});
    level_ = to, level_since_ = ts;
  } else if (type == "alarm_raised") {
    alarms_[Str(o, "alarm_id")] = {Str(o, "severity"), Str(o, "source"),
                                   Str(o, "message"), "open", ts};
  } else if (type == "alarm_acked") {
    Alarm& a = alarms_[Str(o, "alarm_id")];
    a.state = "acked", a.acked_at = ts;
  } else if (type == "alarm_resolved") {
    Alarm& a = alarms_[Str(o, "alarm_id")];
    a.state = "resolved", a.resolved_at = ts, a.resolved_seq = seq;
  } else {
    *error = "unknown type " + type;
    return false;
  }
  return true;
}

std::string ReferenceModel::Query(const std::string& name, std::optional<int64_t> due,
                                  std::optional<std::string> state) const {
  std::string out;
  if (name == "active_tasks") {
    std::vector<std::tuple<int64_t, std::string>> order;
    for (const auto& [id, t] : tasks_) {
      if (t.status != "running" && t.status != "paused") continue;
      if (due && !(t.status == "paused" && t.wake && *t.wake <= *due)) continue;
      order.emplace_back(due ? *t.wake : 0, id);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [unused, id] : order) {
      const Task& t = tasks_.at(id);
      out += Row()
                 .S("task_id", id)
                 .S("name", t.name)
                 .S("status", t.status)
                 .S("step", t.step)
                 .I("next_wake_time", t.wake)
                 .I("updated_at", t.updated_at)
                 .Done();
    }
  } else if (name == "schedules") {
    std::vector<std::tuple<int64_t, std::string>> order;
    for (const auto& [id, s] : schedules_) {
      if (!s.enabled || s.deleted) continue;
      if (due && !(s.next_run_at && *s.next_run_at <= *due)) continue;
      order.emplace_back(due ? *s.next_run_at : 0, id);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [unused, id] : order) {
      const Schedule& s = schedules_.at(id);
      out += Row()
                 .S("schedule_id", id)
                 .S("name", s.name)
                 .S("spec", s.spec)
                 .I("next_run_at", s.next_run_at)
                 .I("last_run_at", s.last_run_at)
                 .I("missed_runs", s.missed)
                 .Done();
    }
  } else if (name == "watchers") {
    for (const auto& [id, w] : watchers_) {
      out += Row()
                 .S("watcher_id", id)
                 .S("name", w.name)
                 .B("enabled", w.enabled)
                 .I("last_tick_at", w.last_tick_at)
                 .S("last_outcome", w.last_outcome)
                 .I("suppression_count", w.suppressions)
                 .Done();
    }
  } else if (name == "rules") {
    for (const auto& [id, r] : rules_) {
      out += Row()
                 .S("rule_id", id)
                 .S("name", r.name)
                 .B("enabled", r.enabled)
                 .I("hit_count", r.hits)
                 .I("last_hit_at", r.last_hit_at)
                 .S("last_suppression_reason", r.last_reason)
                 .Done();
    }
  } else if (name == "integrations") {
    for (const auto& [id, i] : integrations_) {
      out += Row()
                 .S("integration_id", id)
                 .S("name", i.name)
                 .S("health", i.health)
                 .S("auth_status", i.auth)
                 .I("last_success_at", i.last_success_at)
                 .S("last_error", i.last_error)
                 .I("last_error_at", i.last_error_at)
                 .I("consecutive_failures", i.failures)
                 .I("rate_limit_remaining", i.remaining)
                 .I("rate_limit_reset_at", i.reset_at)
                 .Done();
    }
  } else if (name == "approvals") {
    std::vector<std::tuple<int64_t, std::string>> order;
    for (const auto& [id, a] : approvals_) {
      if (due && a.expires_at > *due) continue;
      order.emplace_back(due ? a.expires_at : 0, id);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [unused, id] : order) {
      const Approval& a = approvals_.at(id);
      out += Row()
                 .S("approval_id", id)
                 .S("task_id", a.task_id)
                 .S("action", a.action)
                 .S("context", a.context)
                 .I("requested_at", a.requested_at)
                 .I("expires_at", a.expires_at)
                 .Done();
    }
  } else if (name == "queue_depth") {
    int64_t runnable = 0, backlog = 0, tools = 0;
    for (const auto& [id, t] : tasks_) runnable += t.status == "queued";
    for (const auto& [id, s] : schedules_) backlog += s.deleted ? 0 : s.waiting;
    for (const auto& [id, c] : calls_) tools += c == "queued";
    out += Row()
               .I("runnable_tasks", runnable)
               .I("schedule_backlog", backlog)
               .I("tool_queue_depth", tools)
               .Done();
  } else if (name == "autonomy_history") {
    out += Row().I("level", level_).I("since", level_since_).Done();
    for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
      out += Row()
                 .I("seq", it->seq)
                 .I("ts", it->ts)
                 .I("from_level", it->from)
                 .I("to_level", it->to)
                 .S("reason", it->reason)
                 .S("actor", it->actor)
                 .Done();
    }
  } else if (name == "alarms") {
    std::vector<std::pair<int64_t, std::string>> resolved;
    for (const auto& [id, a] : alarms_) {
      if (a.state == "resolved") resolved.emplace_back(a.resolved_seq, id);
    }
    std::sort(resolved.rbegin(), resolved.rend());
    std::set<std::string> kept;
    for (size_t i = 0; i < resolved.size() && i < 100; ++i)
      kept.insert(resolved[i].second);
    for (const auto& [id, a] : alarms_) {
      if (a.state == "resolved" && !kept.count(id)) continue;
      if (state && a.state != *state) continue;
      out += Row()
                 .S("alarm_id", id)
                 .S("severity", a.severity)
                 .S("source", a.source)
                 .S("message", a.message)
                 .S("state", a.state)
                 .I("raised_at", a.raised_at)
                 .I("acked_at", a.acked_at)
                 .I("resolved_at", a.resolved_at)
                 .Done();
    }
  }
  return out;
}

}  // namespace annal::testing
