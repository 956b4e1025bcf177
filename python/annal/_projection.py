"""Projections of your own (docs/projections.md): a subclass of Projection
declares its name, version and tables; `apply(tx, event)` runs inside the
append's LMDB write transaction (the GIL taken only around it), or in the
projector in deferred mode. `annal.open(path, projections=[...])`."""
from __future__ import annotations

import typing
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from annal._errors import InvalidArgument

_TYPES = {int: "int", str: "str", bool: "bool", float: "float"}


def _field_type(name: str, t: Any) -> Tuple[str, bool]:
    """(type name, optional) of a declared type: int, str, bool, float, or
    typing.Optional of one."""
    optional = False
    args = typing.get_args(t)
    if typing.get_origin(t) is Union and len(args) == 2 and type(None) in args:
        t = args[0] if args[1] is type(None) else args[1]
        optional = True
    if t not in _TYPES:
        raise InvalidArgument(f"field {name!r}: a type is int, str, bool or float "
                              f"(or Optional of one), not {t!r}")
    return _TYPES[t], optional


class Table:
    """One table: its key fields (a tuple of names, typed by `fields` when
    listed there, else str; or a dict of name to int or str), its other
    fields (a dict of name to type), in declared order, and its indexes (a
    dict of index name to the tuple of field names it orders by, then by
    key; a row with None in an index field is not in that index)."""

    def __init__(self, key: Union[Sequence[str], Mapping[str, type]],
                 fields: Mapping[str, Any],
                 indexes: Optional[Mapping[str, Sequence[str]]] = None) -> None:
        if isinstance(key, str):
            key = (key,)
        fields = dict(fields)
        if isinstance(key, Mapping):
            self.key: Dict[str, Any] = dict(key)
        else:
            self.key = {k: fields.pop(k, str) for k in key}
        self.fields: Dict[str, Any] = fields
        if not self.key:
            raise InvalidArgument("a table needs at least one key field")
        self.indexes: Dict[str, Tuple[str, ...]] = {}
        for index, on in (indexes or {}).items():
            on = (on,) if isinstance(on, str) else tuple(on)
            if not all(isinstance(f, str) for f in on):
                raise InvalidArgument(f"index {index!r}: fields are names (str)")
            self.indexes[index] = on

    def _declaration(self, name: str) -> Tuple[str, List[Tuple[str, str]],
                                               List[Tuple[str, str, bool]],
                                               List[Tuple[str, List[str]]]]:
        key = []
        for k, t in self.key.items():
            type_name, optional = _field_type(k, t)
            if optional or type_name not in ("int", "str"):
                raise InvalidArgument(f"table {name!r}: key field {k!r} must be int or str")
            key.append((k, type_name))
        fields = [(f, *_field_type(f, t)) for f, t in self.fields.items()]
        indexes = [(i, list(on)) for i, on in self.indexes.items()]
        return name, key, fields, indexes


class Projection:
    """Subclass it: `name`, `version` (from 1; a store holding another
    version rebuilds it), `tables` (name to Table; the first is the default
    one) and `apply(self, tx, event)`. `event` is the dict `annal export`
    prints; `tx.get(table, key)` returns the row's other fields as a dict
    (or None), `tx.put(table, key, fields)` writes them all,
    `tx.delete(table, key)` removes the row; a key is a tuple (or one value
    for a one-field key). `apply` must be deterministic: it reads only the
    event and its own tables (no clock, no randomness, no I/O), and keeps no
    state in the object, since replays run it again."""

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    tables: ClassVar[Dict[str, Table]] = {}

    def apply(self, tx: Any, event: Dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__}.apply")

    def _declaration(self) -> Tuple[Any, str, int, List[Any]]:
        name, version, tables = self.name, self.version, self.tables
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"{type(self).__name__}.name must be a non-empty str")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InvalidArgument(f"projection {name}: version must be an int from 1")
        if not isinstance(tables, Mapping) or not tables:
            raise InvalidArgument(f"projection {name}: tables must name at least one Table")
        declared = []
        for table_name, table in tables.items():
            if not isinstance(table, Table):
                raise InvalidArgument(f"projection {name}: tables[{table_name!r}] "
                                      "is not an annal.Table")
            declared.append(table._declaration(table_name))
        return self, name, version, declared


def _declarations(projections: Optional[Sequence[Projection]]) -> List[Any]:
    out = []
    for p in projections or ():
        if not isinstance(p, Projection):
            raise InvalidArgument(f"projections holds {type(p).__name__}, "
                                  "not an annal.Projection")
        out.append(p._declaration())
    return out
