"""The audit trail of one entity from Python (docs/projections.md,
"audit_trail"): snap.history against the exported log, paged; a task's
trail holds its tool calls' and approvals' events; None for an id never
seen; an unknown kind refused."""
import pytest

import annal


def test_a_tasks_trail_holds_its_calls_and_approvals_and_pages(tmp_path):
    store = annal.open(str(tmp_path / "s"))
    store.append([
        {"type": "task_created", "task_id": "t1", "name": "invoice", "ts": 1},
        {"type": "task_created", "task_id": "t2", "name": "other", "ts": 2},
        {"type": "tool_call_queued", "call_id": "c1", "task_id": "t1", "tool": "mail",
         "ts": 3},
        {"type": "tool_call_started", "call_id": "c1", "ts": 4},
        {"type": "approval_requested", "approval_id": "p1", "task_id": "t1",
         "action": "pay", "expires_at": 99, "ts": 5},
        {"type": "tool_call_finished", "call_id": "c1", "outcome": "ok", "ts": 6},
        {"type": "approval_granted", "approval_id": "p1", "ts": 7},
        {"type": "task_step_advanced", "task_id": "t2", "step": "s", "ts": 8},
    ])
    with store.read() as snap:
        whole = snap.history("task", "t1")
        assert [e["seq"] for e in whole.events] == [1, 3, 4, 5, 6, 7]
        assert whole.next is None
        assert whole.events == list(store.export())[0:1] + [
            e for e in store.export() if e["seq"] in (3, 4, 5, 6, 7)]
        assert [e["seq"] for e in snap.history("tool_call", "c1").events] == [3, 4, 6]
        assert [e["seq"] for e in snap.history("approval", "p1").events] == [5, 7]
        first = snap.history("task", "t1", limit=4)
        assert [e["seq"] for e in first.events] == [1, 3, 4, 5] and first.next == 5
        rest = snap.history("task", "t1", after=first.next, limit=4)
        assert [e["seq"] for e in rest.events] == [6, 7] and rest.next is None
        assert snap.history("task", "never") is None
        with pytest.raises(annal.InvalidArgument, match="tool_call"):
            snap.history("tasks", "t1")
    assert store.verify()["identical"]


def test_series_are_per_minute_rows_in_a_window(tmp_path):
    store = annal.open(str(tmp_path / "s"))
    minute = 60_000_000
    t0 = 1_700_000_000_000_000 // minute * minute
    store.append([
        {"type": "task_created", "task_id": "t1", "name": "n", "ts": t0 + 1},
        {"type": "task_created", "task_id": "t2", "name": "n", "ts": t0 + 2},
        {"type": "alarm_raised", "alarm_id": "a1", "severity": "critical",
         "source": "s", "message": "m", "ts": t0 + minute + 5},
        {"type": "task_status_changed", "task_id": "t1", "status": "running",
         "ts": t0 + 2 * minute},
        {"type": "alarm_resolved", "alarm_id": "a1", "ts": t0 + 2 * minute + 9},
    ])
    with store.read() as snap:
        queue = snap.series("queue")
        assert [(r.bucket, r.runnable_tasks_last, r.runnable_tasks_max) for r in queue] == [
            (t0, 2, 2), (t0 + 2 * minute, 1, 1)]
        assert [r.to_dict() for r in snap.series("alarms")] == [
            {"bucket": t0 + minute, "severity": "critical", "raised": 1, "acked": 0,
             "resolved": 0},
            {"bucket": t0 + 2 * minute, "severity": "critical", "raised": 0, "acked": 0,
             "resolved": 1}]
        window = snap.series("appends", from_ts=t0 + minute + 7, to_ts=t0 + 2 * minute)
        assert [(r.bucket, r.events) for r in window] == [(t0 + minute, 1), (t0 + 2 * minute, 2)]
        with pytest.raises(annal.InvalidArgument, match="one of queue"):
            snap.series("nope")
