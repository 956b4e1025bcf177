"""Store: the Python face of annal::Engine (Snapshot: annal/_snapshot.py).

Thread-safety: a Store may be used from many threads at once; its calls
release the GIL while they wait or work, so threads appending at the same
moment share one durable commit (group commit). A Snapshot is one
consistent view; Python threads may share it (its calls are serialised).
Lifetime: closing a Store ends its Snapshots (using one then raises
annal.Error); rows own their data and outlive both.
"""
from __future__ import annotations

import builtins
import json
import time
from collections.abc import Mapping
from typing import (Any, Dict, Iterable, Iterator, List, NamedTuple, Optional,
                    Sequence, Union)

from annal import _annal

builtins_open = builtins.open  # `open` below is annal.open
from annal._errors import BusyError, Error, InvalidArgument, NotShippedError
from annal._checks import _Handle, _int, _path, _seconds, _text
from annal._events import Event
from annal._projection import Projection, _declarations, _field_type
from annal._snapshot import Snapshot

EventLike = Union[Event, Mapping[str, Any]]
PROJECTIONS: tuple[str, ...] = tuple(_annal.PROJECTIONS)


class Receipt(NamedTuple):
    """The seqs an append gave its batch (both 0 for an empty batch)."""
    first_seq: int
    last_seq: int


class Commit(NamedTuple):
    """One or more commits seen by `Store.commits()`: the log grew from
    `first_seq` to `seq`, and these projections changed."""
    first_seq: int
    seq: int
    changed: tuple[str, ...]


class StoreStatus(NamedTuple):
    """What `annal status` prints, and the engine's counters."""
    head_seq: int
    projected_seq: int
    lag_events: int
    lag_seconds: float
    mode: str
    map_size: int
    used_bytes: int
    append_batches: int
    append_events: int
    rejected_batches: int
    # The verify or rebuild running on the store now, in any process:
    # {"kind", "building", "done", "total"} as /v1/status gives it, or None.
    maintenance: Optional[Dict[str, Any]] = None


# Native waits run in slices this long, so that Ctrl-C (a signal handled
# between them) interrupts a long wait.
_WAIT_SLICE = 0.1


def _as_dict(event: EventLike, index: int) -> Dict[str, Any]:
    """What the native append calls for an event that is not a dict."""
    if isinstance(event, Event):
        return event.to_dict()
    if isinstance(event, Mapping):
        return dict(event)
    raise InvalidArgument(f"event {index}: an event must be a dict or an annal event "
                          f"class, not {type(event).__name__}", index)


class Server:
    """An HTTP API server started by Store.serve(): `url`, `port`, `stop()`;
    a context manager that stops it."""

    def __init__(self, native: Any, host: str) -> None:
        self._native = native
        self.port = int(native.port)
        self.url = f"http://{host}:{self.port}"

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stops serving (open feeds end within a second). Idempotent."""
        self._native.stop()

    @property
    def running(self) -> bool:
        return bool(self._native.running)


class Store(_Handle):
    """An open annal store. Use `annal.open()`; close it (or use it as a
    context manager) before the process ends. One Store per directory per
    process; a child process after fork() must open its own."""

    def close(self) -> None:
        """Stops its servers, ends every Snapshot of this store, then closes
        it. Idempotent."""
        for server in getattr(self, "_servers", []):
            server.stop()
        self._native.close()

    def serve(self, listen: str = "127.0.0.1:8080", *, token_file: Optional[str] = None,
              allow_append: bool = False, max_feeds: int = 64,
              heartbeat: float = 2.0) -> "Server":
        """Runs `annal serve`'s HTTP API (docs/http.md) over this store, on
        threads of its own, so that this process's projections of your own
        are on the API, the feed and the page. `listen` is HOST:PORT (port 0:
        any free one; `server.url` says which). `token_file`: a file whose
        first line is the Bearer token every request must carry. Stopped by
        `server.stop()` or when the store closes."""
        _text("listen", listen)
        host, sep, port_text = listen.rpartition(":")
        if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
            raise InvalidArgument(f"listen must be HOST:PORT, not {listen!r}")
        token = None
        if token_file is not None:
            with builtins_open(_path("token_file", token_file)) as f:
                token = f.readline().strip()
            if not token:
                raise InvalidArgument(f"no token in {token_file}")
        _int("max_feeds", max_feeds, 1)
        _seconds("heartbeat", heartbeat)
        native = _annal.serve(self._native, host, int(port_text), token, bool(allow_append),
                              max_feeds, max(1, int(heartbeat * 1000)))
        server = Server(native, host)
        if not hasattr(self, "_servers"):
            self._servers: List[Server] = []
        self._servers.append(server)
        return server

    @property
    def path(self) -> str:
        return str(self._native.path)

    def append(self, events: Union[EventLike, Iterable[EventLike]]) -> Receipt:
        """Appends one event or a batch in one transaction, all or nothing:
        a broken rule raises RejectedError (index, event_type, rule) and
        writes nothing. Events are dicts in the JSONL shape of
        docs/events.md or the typed classes (annal.TaskCreated(...))."""
        if isinstance(events, (Mapping, Event)):
            events = [events]
        batch = events if type(events) is list else list(events)
        first, last, unshipped = self._native.append(batch, _as_dict)
        if unshipped:
            raise NotShippedError(
                f"committed through seq {last}, not yet acknowledged by the stream within "
                "wait_for_ship: is `annal ship` running? The batch is in the store: do not "
                "append it again", Receipt(first, last))
        return Receipt(first, last)

    def declare_event_type(self, name: str, fields: Mapping[str, Any],
                           version: int = 1, personal: Sequence[str] = ()) -> Receipt:
        """Declares an event type of your own, or extends it (docs/events.md,
        "Events of your own"): `fields` maps each name, in order, to int,
        str, bool or float, or Optional of one; `personal` names the str
        fields that are personal (sealed under an event's subject,
        docs/security.md). Version 1 declares; version N+1 keeps every field
        of N and adds optional ones. The declaration is an event in the log;
        a refusal raises RejectedError saying why. Events of the type are
        then appended as dicts: {"type": name, "amount": 12.5, ...}."""
        unknown = [f for f in personal if f not in fields]
        if unknown:
            raise InvalidArgument(f"personal field {unknown[0]!r} is not one of the fields")
        items = []
        for field, t in fields.items():
            type_name, optional = _field_type(field, t)
            items.append(f"{field}:{type_name}{'?' if optional else ''}"
                         f"{':personal' if field in personal else ''}")
        return self.append({"type": "event_type_declared", "name": name,
                            "version": _int("version", version), "fields": ",".join(items)})

    def forget(self, subject: str) -> Receipt:
        """Erasure (docs/security.md): logs a subject_forgotten event whose
        commit destroys `subject`'s key. From then on every read, export and
        projection shows the personal values of events appended with that
        subject as erased (None, named in the event's "erased"); the hash
        chain and verify are unchanged."""
        return self.append({"type": "subject_forgotten", "subject": subject})

    def event_types(self) -> List[Dict[str, Any]]:
        """The declared event types, in name order, each at its current
        version: {"name", "version", "fields": "amount:float,note:str?"}."""
        return [dict(name=n, version=v, fields=f) for n, v, f in self._native.event_types()]

    def read(self, as_of: Optional[int] = None) -> Snapshot:
        """A read view as of the latest commit or, with `as_of`, as it was
        right after that seq (time travel: costs a replay of `as_of` events
        into a private temporary store)."""
        return Snapshot(self._native.read(_int("as_of", as_of, optional=True)), as_of)

    def verify(self) -> Dict[str, Any]:
        """Rebuilds every projection from the log and compares it byte for
        byte with the live one: the report `annal verify --json` prints
        (`report["identical"]`). A damaged record raises CorruptionError."""
        report: Dict[str, Any] = json.loads(self._native.verify())
        return report

    def verify_log(self) -> Dict[str, Any]:
        """Checks the log's hash chain alone: events, head_seq, head_hash."""
        events, head_seq, head_hash = self._native.verify_log()
        return {"events": events, "head_seq": head_seq, "head_hash": head_hash}

    def backup(self, dest: str) -> Dict[str, Any]:
        """Hot backup: a compacted copy as of one commit in the new (or empty)
        directory `dest`, taken while appends go on, then verified; restore
        by opening `dest`. Returns dir, events, head_seq, head_hash, bytes,
        seconds, identical. InvalidArgument for a non-empty `dest`."""
        return dict(self._native.backup(_path("dest", dest)))

    def rebuild(self) -> None:
        """Rebuilds every projection from the log, live, in one switch."""
        self._native.rebuild()

    def project_pending(self, batch: int = _annal.DEFAULT_PROJECT_BATCH) -> int:
        """Deferred mode: projects the logged events after the checkpoint;
        returns how many (0: caught up)."""
        return int(self._native.project_pending(_int("batch", batch, 1)))

    def status(self) -> StoreStatus:
        with self.read() as snap:
            head, projected, events, micros = snap._native.lag()
            mode = snap.mode()
        st = self._native.stats()
        return StoreStatus(head, projected, events, micros / 1e6, mode, st["map_size"],
                           st["used_bytes"], st["append_batches"], st["append_events"],
                           st["rejected_batches"], self._native.running_maintenance())

    def stats(self) -> Dict[str, Any]:
        """The engine's counters since this Store opened (EngineStats)."""
        return dict(self._native.stats())

    def export_lines(self, after: int = 0, chunk: int = 1000) -> Iterator[str]:
        """The log after seq `after`, as the lines `annal export` prints (no
        newline). Reads `chunk` records per view: appends may continue, and
        the iterator ends at the head it reaches."""
        seq = _int("after", after)
        _int("chunk", chunk, 1)
        while True:
            with self.read() as snap:
                lines: Sequence[str] = snap._native.scan_log(seq + 1, chunk)
            if not lines:
                return
            yield from lines
            seq += len(lines)

    def export(self, after: int = 0) -> Iterator[Dict[str, Any]]:
        """The log after seq `after`, each event a dict (with its seq)."""
        for line in self.export_lines(after):
            yield json.loads(line)

    def wait_for(self, seq: int, timeout: float = 10.0) -> None:
        """Waits until the projections reflect `seq` (deferred mode's
        read-your-writes); BusyError after `timeout` seconds."""
        _int("seq", seq)
        deadline = time.monotonic() + _seconds("timeout", timeout)
        while True:
            left = deadline - time.monotonic()
            try:
                self._native.wait_for(seq, max(1, int(min(left, _WAIT_SLICE) * 1000)))
                return
            except BusyError:
                if left <= _WAIT_SLICE:
                    raise

    def wait_for_commit(self, after: int, timeout: float) -> int:
        """Returns the log head as soon as it passes `after` (whichever
        process committed), or after `timeout` seconds (then at most `after`)."""
        _int("after", after)
        deadline = time.monotonic() + _seconds("timeout", timeout)
        while True:
            left = deadline - time.monotonic()
            head = int(self._native.wait_for_commit(
                after, max(0, int(min(left, _WAIT_SLICE) * 1000))))
            if head > after or left <= _WAIT_SLICE:
                return head

    def commits(self, after: Optional[int] = None, poll: float = 0.25) -> Iterator[Commit]:
        """Change notification: yields a Commit each time the log grows
        (commits close together come as one), from `after` (default: the
        head now). The first Commit after an older `after` names every
        projection. Ends when the store is closed; Ctrl-C interrupts it."""
        with self.read() as snap:
            fp = snap._native.fingerprints()
            head = snap.last_seq()
        seq = head if after is None else after
        catch_up = seq < head
        while True:
            try:
                new_head = self.wait_for_commit(seq, poll) if not catch_up else head
            except Error:
                if self.closed:
                    return
                raise
            if new_head <= seq:
                continue
            with self.read() as snap:
                now = snap._native.fingerprints()
                new_head = snap.last_seq()
            changed = tuple(_annal.changed_projections([] if catch_up else fp, now))
            catch_up = False
            yield Commit(seq + 1, new_head, changed)
            fp, seq = now, new_head


def open(path: str, mode: str = "inline", *, create: bool = True, read_only: bool = False,
         sync: bool = True, initial_map_size: int = 0,
         rebuild_stale: bool = False, wait_for_ship: float = 0.0,
         allow_other_owner: bool = False,
         projections: Optional[Sequence[Projection]] = None) -> Store:
    """Opens (creating it unless `create=False`) the store in directory
    `path`. `mode`: "inline" (projections in the append's transaction) or
    "deferred" (a projector catches up later). `sync=False` trades the
    last appends on a power loss for speed: a process crash loses nothing,
    a power loss may take the latest batches (whole), never the store.
    `wait_for_ship` (seconds, 0 = off): each append returns only once
    `annal ship` has the batch acknowledged by the stream, so a failover
    loses none of it; after that long without, it raises NotShippedError
    (the batch is committed locally: its `receipt` has its seqs).
    `allow_other_owner`: open a store another user owns (an auditor reading
    a copy) instead of refusing it. `projections`: projections of your own
    (annal.Projection instances); one new to the store, or at another
    version, is built from the log before open returns."""
    path = _path("path", path)
    _text("mode", mode)
    _seconds("wait_for_ship", wait_for_ship)
    _int("initial_map_size", initial_map_size)
    wait_ms = int(wait_for_ship * 1000)
    if wait_for_ship > 0:
        wait_ms = max(wait_ms, 1)
    declared = _declarations(projections)
    return Store(_annal.Store(path, mode, create, read_only, sync, initial_map_size,
                              rebuild_stale, wait_ms, allow_other_owner, declared))
