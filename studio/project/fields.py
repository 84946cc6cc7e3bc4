"""Typed reads of one JSON object's fields; a bad one raises ProjectError naming its path.

The message is what a user needs to fix the file by hand: ``placements[1].speed: expected a number > 0,
got "fast"``. The same checks guard edits (commands), so a value the UI accepts is one the file accepts.
"""

from __future__ import annotations

import json
import math
from typing import Any

from studio.errors import ProjectError

_MISSING: Any = object()


def show(value: Any) -> str:
    """A value as it appears in JSON, shortened for a one-line message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except (ValueError, RecursionError):  # an int of 5000 digits has no repr: name its kind
            text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


def bad(path: str, expected: str, value: Any) -> ProjectError:
    return ProjectError(f"{path}: expected {expected}, got {show(value)}")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _bound_text(x: float) -> str:
    """A bound as a user types it: 86400 and 2147483647 in full, not 2.14748e+09."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


def _range_text(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    if lo is not None and hi is not None:
        return f" in {'(' if lo_open else '['}{_bound_text(lo)}, {_bound_text(hi)}{')' if hi_open else ']'}"
    if lo is not None:
        return f" {'>' if lo_open else '>='} {_bound_text(lo)}"
    if hi is not None:
        return f" {'<' if hi_open else '<='} {_bound_text(hi)}"
    return ""


def check_number(
    value: Any,
    path: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    integer: bool = False,
) -> Any:
    """A finite number (bools refused: JSON true is not 1) within the bounds; returns float or int."""
    kind = "an integer" if integer else "a number"
    expected = kind + _range_text(lo, hi, lo_open, hi_open)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(path, expected, value)
    # JSON allows ints of 400 digits: past float's range they are no usable number (isfinite would raise)
    finite = abs(value) < 2**1024 if isinstance(value, int) else math.isfinite(value)
    if not finite:
        raise bad(path, expected, value)
    if integer:
        if value != int(value):
            raise bad(path, expected, value)
        value = int(value)
    else:
        value = float(value)
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and (value >= hi if hi_open else value > hi)
    if too_low or too_high:
        raise bad(path, expected, value)
    return value


def check_choice(value: Any, path: str, options: tuple[str, ...]) -> str:
    if value not in options or not isinstance(value, str):
        raise bad(path, "one of " + ", ".join(f'"{o}"' for o in options), value)
    return value


class Fields:
    """One JSON object at ``path``: each accessor reads a key, applies a default, checks its type."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise bad(path or "the file", "an object", data)
        self.data = data
        self.path = path

    def at(self, key: str) -> str:
        return join(self.path, key)

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise ProjectError(f"{self.at(key)}: missing")
        return default

    def number(self, key: str, default: Any = _MISSING, **bounds: Any) -> Any:
        value = self.raw(key, default)
        if value is None and default is None:
            return None
        return check_number(value, self.at(key), **bounds)

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        return check_choice(self.raw(key, default), self.at(key), options)

    def string(
        self, key: str, default: Any = _MISSING, *, nullable: bool = False, nonempty: bool = True
    ) -> Any:
        value = self.raw(key, default)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or (nonempty and not value.strip()):
            raise bad(self.at(key), "a non-empty string" if nonempty else "a string", value)
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise bad(self.at(key), "true or false", value)
        return value

    def items(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self.raw(key, default)
        if not isinstance(value, list):
            raise bad(self.at(key), "a list", value)
        return value
