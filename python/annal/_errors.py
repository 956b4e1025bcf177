"""The exceptions of annal: every failure of an engine call is an `Error`.

The native module raises these (python/src/module.cc maps each C++
`Status` code to one class); nothing else in the package defines errors.
"""
from __future__ import annotations

import re
from typing import Optional

_RULE = re.compile(r"\(rule: ([^)]*)\)\s*$")


class Error(Exception):
    """Any failure of annal: a misuse (closed store, wrong process) when it
    is not one of the subclasses below. `message` says what and why."""

    def __init__(self, message: str, index: Optional[int] = None,
                 event_type: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        #: For an event's fault: its 0-based index in the batch.
        self.index = index
        #: For an event's fault, when known: its type ("task_created").
        self.event_type = event_type


class RejectedError(Error):
    """An event broke a rule: nothing of its batch was written. `index`,
    `event_type` and `rule` name the event and the rule it broke."""

    @property
    def rule(self) -> Optional[str]:
        """The rule's name, as docs/events.md lists it ("id is new"); None for
        a value rule, which names the field instead."""
        m = _RULE.search(self.message)
        return m.group(1) if m else None


class InvalidArgument(Error, ValueError):
    """Malformed input before any rule applies: an event that is not a
    valid JSONL event (`index` names it), a bad option or argument."""


class CorruptionError(Error):
    """A stored record failed its checks (the message names its seq)."""


class BusyError(Error):
    """The engine could not proceed now: a wait timed out, the map could not
    grow while views were open, or the store is already open here."""


class NotShippedError(Error):
    """With `wait_for_ship`: the batch is committed (never append it again)
    but the stream had not acknowledged it in time. `receipt` holds its
    seqs, as `append` would have returned them."""

    def __init__(self, message: str, receipt: object = None) -> None:
        super().__init__(message)
        self.receipt = receipt


class NotAStoreError(Error):
    """The directory or file is not an annal store."""


class IncompatibleError(Error):
    """A store of another format version, or stale projections."""


class StorageError(Error):
    """The OS or LMDB failed: disk full, permissions, I/O."""
