"""A small task runner in the design note's shape, writing every change to
annal's audit log: tasks are queued, run step by step through tool calls,
paused when a step needs an operator's approval, resumed once it is
granted; a failing tool raises an alarm. Several worker threads run at once
and their appends share the engine's commits.

    python3 examples/python/task_runner.py STORE_DIR [--tasks N] [--workers W]

Run examples/python/dashboard.py STORE_DIR beside it to watch.
"""
from __future__ import annotations

import argparse
import queue
import random
import threading
import time

import annal

STEPS = ["fetch", "transform", "deploy"]


def now_us() -> int:
    return time.time_ns() // 1000


class Runner:
    def __init__(self, store: annal.Store, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.lock = threading.Lock()  # guards rng

    def chance(self, p: float) -> bool:
        with self.lock:
            return self.rng.random() < p

    def run(self, task_id: str) -> None:
        s = self.store
        s.append(annal.TaskStatusChanged(task_id=task_id, status="running",
                                         step=STEPS[0], actor="runner"))
        for n, step in enumerate(STEPS):
            s.append(annal.TaskStepAdvanced(task_id=task_id, step=step, actor="runner"))
            if step == "deploy" and self.chance(0.5):
                self.ask_approval(task_id)
            call_id = f"{task_id}-call{n}"
            s.append([annal.ToolCallQueued(call_id=call_id, task_id=task_id, tool=step),
                      annal.ToolCallStarted(call_id=call_id)])
            time.sleep(0.01)  # the tool's work
            if self.chance(0.1):
                s.append([annal.ToolCallFinished(call_id=call_id, outcome="error"),
                          annal.AlarmRaised(alarm_id=f"alarm-{call_id}",
                                            severity="warning", source=step,
                                            message=f"{step} failed for {task_id}"),
                          annal.TaskStatusChanged(task_id=task_id, status="failed")])
                return
            s.append(annal.ToolCallFinished(call_id=call_id, outcome="ok"))
        s.append(annal.TaskStatusChanged(task_id=task_id, status="succeeded"))

    def ask_approval(self, task_id: str) -> None:
        """Pauses the task on an approval, which an operator grants."""
        approval_id = f"{task_id}-deploy"
        wake = now_us() + 60_000_000
        self.store.append([
            annal.TaskStatusChanged(task_id=task_id, status="paused", next_wake_time=wake),
            annal.ApprovalRequested(approval_id=approval_id, task_id=task_id,
                                    action="deploy", expires_at=wake,
                                    context="deploy to production"),
        ])
        time.sleep(0.05)  # the operator thinks
        self.store.append([
            annal.ApprovalGranted(approval_id=approval_id, actor="operator:ana"),
            annal.TaskStatusChanged(task_id=task_id, status="running", step="deploy"),
        ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with annal.open(args.store) as store:
        with store.read() as snap:
            first = snap.last_seq()  # task ids unique across runs
            level = snap.autonomy_level()
        if level != 2:  # the rule: a change must change the level
            store.append(annal.AutonomyLevelChanged(level=2, reason="supervised runs"))
        runner = Runner(store, args.seed)
        todo: queue.Queue[str] = queue.Queue()
        for i in range(args.tasks):
            task_id = f"task-{first}-{i}"
            store.append(annal.TaskCreated(task_id=task_id, name=f"nightly job {i}",
                                           actor="scheduler"))
            todo.put(task_id)

        def worker() -> None:
            while True:
                try:
                    task_id = todo.get_nowait()
                except queue.Empty:
                    return
                runner.run(task_id)

        workers = [threading.Thread(target=worker) for _ in range(args.workers)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        st = store.status()
        print(f"ran {args.tasks} tasks: log head seq {st.head_seq}, "
              f"{store.stats()['commits']} durable commits")
        print(f"verify: {'identical' if store.verify()['identical'] else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
