"""The benchmark's Python sqlite3 peer (bench/python_sqlite_peer.py) does
the same work as annal: after the same stream its projection tables hold
the rows annal's projections hold, so the benchmark compares equals."""
import json
import os
import sys

import annal
from conftest import generated

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from python_sqlite_peer import PySqlitePeer  # noqa: E402

TABLES = {"active_tasks": "proj_active_tasks", "schedules": "proj_schedules",
          "watchers": "proj_watchers", "rules": "proj_rules",
          "integrations": "proj_integrations", "approvals": "proj_approvals",
          "alarms": "proj_alarms"}


def test_the_peer_holds_annals_rows(tmp_path):
    events = [json.loads(l) for l in generated(20_000, seed=5)]
    peer = PySqlitePeer(str(tmp_path / "peer.sqlite"), durable=False)
    with annal.open(str(tmp_path / "store"), sync=False) as store:
        for i in range(0, len(events), 1000):
            store.append(events[i:i + 1000])
            peer.append(events[i:i + 1000])
        with store.read() as snap:
            for name, table in TABLES.items():
                assert peer.count(table) == len(snap.query(name)), name
            page = [r.to_dict() for r in snap.active_tasks(limit=100)]
            assert peer.active_tasks_page(100) == page
            depth = snap.queue().to_dict()
            row = peer.db.execute("SELECT runnable_tasks, schedule_backlog, "
                                  "tool_queue_depth FROM proj_queue_depth").fetchone()
            assert tuple(depth.values()) == row
            changes = len(snap.autonomy_history()) - 1
            assert peer.count("proj_autonomy_history") == changes
    peer.close()
