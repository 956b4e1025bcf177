"""Snapshot: the Python face of annal::Snapshot, one consistent read view.

Thread-safety: Python threads may share a Snapshot (its calls are
serialised). Lifetime: closing its Store ends it (using it then raises
annal.Error); rows own their data and outlive both.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, NamedTuple, Optional, TypeVar, Union, cast

from annal._checks import _Handle, _int, _text
from annal._errors import InvalidArgument
from annal._rows import Row, RowList, _Page
from annal._types import (ROW_CLASSES, ActiveTaskRow, AlarmRow, ApprovalRow,
                          IntegrationRow, QueueDepthRow, RuleRow, ScheduleRow,
                          WatcherRow)

R = TypeVar("R", bound=Row)


class History(NamedTuple):
    """One page of an entity's audit trail (Snapshot.history)."""
    events: List[Dict[str, Any]]  # as Store.export gives them, seq included
    next: Optional[int]  # pass as `after` for the next page; None: no more


class Snapshot(_Handle):
    """A consistent read view: every projection and the log as of one
    commit. Use it as a context manager, or close() it: an open view keeps
    the store's old pages from reuse and its map from growing."""

    def __init__(self, native: Any, as_of: Optional[int] = None) -> None:
        super().__init__(native)
        self.as_of = as_of

    def query(self, name: str, *, due: Optional[int] = None, state: Optional[str] = None,
              limit: Optional[int] = None,
              after: Optional[str] = None) -> RowList[Row]:
        """The rows `annal query NAME` prints with these options, in its
        order. With `limit`, at most that many and `.next`, the cursor
        to pass as `after` for the next page (None when no rows follow)."""
        _text("name", name)
        if isinstance(due, bool) or (due is not None and not isinstance(due, int)):
            raise InvalidArgument(f"due must be an integer, not {type(due).__name__}")
        _text("state", state, optional=True)
        _int("limit", limit, 1, optional=True)
        _text("after", after, optional=True)
        rows, nxt = self._native.query(name, due, state, limit, after)
        page = _Page(rows)
        if name == "autonomy_history":
            cur, change = ROW_CLASSES["autonomy_current"], ROW_CLASSES["autonomy_history"]
            first = after is None
            return RowList([(cur if first and i == 0 else change)(r, page, i)
                            for i, r in enumerate(rows)], nxt)
        cls = ROW_CLASSES.get(name, Row)
        return RowList([cls(r, page, i) for i, r in enumerate(rows)], nxt)

    def rows(self, name: str, table: Optional[str] = None, *, limit: Optional[int] = None,
             after: Optional[str] = None, index: Optional[str] = None,
             low: Union[int, str, bool, None] = None,
             high: Union[int, str, bool, None] = None) -> RowList[Row]:
        """The rows of a projection's table: one of your own
        (annal.Projection) or one of the nine's (docs/projections.md lists
        them): its default table, or `table`, in key order, or in the order of its
        `index`, from `low` to `high` (inclusive, on the index's first field)
        when given; each row holds its key fields, then its other fields.
        With `limit`, at most that many and `.next`, the cursor to pass as
        `after` (None when no rows follow)."""
        _text("name", name)
        _text("table", table, optional=True)
        _int("limit", limit, 1, optional=True)
        _text("after", after, optional=True)
        _text("index", index, optional=True)
        rows, nxt = self._native.rows(name, table or "", limit, after, index or "", low, high)
        page = _Page(rows)
        return RowList([Row(r, page, i) for i, r in enumerate(rows)], nxt)

    def history(self, kind: str, id: str, *, after: int = 0,
                limit: Optional[int] = None) -> Optional[History]:
        """The audit trail of one entity: the events naming it (a task's
        also its tool calls' and approvals'), in seq order, after seq
        `after`, at most `limit`; read from an index, never a scan. KIND is
        task, schedule, watcher, rule, integration, tool_call, approval or
        alarm (another raises InvalidArgument). None when the log never named
        the entity."""
        _text("kind", kind)
        _text("id", id)
        _int("after", after)
        _int("limit", limit, 1, optional=True)
        page = self._native.history(kind, id, after, limit)
        if page is None:
            return None
        return History([json.loads(line) for line in page[0]], page[1])

    def series(self, name: str, *, from_ts: Optional[int] = None,
               to_ts: Optional[int] = None) -> RowList[Row]:
        """A chart's per-minute rows (docs/projections.md, "series"): NAME is
        queue, alarms, events or appends; from the minute holding event time
        `from_ts` to the one holding `to_ts` (µs), each row its bucket's
        start, then its fields."""
        if name not in ("queue", "alarms", "events", "appends"):
            raise InvalidArgument(
                f"no series {name!r} (one of queue, alarms, events, appends)")
        minute = 60_000_000
        low = None if from_ts is None else _int("from_ts", from_ts, -2**63) // minute * minute
        high = None if to_ts is None else _int("to_ts", to_ts, -2**63) // minute * minute
        rows: List[Any] = []
        after: Optional[str] = None
        while True:
            page = self.rows("series", name, limit=10000, after=after, low=low, high=high)
            rows.extend(page)
            if page.next is None:
                return RowList(rows, None)
            after = page.next

    def _typed(self, cls: type[R], name: str, **options: Any) -> RowList[R]:
        return cast(RowList[R], self.query(name, **options))

    def active_tasks(self, *, due: Optional[int] = None, limit: Optional[int] = None,
                     after: Optional[str] = None) -> RowList[ActiveTaskRow]:
        """Non-terminal tasks by id; with `due`, paused tasks waking by then."""
        return self._typed(ActiveTaskRow, "active_tasks", due=due, limit=limit, after=after)

    def schedules(self, *, due: Optional[int] = None, limit: Optional[int] = None,
                  after: Optional[str] = None) -> RowList[ScheduleRow]:
        """Schedules by id; with `due`, enabled ones to run by then."""
        return self._typed(ScheduleRow, "schedules", due=due, limit=limit, after=after)

    def watchers(self, *, limit: Optional[int] = None,
                 after: Optional[str] = None) -> RowList[WatcherRow]:
        return self._typed(WatcherRow, "watchers", limit=limit, after=after)

    def rules(self, *, limit: Optional[int] = None, after: Optional[str] = None) -> RowList[RuleRow]:
        return self._typed(RuleRow, "rules", limit=limit, after=after)

    def integrations(self, *, limit: Optional[int] = None,
                     after: Optional[str] = None) -> RowList[IntegrationRow]:
        return self._typed(IntegrationRow, "integrations", limit=limit, after=after)

    def approvals(self, *, due: Optional[int] = None, limit: Optional[int] = None,
                  after: Optional[str] = None) -> RowList[ApprovalRow]:
        """Pending approvals by id; with `due`, those expiring by then."""
        return self._typed(ApprovalRow, "approvals", due=due, limit=limit, after=after)

    def queue_depth(self) -> RowList[QueueDepthRow]:
        """A list of one row, as `annal query queue_depth` prints one line."""
        return self._typed(QueueDepthRow, "queue_depth")

    def autonomy_history(self, *, limit: Optional[int] = None,
                         after: Optional[str] = None) -> RowList[Row]:
        """The current level first (AutonomyCurrentRow), then the changes,
        newest first (AutonomyChangeRow)."""
        return self.query("autonomy_history", limit=limit, after=after)

    def alarms(self, *, state: Optional[str] = None, limit: Optional[int] = None,
               after: Optional[str] = None) -> RowList[AlarmRow]:
        """Alarms by id; with `state` ("open", "acked", "resolved"), those in it."""
        return self._typed(AlarmRow, "alarms", state=state, limit=limit, after=after)

    # Friendlier accessors beside the CLI-shaped ones.
    def queue(self) -> QueueDepthRow:
        """The queue_depth projection's one row."""
        return self.queue_depth()[0]

    def autonomy_level(self) -> int:
        """The current autonomy level (0 before any change)."""
        return int(self.autonomy_history(limit=1)[0].level)

    def last_seq(self) -> int:
        """The newest log entry's seq (0: an empty log)."""
        return int(self._native.last_seq())

    def projected_seq(self) -> int:
        """The seq the projections reflect (less than last_seq while a
        deferred store's projector catches up)."""
        return int(self._native.lag()[1])

    def mode(self) -> str:
        """How the store's last writer opened it: inline, deferred, replica."""
        return str(self._native.store_mode())

    def fingerprints(self) -> Dict[str, int]:
        """Each projection's fingerprint: equal means equal rows."""
        return dict(self._native.fingerprints())
