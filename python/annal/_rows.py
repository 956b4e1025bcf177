"""Projection rows: immutable, read as attributes, printed byte for byte as
`annal query` prints them. The typed subclasses (ActiveTaskRow, ...) are
generated from the C++ row structs into _types.py at build time."""
from __future__ import annotations

import json
from typing import Any, ClassVar, Dict, Generic, List, Optional, TypeVar


class _Page:
    """The JSON texts of one query's rows, decoded together on first use:
    one json.loads of the whole page costs a third of one per row."""

    __slots__ = ("texts", "decoded")

    def __init__(self, texts: List[str]) -> None:
        self.texts = texts
        self.decoded: Optional[List[Dict[str, Any]]] = None

    def row(self, index: int) -> Dict[str, Any]:
        if self.decoded is None:
            self.decoded = json.loads("[" + ",".join(self.texts) + "]")
        return self.decoded[index]


class Row:
    """One row of a projection. `to_json()` is the exact line `annal query`
    prints; attributes and `to_dict()` are that JSON decoded (on first use)."""

    __slots__ = ("_json", "_data", "_page", "_index")
    projection: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, text: str, page: Optional[_Page] = None, index: int = 0) -> None:
        object.__setattr__(self, "_json", text)
        object.__setattr__(self, "_data", None)
        object.__setattr__(self, "_page", page)
        object.__setattr__(self, "_index", index)

    def _decoded(self) -> Dict[str, Any]:
        data: Optional[Dict[str, Any]] = object.__getattribute__(self, "_data")
        if data is None:
            page: Optional[_Page] = object.__getattribute__(self, "_page")
            if page is not None:
                data = page.row(object.__getattribute__(self, "_index"))
            else:
                data = json.loads(object.__getattribute__(self, "_json"))
            object.__setattr__(self, "_data", data)
            object.__setattr__(self, "_page", None)
        return data

    def __getattr__(self, name: str) -> Any:
        try:
            return self._decoded()[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("rows are immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("rows are immutable")

    def to_dict(self) -> Dict[str, Any]:
        """The row's fields (absent values as None), a new dict each call."""
        return dict(self._decoded())

    def to_json(self) -> str:
        """The row as `annal query` prints it (without the newline)."""
        return str(object.__getattribute__(self, "_json"))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_json() == self.to_json()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_json()})"

    def __reduce__(self) -> Any:
        return (type(self), (self.to_json(),))


R = TypeVar("R", bound=Row)


class RowList(List[R], Generic[R]):
    """The rows of one query: a list, plus `next`, the cursor of the next
    page when the query had a `limit` and more rows follow (else None)."""

    next: Optional[str]

    def __init__(self, rows: List[R], next: Optional[str]) -> None:
        super().__init__(rows)
        self.next = next
