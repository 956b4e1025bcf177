"""The SQLite peer of bench/sqlite_peer.cc, in Python's own sqlite3 module:
what a Python runtime would write instead of using annal. The same schema
(read from sqlite_peer.cc, so the two cannot drift), the same statements
per event, the log row and the projection rows in one transaction per
batch, WAL, synchronous=FULL when durable. Events are dicts in the JSONL
shape and assumed valid, as in the C++ peer (no validation).
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
from typing import Any, Callable, Dict, List, Optional

_HERE = os.path.dirname(os.path.abspath(__file__))


def _schema() -> str:
    with open(os.path.join(_HERE, "sqlite_peer.cc")) as f:
        m = re.search(r'kSchema = R"sql\((.*?)\)sql"', f.read(), re.S)
    assert m, "bench/sqlite_peer.cc no longer holds kSchema"
    return m.group(1)


class PySqlitePeer:
    def __init__(self, path: str, durable: bool, shared: bool = False) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                  timeout=60, cached_statements=256)
        self.shared = shared
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'OFF'}")
        self.db.executescript(_schema())
        self.next_seq = self._last_seq() + 1
        x = self.db.execute
        depth = {"runnable": "runnable_tasks", "backlog": "schedule_backlog",
                 "tools": "tool_queue_depth"}

        def bump(counter: str, delta: int) -> None:
            col = depth[counter]
            x(f"UPDATE proj_queue_depth SET {col} = {col} + ? WHERE id = 0", (delta,))

        def sync_schedule(sid: str) -> None:
            x("INSERT OR REPLACE INTO proj_schedules SELECT schedule_id, name, spec, "
              "next_run_at, last_run_at, missed_runs FROM schedules WHERE schedule_id = ? "
              "AND enabled = 1 AND deleted = 0", (sid,))

        def resolved_window() -> None:
            x("DELETE FROM proj_alarms WHERE state = 'resolved' AND alarm_id NOT IN "
              "(SELECT alarm_id FROM alarms WHERE state = 'resolved' ORDER BY "
              "resolved_seq DESC LIMIT 100)")
            x("INSERT OR IGNORE INTO proj_alarms SELECT * FROM alarms WHERE state = "
              "'resolved' ORDER BY resolved_seq DESC LIMIT 100")

        def task_created(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT INTO tasks VALUES(?, ?, ?, 'queued')",
              (e["task_id"], e["name"], e.get("step")))
            bump("runnable", 1)

        def task_status_changed(e: Dict[str, Any], seq: int, ts: int) -> None:
            row = x("SELECT status FROM tasks WHERE task_id = ?", (e["task_id"],)).fetchone()
            was, now = row is not None and row[0] == "queued", e["status"] == "queued"
            if was != now:
                bump("runnable", 1 if now else -1)
            x("UPDATE tasks SET status = ?, step = COALESCE(?, step) WHERE task_id = ?",
              (e["status"], e.get("step"), e["task_id"]))
            if e["status"] in ("running", "paused"):
                wake = e.get("next_wake_time") if e["status"] == "paused" else None
                x("INSERT OR REPLACE INTO proj_active_tasks SELECT task_id, name, status, "
                  "step, ?, ? FROM tasks WHERE task_id = ?", (wake, ts, e["task_id"]))
            else:
                x("DELETE FROM proj_active_tasks WHERE task_id = ?", (e["task_id"],))

        def task_step_advanced(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE tasks SET step = ? WHERE task_id = ?", (e["step"], e["task_id"]))
            x("UPDATE proj_active_tasks SET step = ?, updated_at = ? WHERE task_id = ?",
              (e["step"], ts, e["task_id"]))

        def schedule_created(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT INTO schedules VALUES(?, ?, ?, ?, 0, ?, NULL, 0, 0)",
              (e["schedule_id"], e["name"], e["spec"], int(e.get("enabled", True)),
               e.get("next_run_at")))
            sync_schedule(e["schedule_id"])

        def schedule_enabled(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE schedules SET enabled = 1 WHERE schedule_id = ?", (e["schedule_id"],))
            sync_schedule(e["schedule_id"])

        def schedule_disabled(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE schedules SET enabled = 0 WHERE schedule_id = ?", (e["schedule_id"],))
            x("DELETE FROM proj_schedules WHERE schedule_id = ?", (e["schedule_id"],))

        def schedule_deleted(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE proj_queue_depth SET schedule_backlog = schedule_backlog - (SELECT "
              "waiting FROM schedules WHERE schedule_id = ?) WHERE id = 0",
              (e["schedule_id"],))
            x("UPDATE schedules SET deleted = 1, waiting = 0 WHERE schedule_id = ?",
              (e["schedule_id"],))
            x("DELETE FROM proj_schedules WHERE schedule_id = ?", (e["schedule_id"],))

        def schedule_run_due(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE schedules SET waiting = waiting + 1 WHERE schedule_id = ?",
              (e["schedule_id"],))
            bump("backlog", 1)

        def schedule_run_started(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE schedules SET waiting = waiting - 1, next_run_at = COALESCE(?, "
              "next_run_at), last_run_at = ? WHERE schedule_id = ?",
              (e.get("next_run_at"), ts, e["schedule_id"]))
            sync_schedule(e["schedule_id"])
            bump("backlog", -1)

        def schedule_run_missed(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE schedules SET waiting = waiting - 1, next_run_at = COALESCE(?, "
              "next_run_at), missed_runs = missed_runs + 1 WHERE schedule_id = ?",
              (e.get("next_run_at"), e["schedule_id"]))
            sync_schedule(e["schedule_id"])
            bump("backlog", -1)

        def watcher_created(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT INTO proj_watchers VALUES(?, ?, ?, NULL, NULL, 0)",
              (e["watcher_id"], e["name"], int(e.get("enabled", True))))

        def watcher_ticked(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE proj_watchers SET last_tick_at = ?, last_outcome = ?, "
              "suppression_count = suppression_count + ? WHERE watcher_id = ?",
              (ts, e["outcome"], int(e["outcome"] == "suppressed"), e["watcher_id"]))

        def rule_created(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT INTO proj_rules VALUES(?, ?, ?, 0, NULL, NULL)",
              (e["rule_id"], e["name"], int(e.get("enabled", True))))

        def integration_failed(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("UPDATE proj_integrations SET consecutive_failures = consecutive_failures "
              "+ 1, health = CASE WHEN consecutive_failures + 1 >= 3 THEN 'down' ELSE "
              "'degraded' END, last_error = ?, last_error_at = ? WHERE integration_id = ?",
              (e["error"], ts, e["integration_id"]))

        def autonomy_level_changed(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT INTO proj_autonomy_history SELECT ?, ?, level, ?, ?, ? FROM "
              "autonomy_current WHERE id = 0",
              (seq, ts, e["level"], e.get("reason"), e.get("actor")))
            x("UPDATE autonomy_current SET level = ?, since = ? WHERE id = 0",
              (e["level"], ts))

        def alarm_raised(e: Dict[str, Any], seq: int, ts: int) -> None:
            x("INSERT OR REPLACE INTO alarms VALUES(?, ?, ?, ?, 'open', ?, NULL, NULL, 0)",
              (e["alarm_id"], e["severity"], e["source"], e["message"], ts))
            x("INSERT OR REPLACE INTO proj_alarms SELECT * FROM alarms WHERE alarm_id = ?",
              (e["alarm_id"],))
            resolved_window()

        def alarm_acked(e: Dict[str, Any], seq: int, ts: int) -> None:
            for table in ("alarms", "proj_alarms"):
                x(f"UPDATE {table} SET state = 'acked', acked_at = ? WHERE alarm_id = ?",
                  (ts, e["alarm_id"]))

        def alarm_resolved(e: Dict[str, Any], seq: int, ts: int) -> None:
            for table in ("alarms", "proj_alarms"):
                x(f"UPDATE {table} SET state = 'resolved', resolved_at = ?, resolved_seq "
                  "= ? WHERE alarm_id = ?", (ts, seq, e["alarm_id"]))
            resolved_window()

        def run(sql: str, *fields: str) -> Callable[[Dict[str, Any], int, int], None]:
            """A one-statement event: its parameters are fields or "ts"."""
            def apply(e: Dict[str, Any], seq: int, ts: int) -> None:
                x(sql, tuple(ts if f == "ts" else e.get(f) for f in fields))
            return apply

        self.apply: Dict[str, Callable[[Dict[str, Any], int, int], None]] = {
            "task_created": task_created, "task_status_changed": task_status_changed,
            "task_step_advanced": task_step_advanced,
            "schedule_created": schedule_created, "schedule_enabled": schedule_enabled,
            "schedule_disabled": schedule_disabled, "schedule_deleted": schedule_deleted,
            "schedule_run_due": schedule_run_due,
            "schedule_run_started": schedule_run_started,
            "schedule_run_missed": schedule_run_missed,
            "tool_call_queued": lambda e, seq, ts: bump("tools", 1),
            "tool_call_started": lambda e, seq, ts: bump("tools", -1),
            "tool_call_finished": lambda e, seq, ts: None,
            "watcher_created": watcher_created, "watcher_enabled": run(
                "UPDATE proj_watchers SET enabled = 1 WHERE watcher_id = ?", "watcher_id"),
            "watcher_disabled": run(
                "UPDATE proj_watchers SET enabled = 0 WHERE watcher_id = ?", "watcher_id"),
            "watcher_deleted": run("DELETE FROM proj_watchers WHERE watcher_id = ?",
                                   "watcher_id"),
            "watcher_ticked": watcher_ticked,
            "rule_created": rule_created, "rule_enabled": run("UPDATE proj_rules SET enabled = 1 WHERE rule_id = ?", "rule_id"),
            "rule_disabled": run("UPDATE proj_rules SET enabled = 0 WHERE rule_id = ?",
                                 "rule_id"),
            "rule_deleted": run("DELETE FROM proj_rules WHERE rule_id = ?", "rule_id"),
            "rule_hit": run("UPDATE proj_rules SET hit_count = hit_count + 1, "
                            "last_hit_at = ? WHERE rule_id = ?", "ts", "rule_id"),
            "rule_suppressed": run("UPDATE proj_rules SET last_suppression_reason = ? "
                                   "WHERE rule_id = ?", "reason", "rule_id"),
            "integration_registered": run(
                "INSERT INTO proj_integrations VALUES(?, ?, 'unknown', 'unknown', NULL, "
                "NULL, NULL, 0, NULL, NULL)", "integration_id", "name"),
            "integration_succeeded": run(
                "UPDATE proj_integrations SET health = 'healthy', consecutive_failures = "
                "0, last_success_at = ? WHERE integration_id = ?", "ts", "integration_id"),
            "integration_failed": integration_failed,
            "integration_auth_changed": run(
                "UPDATE proj_integrations SET auth_status = ? WHERE integration_id = ?",
                "auth_status", "integration_id"),
            "integration_rate_limited": run(
                "UPDATE proj_integrations SET rate_limit_remaining = ?, "
                "rate_limit_reset_at = ? WHERE integration_id = ?", "remaining",
                "reset_at", "integration_id"),
            "approval_requested": run("INSERT INTO proj_approvals VALUES(?, ?, ?, ?, ?, ?)",
                                      "approval_id", "task_id", "action", "context", "ts",
                                      "expires_at"),
            "autonomy_level_changed": autonomy_level_changed,
            "alarm_raised": alarm_raised, "alarm_acked": alarm_acked,
            "alarm_resolved": alarm_resolved,
        }
        for t in ("approval_granted", "approval_denied", "approval_expired"):
            self.apply[t] = run("DELETE FROM proj_approvals WHERE approval_id = ?",
                                "approval_id")

    def _last_seq(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit_events")
                   .fetchone()[0])

    def append(self, batch: List[Dict[str, Any]]) -> None:
        x = self.db.execute
        x("BEGIN IMMEDIATE" if self.shared else "BEGIN")
        try:
            if self.shared:
                self.next_seq = self._last_seq() + 1
            for e in batch:
                seq, ts = self.next_seq, e.get("ts", 0)
                self.next_seq += 1
                x("INSERT INTO audit_events VALUES(?, ?, ?, ?, ?)",
                  (seq, ts, e["type"], e.get("actor"),
                   json.dumps(e, separators=(",", ":"), ensure_ascii=False)))
                self.apply[e["type"]](e, seq, ts)
            x("COMMIT")
        except BaseException:
            x("ROLLBACK")
            raise

    def active_tasks_page(self, limit: int,
                          after: Optional[str] = None) -> List[Dict[str, Any]]:
        """A page of proj_active_tasks by task_id, as dicts of annal's fields."""
        cur = self.db.execute(
            "SELECT task_id, name, status, step, next_wake_time, updated_at FROM "
            "proj_active_tasks WHERE task_id > ? ORDER BY task_id LIMIT ?",
            (after or "", limit))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def close(self) -> None:
        self.db.close()
