"""The scene cuts of media files, found once and kept in the app's cache (``paths.cache_dir("cuts")``).

A file's cuts are worth a whole decode to find, so they are stored as a small JSON file keyed like the
thumbnails and proxies: the file's resolved path, its size and its modification time (an edited or replaced
file is a new key, so stale cuts are never used) and the detector's version. Frame numbers are on the file's
own frame grid (``ClipReader`` at its own rate), where the engine and the time map count frames.

``cached_cuts`` only looks (cheap: a stat and a small read; the preview's engine calls it), ``find_cuts``
decodes the file and stores what it found, reporting progress as it goes (the library's background job,
``studio probe --json``). A proxy is written with the same frames the cuts are found in, so
``studio.media.proxy`` stores them for both files at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Generator, Iterable
from pathlib import Path

from studio import paths
from studio.media.cuts import CutFinder

VERSION = 2  # of the detector: a change in what it finds makes every stored answer stale
ANALYSIS_BOX = (960, 540)  # frames are decoded no larger than this (long side, short side) to find cuts
PROGRESS_EVERY_S = 0.1  # a running search reports (and can be stopped) this often


def file_key(path: str | os.PathLike[str], *extra: object) -> str:
    """A name for what is derived from the file as it is now: path, size, mtime (and ``extra``)."""
    path = Path(path).resolve()
    stat = path.stat()
    text = "|".join(str(p) for p in (path, stat.st_size, stat.st_mtime_ns, *extra))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def analysis_size(width: int, height: int, box: tuple[int, int] = ANALYSIS_BOX) -> tuple[int, int]:
    """(w, h) within ``box`` (its long side along the picture's), aspect kept, never larger than the
    picture, both even: the size cuts are found at and proxies are written at."""
    long_side, short_side = box
    limit_w, limit_h = (long_side, short_side) if width >= height else (short_side, long_side)
    scale = min(1.0, limit_w / width, limit_h / height)
    if scale >= 1.0:
        return int(width), int(height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _entry(path: str | os.PathLike[str]) -> Path:
    return paths.cache_dir("cuts") / f"{file_key(path, 'cuts', VERSION)}.json"


def cached_cuts(path: str | os.PathLike[str]) -> list[int] | None:
    """The file's cuts if they were found before (for the file as it is now); None when not known."""
    try:
        data = json.loads(_entry(path).read_text())
        return [int(c) for c in data["cuts"]]
    except (OSError, ValueError, KeyError, TypeError):  # not there, unreadable, damaged: not known
        return None


def store_cuts(path: str | os.PathLike[str], cuts: Iterable[int], frames: int) -> None:
    """Remember the file's cuts (written to a temp name and renamed: a reader never sees half of it)."""
    entry = _entry(path)
    found = sorted(int(c) for c in cuts)
    text = json.dumps({"path": str(Path(path).resolve()), "frames": int(frames), "cuts": found})
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.part")
    tmp.write_text(text)
    os.replace(tmp, entry)


def find_cuts(path: str | os.PathLike[str]) -> Generator[float, None, list[int]]:
    """Decode the file, find its cuts, store them; yields the fraction done every ~0.1 s and returns the
    cuts (at once when they are known). Closing the generator stops it; nothing is stored then."""
    known = cached_cuts(path)
    if known is not None:
        return known
    from studio.media.reader import ClipReader

    with ClipReader(path, cache_frames=1) as reader:
        reader.size = analysis_size(reader.info.width, reader.info.height)
        reader.fit = "stretch"  # the size keeps the aspect up to rounding: no 1-px bars
        finder = CutFinder()
        yield from timed(reader.iter_frames(), reader.frame_count, finder.push)
        cuts = finder.cuts()
        store_cuts(path, cuts, reader.frame_count)
    return cuts


def timed(
    frames: Iterable[object], total: int, each: Callable[[object], None]
) -> Generator[float, None, None]:
    """Call ``each`` on every frame, yielding the fraction done every ``PROGRESS_EVERY_S``."""
    last = time.monotonic()
    for n, frame in enumerate(frames):
        each(frame)
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            yield (n + 1) / max(1, total)


def clip_cuts(path: str | os.PathLike[str]) -> list[int]:
    """The file's cuts, found now if they are not known (blocking: a whole decode)."""
    search = find_cuts(path)
    with contextlib.closing(search):
        while True:
            try:
                next(search)
            except StopIteration as done:
                return list(done.value)
