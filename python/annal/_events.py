"""The base of the typed event classes (generated into _types.py, one per
event type of docs/events.md): frozen dataclasses whose `to_dict()` is the
event's JSONL object. `store.append` takes them or plain dicts alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Optional


@dataclass(frozen=True, kw_only=True)
class Event:
    """An audit event. `ts` (µs since the epoch) absent: the engine stamps
    its clock at append. `actor`: who did it, free text. `subject`: whose
    personal data it holds (docs/security.md, "Erasure"): its personal
    fields are logged sealed under that subject's key, which
    `store.forget(subject)` destroys."""

    type: ClassVar[str] = ""

    ts: Optional[int] = None
    actor: Optional[str] = None
    subject: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        """The event as its JSONL object: "type" and the fields that are set."""
        d: Dict[str, Any] = {"type": type(self).type}
        for k, v in self.__dict__.items():
            if v is not None:
                d[k] = v
        return d
