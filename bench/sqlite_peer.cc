#include "bench/sqlite_peer.h"

#include <sqlite3.h>

#include <map>
#include <stdexcept>
#include <vector>

#include "annal/jsonl.h"

namespace annal::bench {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit_events(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
  type TEXT NOT NULL, actor TEXT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks(task_id TEXT PRIMARY KEY, name TEXT, step TEXT, status TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS proj_active_tasks(task_id TEXT PRIMARY KEY, name TEXT, status TEXT,
  step TEXT, next_wake_time INTEGER, updated_at INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS proj_active_tasks_wake ON proj_active_tasks(next_wake_time, task_id)
  WHERE status = 'paused' AND next_wake_time IS NOT NULL;
CREATE TABLE IF NOT EXISTS schedules(schedule_id TEXT PRIMARY KEY, name TEXT, spec TEXT,
  enabled INTEGER, deleted INTEGER, next_run_at INTEGER, last_run_at INTEGER,
  missed_runs INTEGER, waiting INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS proj_schedules(schedule_id TEXT PRIMARY KEY, name TEXT, spec TEXT,
  next_run_at INTEGER, last_run_at INTEGER, missed_runs INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS proj_schedules_next ON proj_schedules(next_run_at, schedule_id)
  WHERE next_run_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS proj_watchers(watcher_id TEXT PRIMARY KEY, name TEXT, enabled INTEGER,
  last_tick_at INTEGER, last_outcome TEXT, suppression_count INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS proj_rules(rule_id TEXT PRIMARY KEY, name TEXT, enabled INTEGER,
  hit_count INTEGER, last_hit_at INTEGER, last_suppression_reason TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS proj_integrations(integration_id TEXT PRIMARY KEY, name TEXT,
  health TEXT, auth_status TEXT, last_success_at INTEGER, last_error TEXT,
  last_error_at INTEGER, consecutive_failures INTEGER, rate_limit_remaining INTEGER,
  rate_limit_reset_at INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS proj_approvals(approval_id TEXT PRIMARY KEY, task_id TEXT, action TEXT,
  context TEXT, requested_at INTEGER, expires_at INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS proj_approvals_expiry ON proj_approvals(expires_at, approval_id);
CREATE TABLE IF NOT EXISTS proj_queue_depth(id INTEGER PRIMARY KEY, runnable_tasks INTEGER,
  schedule_backlog INTEGER, tool_queue_depth INTEGER);
CREATE TABLE IF NOT EXISTS proj_autonomy_history(seq INTEGER PRIMARY KEY, ts INTEGER,
  from_level INTEGER, to_level INTEGER, reason TEXT, actor TEXT);
CREATE TABLE IF NOT EXISTS autonomy_current(id INTEGER PRIMARY KEY, level INTEGER, since INTEGER);
CREATE TABLE IF NOT EXISTS alarms(alarm_id TEXT PRIMARY KEY, severity TEXT, source TEXT,
  message TEXT, state TEXT, raised_at INTEGER, acked_at INTEGER, resolved_at INTEGER,
  resolved_seq INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alarms_resolved ON alarms(resolved_seq) WHERE state = 'resolved';
CREATE TABLE IF NOT EXISTS proj_alarms(alarm_id TEXT PRIMARY KEY, severity TEXT, source TEXT,
  message TEXT, state TEXT, raised_at INTEGER, acked_at INTEGER, resolved_at INTEGER,
  resolved_seq INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS proj_alarms_state ON proj_alarms(state, alarm_id);
INSERT OR IGNORE INTO proj_queue_depth VALUES(0, 0, 0, 0);
INSERT OR IGNORE INTO autonomy_current VALUES(0, 0, NULL);
)sql";

constexpr const char* kDerivedTables[] = {"tasks",
                                          "proj_active_tasks",
                                          "schedules",
                                          "proj_schedules",
                                          "proj_watchers",
                                          "proj_rules",
                                          "proj_integrations",
                                          "proj_approvals",
                                          "proj_queue_depth",
                                          "proj_autonomy_history",
                                          "autonomy_current",
                                          "alarms",
                                          "proj_alarms"};

// A prepared statement: bind by position, run, reset.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db) + ": " +
                               sql);
    }
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& B(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& B(int i, const std::string& v) { return B(i, std::string_view(v)); }
  Stmt& B(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& B(int i, const OptString& v) { return v ? B(i, std::string_view(*v)) : Null(i); }
  Stmt& B(int i, const OptTime& v) { return v ? B(i, *v) : Null(i); }
  Stmt& Null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  void Run() {
    int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
    }
  }
  bool Row() { return sqlite3_step(s_) == SQLITE_ROW; }
  void Reset() { sqlite3_reset(s_); }
  std::string_view Text(int c) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string_view(p, sqlite3_column_bytes(s_, c)) : std::string_view();
  }
  OptView OptText(int c) {
    return sqlite3_column_type(s_, c) == SQLITE_NULL ? OptView() : OptView(Text(c));
  }
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  OptTime OptInt(int c) {
    return sqlite3_column_type(s_, c) == SQLITE_NULL ? OptTime() : OptTime(Int(c));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

template <class E>
E Parse(std::string_view name) {
  const auto& names = EnumNames<E>::kNames;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return E{};
}

}  // namespace

struct SqlitePeer::Impl {
  sqlite3* db = nullptr;
  // Prepared once, keyed by the SQL literal's address: no per-call cost that
  // SQLite itself would not have.
  std::map<const char*, std::unique_ptr<Stmt>> stmts;
  int64_t next_seq = 1;
  bool shared = false;  // other connections write too (Sharing::kShared)
  std::string body;

  Stmt& S(const char* sql) {
    auto& s = stmts[sql];
    if (!s) s = std::make_unique<Stmt>(db, sql);
    return *s;
  }
  void Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + msg);
    }
  }
  enum Counter { kRunnable, kBacklog, kToolQueue };
  void Depth(Counter c, int64_t delta) {
    static constexpr const char* kSql[] = {
        "UPDATE proj_queue_depth SET runnable_tasks = runnable_tasks + ? WHERE id = 0",
        "UPDATE proj_queue_depth SET schedule_backlog = schedule_backlog + ? WHERE id = "
        "0",
        "UPDATE proj_queue_depth SET tool_queue_depth = tool_queue_depth + ? WHERE id = "
        "0"};
    S(kSql[c]).B(1, delta).Run();
  }
  void RefreshResolvedWindow() {
    S("DELETE FROM proj_alarms WHERE state = 'resolved' AND alarm_id NOT IN "
      "(SELECT alarm_id FROM alarms WHERE state = 'resolved' ORDER BY resolved_seq DESC "
      "LIMIT 100)")
        .Run();
    S("INSERT OR IGNORE INTO proj_alarms SELECT * FROM alarms WHERE state = 'resolved' "
      "ORDER BY resolved_seq DESC LIMIT 100")
        .Run();
  }
  void SyncSchedule(std::string_view id) {
    S("INSERT OR REPLACE INTO proj_schedules SELECT schedule_id, name, spec, "
      "next_run_at, "
      "last_run_at, missed_runs FROM schedules WHERE schedule_id = ? AND enabled = 1 AND "
      "deleted = 0")
        .B(1, id)
        .Run();
  }

  void Apply(int64_t seq, int64_t ts, const Event& ev);
};

void SqlitePeer::Impl::Apply(int64_t seq, int64_t ts, const Event& ev) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, TaskCreated>) {
          S("INSERT INTO tasks VALUES(?, ?, ?, 'queued')")
              .B(1, e.task_id)
              .B(2, e.name)
              .B(3, e.step)
              .Run();
          Depth(kRunnable, 1);
        } else if constexpr (std::is_same_v<E, TaskStatusChanged>) {
          Stmt& old = S("SELECT status FROM tasks WHERE task_id = ?");
          old.B(1, e.task_id);
          bool was_queued = old.Row() && old.Text(0) == "queued";
          old.Reset();
          bool is_queued = e.status == TaskStatus::kQueued;
          if (was_queued != is_queued) Depth(kRunnable, is_queued ? 1 : -1);
          S("UPDATE tasks SET status = ?, step = COALESCE(?, step) WHERE task_id = ?")
              .B(1, NameOf(e.status))
              .B(2, e.step)
              .B(3, e.task_id)
              .Run();
          if (e.status == TaskStatus::kRunning || e.status == TaskStatus::kPaused) {
            OptTime wake;  // null unless paused with a wake time
            if (e.status == TaskStatus::kPaused) wake = e.next_wake_time;
            S("INSERT OR REPLACE INTO proj_active_tasks SELECT task_id, name, status, "
              "step, ?, ? "
              "FROM tasks WHERE task_id = ?")
                .B(1, wake)
                .B(2, ts)
                .B(3, e.task_id)
                .Run();
          } else {
            S("DELETE FROM proj_active_tasks WHERE task_id = ?").B(1, e.task_id).Run();
          }
        } else if constexpr (std::is_same_v<E, TaskStepAdvanced>) {
          S("UPDATE tasks SET step = ? WHERE task_id = ?")
              .B(1, e.step)
              .B(2, e.task_id)
              .Run();
          S("UPDATE proj_active_tasks SET step = ?, updated_at = ? WHERE task_id = ?")
              .B(1, e.step)
              .B(2, ts)
              .B(3, e.task_id)
              .Run();
        } else if constexpr (std::is_same_v<E, ScheduleCreated>) {
          S("INSERT INTO schedules VALUES(?, ?, ?, ?, 0, ?, NULL, 0, 0)")
              .B(1, e.schedule_id)
              .B(2, e.name)
              .B(3, e.spec)
              .B(4, int64_t{e.enabled})
              .B(5, e.next_run_at)
              .Run();
          SyncSchedule(e.schedule_id);
        } else if constexpr (std::is_same_v<E, ScheduleEnabled>) {
          S("UPDATE schedules SET enabled = 1 WHERE schedule_id = ?")
              .B(1, e.schedule_id)
              .Run();
          SyncSchedule(e.schedule_id);
        } else if constexpr (std::is_same_v<E, ScheduleDisabled>) {
          S("UPDATE schedules SET enabled = 0 WHERE schedule_id = ?")
              .B(1, e.schedule_id)
              .Run();
          S("DELETE FROM proj_schedules WHERE schedule_id = ?").B(1, e.schedule_id).Run();
        } else if constexpr (std::is_same_v<E, ScheduleDeleted>) {
          S("UPDATE proj_queue_depth SET schedule_backlog = schedule_backlog - "
            "(SELECT waiting FROM schedules WHERE schedule_id = ?) WHERE id = 0")
              .B(1, e.schedule_id)
              .Run();
          S("UPDATE schedules SET deleted = 1, waiting = 0 WHERE schedule_id = ?")
              .B(1, e.schedule_id)
              .Run();
          S("DELETE FROM proj_schedules WHERE schedule_id = ?").B(1, e.schedule_id).Run();
        } else if constexpr (std::is_same_v<E, ScheduleRunDue>) {
          S("UPDATE schedules SET waiting = waiting + 1 WHERE schedule_id = ?")
              .B(1, e.schedule_id)
              .Run();
          Depth(kBacklog, 1);
        } else if constexpr (std::is_same_v<E, ScheduleRunStarted> ||
                             std::is_same_v<E, ScheduleRunMissed>) {
          if constexpr (std::is_same_v<E, ScheduleRunStarted>) {
            S("UPDATE schedules SET waiting = waiting - 1, next_run_at = COALESCE(?, "
              "next_run_at), "
              "last_run_at = ? WHERE schedule_id = ?")
                .B(1, e.next_run_at)
                .B(2, ts)
                .B(3, e.schedule_id)
                .Run();
          } else {
            S("UPDATE schedules SET waiting = waiting - 1, next_run_at = COALESCE(?, "
              "next_run_at), "
              "missed_runs = missed_runs + 1 WHERE schedule_id = ?")
                .B(1, e.next_run_at)
                .B(2, e.schedule_id)
                .Run();
          }
          SyncSchedule(e.schedule_id);
          Depth(kBacklog, -1);
        } else if constexpr (std::is_same_v<E, ToolCallQueued>) {
          Depth(kToolQueue, 1);
        } else if constexpr (std::is_same_v<E, ToolCallStarted>) {
          Depth(kToolQueue, -1);
        } else if constexpr (std::is_same_v<E, WatcherCreated>) {
          S("INSERT INTO proj_watchers VALUES(?, ?, ?, NULL, NULL, 0)")
              .B(1, e.watcher_id)
              .B(2, e.name)
              .B(3, int64_t{e.enabled})
              .Run();
        } else if constexpr (std::is_same_v<E, WatcherEnabled> ||
                             std::is_same_v<E, WatcherDisabled>) {
          S("UPDATE proj_watchers SET enabled = ? WHERE watcher_id = ?")
              .B(1, int64_t{std::is_same_v<E, WatcherEnabled>})
              .B(2, e.watcher_id)
              .Run();
        } else if constexpr (std::is_same_v<E, WatcherDeleted>) {
          S("DELETE FROM proj_watchers WHERE watcher_id = ?").B(1, e.watcher_id).Run();
        } else if constexpr (std::is_same_v<E, WatcherTicked>) {
          S("UPDATE proj_watchers SET last_tick_at = ?, last_outcome = ?, "
            "suppression_count = suppression_count + ? WHERE watcher_id = ?")
              .B(1, ts)
              .B(2, NameOf(e.outcome))
              .B(3, int64_t{e.outcome == TickOutcome::kSuppressed})
              .B(4, e.watcher_id)
              .Run();
        } else if constexpr (std::is_same_v<E, RuleCreated>) {
          S("INSERT INTO proj_rules VALUES(?, ?, ?, 0, NULL, NULL)")
              .B(1, e.rule_id)
              .B(2, e.name)
              .B(3, int64_t{e.enabled})
              .Run();
        } else if constexpr (std::is_same_v<E, RuleEnabled> ||
                             std::is_same_v<E, RuleDisabled>) {
          S("UPDATE proj_rules SET enabled = ? WHERE rule_id = ?")
              .B(1, int64_t{std::is_same_v<E, RuleEnabled>})
              .B(2, e.rule_id)
              .Run();
        } else if constexpr (std::is_same_v<E, RuleDeleted>) {
          S("DELETE FROM proj_rules WHERE rule_id = ?").B(1, e.rule_id).Run();
        } else if constexpr (std::is_same_v<E, RuleHit>) {
          S("UPDATE proj_rules SET hit_count = hit_count + 1, last_hit_at = ? WHERE "
            "rule_id = ?")
              .B(1, ts)
              .B(2, e.rule_id)
              .Run();
        } else if constexpr (std::is_same_v<E, RuleSuppressed>) {
          S("UPDATE proj_rules SET last_suppression_reason = ? WHERE rule_id = ?")
              .B(1, e.reason)
              .B(2, e.rule_id)
              .Run();
        } else if constexpr (std::is_same_v<E, IntegrationRegistered>) {
          S("INSERT INTO proj_integrations VALUES(?, ?, 'unknown', 'unknown', NULL, "
            "NULL, NULL, 0, NULL, NULL)")
              .B(1, e.integration_id)
              .B(2, e.name)
              .Run();
        } else if constexpr (std::is_same_v<E, IntegrationSucceeded>) {
          S("UPDATE proj_integrations SET health = 'healthy', consecutive_failures = 0, "
            "last_success_at = ? WHERE integration_id = ?")
              .B(1, ts)
              .B(2, e.integration_id)
              .Run();
        } else if constexpr (std::is_same_v<E, IntegrationFailed>) {
          S("UPDATE proj_integrations SET consecutive_failures = consecutive_failures + "
            "1, "
            "health = CASE WHEN consecutive_failures + 1 >= 3 THEN 'down' ELSE "
            "'degraded' END, "
            "last_error = ?, last_error_at = ? WHERE integration_id = ?")
              .B(1, e.error)
              .B(2, ts)
              .B(3, e.integration_id)
              .Run();
        } else if constexpr (std::is_same_v<E, IntegrationAuthChanged>) {
          S("UPDATE proj_integrations SET auth_status = ? WHERE integration_id = ?")
              .B(1, NameOf(e.auth_status))
              .B(2, e.integration_id)
              .Run();
        } else if constexpr (std::is_same_v<E, IntegrationRateLimited>) {
          S("UPDATE proj_integrations SET rate_limit_remaining = ?, rate_limit_reset_at "
            "= ? "
            "WHERE integration_id = ?")
              .B(1, e.remaining)
              .B(2, e.reset_at)
              .B(3, e.integration_id)
              .Run();
        } else if constexpr (std::is_same_v<E, ApprovalRequested>) {
          S("INSERT INTO proj_approvals VALUES(?, ?, ?, ?, ?, ?)")
              .B(1, e.approval_id)
              .B(2, e.task_id)
              .B(3, e.action)
              .B(4, e.context)
              .B(5, ts)
              .B(6, e.expires_at)
              .Run();
        } else if constexpr (std::is_same_v<E, ApprovalGranted> ||
                             std::is_same_v<E, ApprovalDenied> ||
                             std::is_same_v<E, ApprovalExpired>) {
          S("DELETE FROM proj_approvals WHERE approval_id = ?").B(1, e.approval_id).Run();
        } else if constexpr (std::is_same_v<E, AutonomyLevelChanged>) {
          S("INSERT INTO proj_autonomy_history SELECT ?, ?, level, ?, ?, ? FROM "
            "autonomy_current WHERE id = 0")
              .B(1, seq)
              .B(2, ts)
              .B(3, e.level)
              .B(4, e.reason)
              .B(5, ev.actor)
              .Run();
          S("UPDATE autonomy_current SET level = ?, since = ? WHERE id = 0")
              .B(1, e.level)
              .B(2, ts)
              .Run();
        } else if constexpr (std::is_same_v<E, AlarmRaised>) {
          S("INSERT OR REPLACE INTO alarms VALUES(?, ?, ?, ?, 'open', ?, NULL, NULL, 0)")
              .B(1, e.alarm_id)
              .B(2, NameOf(e.severity))
              .B(3, e.source)
              .B(4, e.message)
              .B(5, ts)
              .Run();
          S("INSERT OR REPLACE INTO proj_alarms SELECT * FROM alarms WHERE alarm_id = ?")
              .B(1, e.alarm_id)
              .Run();
          RefreshResolvedWindow();
        } else if constexpr (std::is_same_v<E, AlarmAcked>) {
          S("UPDATE alarms SET state = 'acked', acked_at = ? WHERE alarm_id = ?")
              .B(1, ts)
              .B(2, e.alarm_id)
              .Run();
          S("UPDATE proj_alarms SET state = 'acked', acked_at = ? WHERE alarm_id = ?")
              .B(1, ts)
              .B(2, e.alarm_id)
              .Run();
        } else if constexpr (std::is_same_v<E, AlarmResolved>) {
          S("UPDATE alarms SET state = 'resolved', resolved_at = ?, resolved_seq = ? "
            "WHERE alarm_id = ?")
              .B(1, ts)
              .B(2, seq)
              .B(3, e.alarm_id)
              .Run();
          S("UPDATE proj_alarms SET state = 'resolved', resolved_at = ?, resolved_seq = "
            "? WHERE alarm_id = ?")
              .B(1, ts)
              .B(2, seq)
              .B(3, e.alarm_id)
              .Run();
          RefreshResolvedWindow();
        }
      },
      ev.body);
}

SqlitePeer::SqlitePeer(const std::string& path, bool durable, Sharing sharing)
    : impl_(std::make_unique<Impl>()) {
  if (sqlite3_open(path.c_str(), &impl_->db) != SQLITE_OK)
    throw std::runtime_error("sqlite open");
  impl_->shared = sharing == Sharing::kShared;
  sqlite3_busy_timeout(impl_->db, 60000);
  impl_->Exec("PRAGMA journal_mode = WAL");
  impl_->Exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF");
  impl_->Exec(kSchema);
  Stmt last(impl_->db, "SELECT COALESCE(MAX(seq), 0) FROM audit_events");
  if (last.Row()) impl_->next_seq = last.Int(0) + 1;
}

SqlitePeer::~SqlitePeer() {
  impl_->stmts.clear();
  sqlite3_close(impl_->db);
}

void SqlitePeer::Append(std::span<const Event> batch) {
  Impl& s = *impl_;
  s.Exec(s.shared ? "BEGIN IMMEDIATE" : "BEGIN");
  if (s.shared) {
    Stmt last(s.db, "SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (last.Row()) s.next_seq = last.Int(0) + 1;
  }
  for (const Event& ev : batch) {
    const int64_t seq = s.next_seq++, ts = ev.ts.value_or(0);
    s.body.clear();
    AppendJson(s.body, ev);
    s.S("INSERT INTO audit_events VALUES(?, ?, ?, ?, ?)")
        .B(1, seq)
        .B(2, ts)
        .B(3, ev.type())
        .B(4, ev.actor)
        .B(5, std::string_view(s.body))
        .Run();
    s.Apply(seq, ts, ev);
  }
  s.Exec("COMMIT");
}

void SqlitePeer::Rebuild() {
  Impl& s = *impl_;
  s.Exec("BEGIN");
  for (const char* table : kDerivedTables)
    s.Exec(("DELETE FROM " + std::string(table)).c_str());
  s.Exec(
      "INSERT INTO proj_queue_depth VALUES(0, 0, 0, 0); INSERT INTO autonomy_current "
      "VALUES(0, 0, NULL)");
  JsonDecoder decoder;
  Stmt scan(s.db, "SELECT seq, ts, body FROM audit_events ORDER BY seq");
  while (scan.Row()) {
    auto ev = decoder.Decode(scan.Text(2));
    if (!ev.ok()) throw std::runtime_error(ev.status().ToString());
    s.Apply(scan.Int(0), scan.Int(1), *ev);
  }
  s.Exec("COMMIT");
}

namespace {

#define TASK_COLS                                                        \
  "SELECT task_id, name, status, step, next_wake_time, updated_at FROM " \
  "proj_active_tasks "
#define SCHED_COLS                                                              \
  "SELECT schedule_id, name, spec, next_run_at, last_run_at, missed_runs FROM " \
  "proj_schedules "
#define APPR_COLS                                                                \
  "SELECT approval_id, task_id, action, context, requested_at, expires_at FROM " \
  "proj_approvals "
#define ALARM_COLS                                                                       \
  "SELECT alarm_id, severity, source, message, state, raised_at, acked_at, resolved_at " \
  "FROM proj_alarms "
constexpr const char* kTasks = TASK_COLS "ORDER BY task_id";
constexpr const char* kTasksDue = TASK_COLS
    "WHERE status = 'paused' AND next_wake_time IS NOT NULL AND next_wake_time <= ? "
    "ORDER BY next_wake_time, task_id";
constexpr const char* kSchedules = SCHED_COLS "ORDER BY schedule_id";
constexpr const char* kSchedulesDue = SCHED_COLS
    "WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at, "
    "schedule_id";
constexpr const char* kApprovals = APPR_COLS "ORDER BY approval_id";
constexpr const char* kApprovalsDue =
    APPR_COLS "WHERE expires_at <= ? ORDER BY expires_at, approval_id";
constexpr const char* kAlarms = ALARM_COLS "ORDER BY alarm_id";
constexpr const char* kAlarmsIn = ALARM_COLS "WHERE state = ? ORDER BY alarm_id";
constexpr const char* kAlarmById = ALARM_COLS "WHERE alarm_id = ?";
constexpr const char* kWatchers =
    "SELECT watcher_id, name, enabled, last_tick_at, last_outcome, suppression_count "
    "FROM proj_watchers "
    "ORDER BY watcher_id";
constexpr const char* kRules =
    "SELECT rule_id, name, enabled, hit_count, last_hit_at, last_suppression_reason FROM "
    "proj_rules "
    "ORDER BY rule_id";
constexpr const char* kIntegrations =
    "SELECT integration_id, name, health, auth_status, last_success_at, last_error, "
    "last_error_at, "
    "consecutive_failures, rate_limit_remaining, rate_limit_reset_at FROM "
    "proj_integrations "
    "ORDER BY integration_id";
constexpr const char* kDepth =
    "SELECT runnable_tasks, schedule_backlog, tool_queue_depth FROM proj_queue_depth";
constexpr const char* kAutonomyNow = "SELECT level, since FROM autonomy_current";
constexpr const char* kAutonomyChanges =
    "SELECT seq, ts, from_level, to_level, reason, actor FROM proj_autonomy_history "
    "ORDER BY seq DESC";

}  // namespace

std::string SqlitePeer::Query(const std::string& name, std::optional<int64_t> due,
                              std::optional<std::string> state) {
  std::string out;
  Run(name, due, state, &out);
  return out;
}

size_t SqlitePeer::QueryRows(const std::string& name, std::optional<int64_t> due,
                             std::optional<std::string> state) {
  return Run(name, due, state, nullptr);
}

size_t SqlitePeer::LookupAlarm(const std::string& alarm_id) {
  Stmt& q = impl_->S(kAlarmById);
  q.B(1, alarm_id);
  size_t rows = 0;
  while (q.Row()) {
    AlarmRow r{q.Text(0),
               Parse<Severity>(q.Text(1)),
               q.Text(2),
               q.Text(3),
               Parse<AlarmState>(q.Text(4)),
               q.Int(5),
               q.OptInt(6),
               q.OptInt(7)};
    rows += !r.alarm_id.empty();
  }
  q.Reset();
  return rows;
}

size_t SqlitePeer::Run(const std::string& name, std::optional<int64_t> due,
                       std::optional<std::string> state, std::string* out) {
  Impl& s = *impl_;
  size_t rows = 0;
  auto each = [&](const char* sql, auto&& row) {
    Stmt& q = s.S(sql);
    if (due) q.B(1, *due);
    if (state) q.B(1, std::string_view(*state));
    while (q.Row()) {
      auto r = row(q);
      ++rows;
      if (out) {
        AppendJson(*out, r);
        *out += '\n';
      }
    }
    q.Reset();
  };
  auto task = [](Stmt& q) {
    return ActiveTaskRow{q.Text(0),    q.Text(1),   Parse<TaskStatus>(q.Text(2)),
                         q.OptText(3), q.OptInt(4), q.Int(5)};
  };
  auto schedule = [](Stmt& q) {
    return ScheduleRow{q.Text(0),   q.Text(1),   q.Text(2),
                       q.OptInt(3), q.OptInt(4), uint64_t(q.Int(5))};
  };
  auto approval = [](Stmt& q) {
    return ApprovalRow{q.Text(0), q.Text(1), q.Text(2), q.OptText(3), q.Int(4), q.Int(5)};
  };
  auto alarm = [](Stmt& q) {
    return AlarmRow{q.Text(0),
                    Parse<Severity>(q.Text(1)),
                    q.Text(2),
                    q.Text(3),
                    Parse<AlarmState>(q.Text(4)),
                    q.Int(5),
                    q.OptInt(6),
                    q.OptInt(7)};
  };
  if (name == "active_tasks") {
    each(due ? kTasksDue : kTasks, task);
  } else if (name == "schedules") {
    each(due ? kSchedulesDue : kSchedules, schedule);
  } else if (name == "approvals") {
    each(due ? kApprovalsDue : kApprovals, approval);
  } else if (name == "alarms") {
    each(state ? kAlarmsIn : kAlarms, alarm);
  } else if (name == "watchers") {
    each(kWatchers, [](Stmt& q) {
      WatcherRow w{q.Text(0),   q.Text(1),    q.Int(2) != 0,
                   q.OptInt(3), std::nullopt, uint64_t(q.Int(5))};
      if (auto o = q.OptText(4)) w.last_outcome = Parse<TickOutcome>(*o);
      return w;
    });
  } else if (name == "rules") {
    each(kRules, [](Stmt& q) {
      return RuleRow{q.Text(0),          q.Text(1),   q.Int(2) != 0,
                     uint64_t(q.Int(3)), q.OptInt(4), q.OptText(5)};
    });
  } else if (name == "integrations") {
    each(kIntegrations, [](Stmt& q) {
      return IntegrationRow{q.Text(0),
                            q.Text(1),
                            Parse<Health>(q.Text(2)),
                            Parse<AuthStatus>(q.Text(3)),
                            q.OptInt(4),
                            q.OptText(5),
                            q.OptInt(6),
                            uint64_t(q.Int(7)),
                            q.OptInt(8),
                            q.OptInt(9)};
    });
  } else if (name == "queue_depth") {
    each(kDepth, [](Stmt& q) {
      return QueueDepthRow{uint64_t(q.Int(0)), uint64_t(q.Int(1)), uint64_t(q.Int(2))};
    });
  } else if (name == "autonomy_history") {
    each(kAutonomyNow, [](Stmt& q) { return AutonomyCurrentRow{q.Int(0), q.OptInt(1)}; });
    each(kAutonomyChanges, [](Stmt& q) {
      return AutonomyChangeRow{uint64_t(q.Int(0)), q.Int(1),     q.Int(2),
                               q.Int(3),           q.OptText(4), q.OptText(5)};
    });
  }
  return rows;
}

}  // namespace annal::bench
