"""A terminal dashboard over annal's projections: it redraws on every commit
(Store.commits(), whichever process appended), reading only the
projections that dashboards are for, never the log.

    python3 examples/python/dashboard.py STORE_DIR [--once] [--frames N]
"""
from __future__ import annotations

import argparse
import sys

import annal


def render(snap: annal.Snapshot, changed: tuple[str, ...]) -> str:
    q = snap.queue()
    out = [f"annal dashboard  seq {snap.last_seq()}  autonomy level "
           f"{snap.autonomy_level()}  changed: {', '.join(changed) or '-'}",
           f"queue: {q.runnable_tasks} runnable tasks, {q.tool_queue_depth} tool calls, "
           f"{q.schedule_backlog} schedule backlog", "", "active tasks:"]
    for t in snap.active_tasks(limit=10):
        out.append(f"  {t.task_id:<24} {t.status:<8} {t.step or '':<10} {t.name}")
    out += ["", "pending approvals:"]
    for a in snap.approvals(limit=5):
        out.append(f"  {a.approval_id:<28} {a.action:<8} {a.context or ''}")
    out += ["", "open alarms:"]
    for al in snap.alarms(state="open", limit=5):
        out.append(f"  {al.severity:<8} {al.source:<10} {al.message}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--once", action="store_true", help="draw once and exit")
    ap.add_argument("--frames", type=int, default=0, help="exit after N redraws")
    args = ap.parse_args()
    clear = "\x1b[H\x1b[2J" if sys.stdout.isatty() else ""
    with annal.open(args.store, create=False) as store:
        with store.read() as snap:
            print(clear + render(snap, ()), flush=True)
        if args.once:
            return
        frames = 0
        try:
            for commit in store.commits():
                with store.read() as snap:
                    print(clear + render(snap, commit.changed), flush=True)
                frames += 1
                if frames == args.frames:
                    return
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
