"""annal from Python: the embedded event-sourced engine (an audit log in LMDB
and its projections, the nine built in and your own, kept in the same
transaction), in-process.

    import annal
    with annal.open("/var/lib/app/annal") as store:
        store.append(annal.TaskCreated(task_id="t1", name="backup"))
        with store.read() as snap:
            print([t.name for t in snap.active_tasks()])

docs/python.md has the whole API, its threading, fork and lifetime rules.
"""
from annal._errors import (BusyError, CorruptionError, Error, IncompatibleError,
                           InvalidArgument, NotAStoreError, NotShippedError, RejectedError,
                           StorageError)
from annal._events import Event
from annal._projection import Projection, Table
from annal._rows import Row, RowList
from annal._snapshot import History, Snapshot
from annal._store import PROJECTIONS, Commit, Receipt, Server, Store, StoreStatus, open
from annal._types import *  # noqa: F401,F403  (the event and row classes)
from annal._types import EVENT_CLASSES, ROW_CLASSES
from annal._annal import set_verbose_logging

__all__ = ["open", "Store", "Snapshot", "Receipt", "Commit", "History", "StoreStatus", "Event",
           "Projection", "Table", "Server",
           "Row", "RowList", "PROJECTIONS", "EVENT_CLASSES", "ROW_CLASSES",
           "set_verbose_logging", "Error", "RejectedError", "InvalidArgument",
           "CorruptionError", "BusyError", "NotAStoreError", "IncompatibleError",
           "StorageError", "NotShippedError"]
