// annal --db DIR query NAME [--due T] [--state S]: a projection's rows as
// JSONL, in its query order.
#include <iostream>
#include <optional>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

struct QueryFlags {
  std::string name;
  std::optional<int64_t> due;
  std::optional<std::string> state;
};

template <class Row>
int Print(const Result<std::vector<Row>>& rows) {
  if (!rows.ok()) {
    std::cerr << "annal query: " << rows.status().ToString() << "\n";
    return kFailed;
  }
  Out out;
  for (const Row& r : *rows) {
    AppendJson(out.buf(), r);
    out.EndLine();
  }
  return kOk;
}

template <class Row>
Result<std::vector<Row>> One(const Result<Row>& row) {
  if (!row.ok()) return row.status();
  return std::vector<Row>{*row};
}

int Query(const Globals& g, const QueryFlags& f) {
  bool takes_due =
      f.name == "active_tasks" || f.name == "schedules" || f.name == "approvals";
  if (f.due && !takes_due) {
    std::cerr
        << "annal query: --due applies to active_tasks, schedules and approvals only\n";
    return kUsage;
  }
  if (f.state && f.name != "alarms") {
    std::cerr << "annal query: --state applies to alarms only\n";
    return kUsage;
  }
  std::optional<AlarmState> state;
  if (f.state) {
    for (size_t i = 0; i < EnumNames<AlarmState>::kNames.size(); ++i) {
      if (EnumNames<AlarmState>::kNames[i] == *f.state)
        state = static_cast<AlarmState>(i);
    }
    if (!state) {
      std::cerr << "annal query: --state must be open, acked or resolved\n";
      return kUsage;
    }
  }
  auto view = OpenForReading(g, "query");
  if (!view) return kFailed;
  const Snapshot& s = *view->snapshot;
  const std::string& n = f.name;
  if (n == "active_tasks")
    return Print(f.due ? s.PausedTasksWakingBy(*f.due) : s.ActiveTasks());
  if (n == "schedules") return Print(f.due ? s.SchedulesDueBy(*f.due) : s.Schedules());
  if (n == "watchers") return Print(s.Watchers());
  if (n == "rules") return Print(s.Rules());
  if (n == "integrations") return Print(s.Integrations());
  if (n == "approvals")
    return Print(f.due ? s.ApprovalsExpiringBy(*f.due) : s.Approvals());
  if (n == "queue_depth") return Print(One(s.QueueDepth()));
  if (n == "autonomy_history") {
    if (int rc = Print(One(s.AutonomyCurrent())); rc != kOk) return rc;
    return Print(s.AutonomyChanges());
  }
  if (n == "alarms") return Print(state ? s.AlarmsInState(*state) : s.Alarms());
  return kUsage;  // CLI11 checked the name
}

}  // namespace

Run AddQuery(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<QueryFlags>();
  auto* cmd = app.add_subcommand("query", "print a projection's rows as JSONL");
  cmd->add_option("name", f->name, "projection name without proj_")
      ->required()
      ->check(
          CLI::IsMember({"active_tasks", "schedules", "watchers", "rules", "integrations",
                         "approvals", "queue_depth", "autonomy_history", "alarms"}));
  cmd->add_option(
      "--due", f->due,
      "only rows due at or before T (active_tasks: paused tasks by wake time; "
      "schedules: by next_run_at; approvals: by expires_at)");
  cmd->add_option("--state", f->state, "alarms in this state: open, acked or resolved");
  return [&g, f] { return Query(g, *f); };
}

}  // namespace annal::cli
