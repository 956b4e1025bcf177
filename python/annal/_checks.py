"""Arguments checked as the Python API takes them (the messages name the
argument), and the context-manager base of Store and Snapshot."""
from __future__ import annotations

import os
from typing import Any, TypeVar

from annal._errors import InvalidArgument


def _int(name: str, value: Any, minimum: int = 0, optional: bool = False) -> Any:
    """`value` if it is an int (not a bool) of at least `minimum`, else
    InvalidArgument naming `name`: what would otherwise reach the native
    module as a wrapped or mistyped number."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise InvalidArgument(f"{name} must be at least {minimum}, not {value}")
    if value > 2**64 - 1:
        raise InvalidArgument(f"{name} must be at most {2**64 - 1}, not {value}")
    return value


def _text(name: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str, not {type(value).__name__}")
    return value


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InvalidArgument(f"{name} must be a number of seconds, not {value!r}")
    if value < 0:
        raise InvalidArgument(f"{name} must be >= 0 seconds, not {value}")
    return float(value)


def _path(name: str, value: Any) -> str:
    """A directory path: str or os.PathLike of str, not empty, without NUL
    (`open(None)` used to create ./None)."""
    try:
        path = os.fspath(value)
    except TypeError:
        raise InvalidArgument(f"{name} must be a str or os.PathLike, not "
                              f"{type(value).__name__}") from None
    if not isinstance(path, str):
        raise InvalidArgument(f"{name} must be a str path, not {type(path).__name__}")
    if not path:
        raise InvalidArgument(f"{name} is empty")
    if "\0" in path:
        raise InvalidArgument(f"{name} holds a NUL character: {path!r}")
    return path


H = TypeVar("H", bound="_Handle")


class _Handle:
    """A native object with close(): a context manager that closes it."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._native.close()

    @property
    def closed(self) -> bool:
        return bool(self._native.closed)
