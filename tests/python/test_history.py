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
