"""The README's five lines that embed annal from Python, runnable:
    python3 examples/python/readme.py STORE_DIR"""
import sys

import annal

with annal.open(sys.argv[1]) as store:                      # creates it if missing
    store.append([annal.TaskCreated(task_id="backup", name="nightly backup"),
                  annal.TaskStatusChanged(task_id="backup", status="running")])
    with store.read() as snap:                              # one consistent view
        print([task.name for task in snap.active_tasks()])  # ['nightly backup']
