"""JSON from a file a user (or anyone) handed us, read so that no file can hang, exhaust or crash the reader.

Every JSON file the app opens goes through :func:`read_json`: projects, checkpoint manifests, attention
record metadata, OpenTimelineIO timelines. What it guards against, and how:

* a FIFO or a device as the path (``/dev/zero`` read until 2 GiB, a FIFO hung forever): only regular files
  are read (``os.stat`` before opening, ``fstat`` after, and ``O_NONBLOCK`` so opening a FIFO cannot block);
* a huge file: at most :data:`MAX_BYTES` are read;
* ``[`` x 100000: json's decoder recurses (RecursionError), and what it does parse may be too deep for the
  code that walks it later (``json.dumps`` on save): nesting past :data:`MAX_DEPTH` is refused;
* an integer of 5000 digits (``int`` refuses past 4300, a ValueError): literals past
  :data:`MAX_INT_DIGITS` are refused by a ``parse_int`` hook, before any conversion;
* a name too long for the file system, permissions, bad UTF-8: each is the caller's one-line error.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from studio.errors import ProjectError, StudioError

MAX_BYTES = 64 << 20  # a project of ten thousand placements is ~5 MiB
MAX_DEPTH = 100  # a project nests ~6 deep, an .otio timeline ~20
MAX_INT_DIGITS = 40  # the largest integer any file holds is a 64-bit seed (19 digits)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(
    path: str | os.PathLike[str],
    *,
    what: str = "file",
    error: type[StudioError] = ProjectError,
    max_bytes: int = MAX_BYTES,
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is ``error`` in one line."""
    path = Path(path)
    name = path.name or str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as e:  # a name too long, a loop of links, no permission on a folder on the way
        raise error(f"{_short(name)}: cannot read the {what}: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{_short(name)}: is {_kind(info.st_mode)}, not a {what}")
    if info.st_size > max_bytes:
        raise error(f"{name}: {_mib(info.st_size)}, larger than a {what} can be ({_mib(max_bytes)})")
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a FIFO since the stat
                raise error(f"{name}: is not a regular file, not a {what}")
            data = _read_at_most(fd, max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as e:
        raise error(f"{name}: cannot read the {what}: {e.strerror or e}") from None
    if len(data) > max_bytes:  # it grew since the stat
        raise error(f"{name}: larger than a {what} can be ({_mib(max_bytes)})")
    return data


def read_json(
    path: str | os.PathLike[str],
    *,
    what: str = "file",
    error: type[StudioError] = ProjectError,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """The parsed JSON of a regular file (see the module docstring); every problem is ``error``, one line
    starting with the file's name."""
    path = Path(path)
    data = read_bytes(path, what=what, error=error, max_bytes=max_bytes)
    name = path.name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{name}: cannot read the {what}: not UTF-8 text (byte {e.start})") from None
    return parse_json(text, name=name, error=error)


def parse_json(text: str, *, name: str = "the file", error: type[StudioError] = ProjectError) -> Any:
    """``json.loads`` with the depth and integer-size guards; ``error`` names ``name``."""
    try:
        data = json.loads(text, parse_int=_bounded_int)
    except RecursionError:
        raise error(f"{name}: not valid JSON: nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        raise error(f"{name}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except ValueError as e:  # _bounded_int's refusal
        raise error(f"{name}: not valid JSON: {e}") from None
    if _deeper_than(data, MAX_DEPTH):
        raise error(f"{name}: not valid JSON: nested deeper than {MAX_DEPTH} levels")
    return data


def _bounded_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(literal)


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists/objects nest more than ``limit`` levels (iterative: the walk itself cannot recurse)."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        nested = [c for c in children if isinstance(c, dict | list)]
        if nested and depth >= limit:
            return True
        stack.extend((c, depth + 1) for c in nested)
    return False


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _short(name: str) -> str:
    """A file name shortened for a one-line message (a 300-character name is the problem being reported)."""
    return name if len(name) <= 60 else name[:40] + "…" + name[-12:]


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"
