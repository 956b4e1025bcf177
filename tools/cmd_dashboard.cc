// annal --db DIR dashboard: a one-screen summary of every projection, read
// the way a dashboard would (from the projections, never the log).
#include <cstdio>
#include <iostream>

#include "annal/jsonl.h"
#include "tools/command.h"

namespace annal::cli {
namespace {

constexpr size_t kSampleRows = 3;

template <class Row>
void Section(const char* title, const Result<std::vector<Row>>& rows) {
  if (!rows.ok()) {
    std::printf("%-18s error: %s\n", title, rows.status().ToString().c_str());
    return;
  }
  std::printf("%-18s %zu rows\n", title, rows->size());
  for (size_t i = 0; i < rows->size() && i < kSampleRows; ++i) {
    std::string line;
    AppendJson(line, (*rows)[i]);
    std::printf("    %s\n", line.c_str());
  }
}

int Dashboard(const Globals& g) {
  auto view = OpenForReading(g, "dashboard");
  if (!view) return kFailed;
  const Snapshot& s = *view->snapshot;
  auto last = s.LastSeq();
  std::printf("annal store %s: %llu events in the log\n\n", g.db.c_str(),
              static_cast<unsigned long long>(last.ok() ? *last : 0));
  Section("active tasks", s.ActiveTasks());
  Section("schedules", s.Schedules());
  Section("watchers", s.Watchers());
  Section("rules", s.Rules());
  Section("integrations", s.Integrations());
  Section("approvals", s.Approvals());
  if (auto q = s.QueueDepth(); q.ok()) {
    std::printf("%-18s runnable_tasks=%llu schedule_backlog=%llu tool_queue_depth=%llu\n",
                "queue depth", static_cast<unsigned long long>(q->runnable_tasks),
                static_cast<unsigned long long>(q->schedule_backlog),
                static_cast<unsigned long long>(q->tool_queue_depth));
  }
  if (auto a = s.AutonomyCurrent(); a.ok()) {
    std::printf("%-18s level %lld\n", "autonomy", static_cast<long long>(a->level));
  }
  Section("autonomy changes", s.AutonomyChanges());
  Section("alarms open", s.AlarmsInState(AlarmState::kOpen));
  Section("alarms acked", s.AlarmsInState(AlarmState::kAcked));
  Section("alarms resolved", s.AlarmsInState(AlarmState::kResolved));
  return kOk;
}

}  // namespace

Run AddDashboard(CLI::App& app, const Globals& g) {
  app.add_subcommand("dashboard", "print a summary of every projection");
  return [&g] { return Dashboard(g); };
}

}  // namespace annal::cli
