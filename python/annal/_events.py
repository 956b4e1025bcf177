"""The base of the typed event classes (generated into _types.py, one per
event type of docs/events.md): frozen dataclasses whose `to_dict()` is the
event's JSONL object. `store.append` takes them or plain dicts alike."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Optional, Tuple


@dataclass(frozen=True, kw_only=True)
class Event:
    """An audit event. `ts` (µs since the epoch) absent: the engine stamps
    its clock at append. `actor`: who did it, free text."""

    type: ClassVar[str] = ""
    _names: ClassVar[Tuple[str, ...]] = ()

    ts: Optional[int] = None
    actor: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        """The event as its JSONL object: "type" and the fields that are set."""
        cls = type(self)
        names = cls.__dict__.get("_names")
        if not names:
            names = tuple(f.name for f in dataclasses.fields(self))
            cls._names = names
        d: Dict[str, Any] = {"type": cls.type}
        for n in names:
            v = getattr(self, n)
            if v is not None:
                d[n] = v
        return d
