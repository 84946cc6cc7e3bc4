"""Preview proxies: a small, intra-only copy of a large source, so scrubbing a 4K clip decodes 540p frames.

A source above the preview size is transcoded in the background to at most 960x540 (long side, short side;
aspect kept, never upscaled), H.264 with every frame a keyframe (x264 ``keyint=1``: any frame decodes on its
own, which is what scrubbing wants), crf 18, no audio. The proxy has the source's frame grid: the frames are
read with ``ClipReader`` at the source's own rate and written at that rate, one for one, so frame n of the
proxy is frame n of the source (rotation and HDR tone mapping are applied on the way: the proxy is upright
SDR, as the reader shows the source). The cuts are found in the same frames on the way
(``studio.media.shot_cache``) and stored for the source and for the proxy.

Proxies live in ``paths.cache_dir("proxies")``, named by the source's path, size and mtime and the proxy
settings (``shot_cache.file_key``): an edited source gets a new proxy, the old one ages out. The file is
written under a temp name and renamed when complete (``VideoWriter``), so a cancelled or failed transcode
leaves nothing. The folder is bounded (``CACHE_BYTES``): after each new proxy the least recently used ones
are deleted (use is marked in the access time, which ``cached_proxy`` sets: the modification time is part
of a file's key and stays as it was). Export never reads proxies; only the window's preview does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable
from pathlib import Path

from studio import paths
from studio.media.cuts import CutFinder
from studio.media.shot_cache import analysis_size, cached_cuts, file_key, store_cuts, timed

VERSION = 1  # of the proxy settings below: a change makes every proxy stale
BOX = (960, 540)  # the largest proxy: long side, short side ("540p")
CRF = 18
PRESET = "veryfast"  # a proxy is made once and read often; x264's fast presets lose little at crf 18
CACHE_BYTES = 20 * 2**30  # the proxies folder is kept under this (least recently used first out)
_STALE_PART_S = 24 * 3600  # temp files older than this are from a crash: deleted on eviction


def proxy_size(width: int, height: int) -> tuple[int, int]:
    """(w, h) of the proxy of a ``width`` x ``height`` picture (as displayed)."""
    return analysis_size(width, height, BOX)


def needs_proxy(width: int, height: int, preview: tuple[int, int]) -> bool:
    """Whether a source is worth a proxy: larger than the preview it is shown in, and than a proxy."""
    larger = width > preview[0] or height > preview[1]
    return larger and proxy_size(width, height) != (width, height)


def proxy_file(path: str | os.PathLike[str]) -> Path:
    """Where the proxy of the file as it is now lives (whether it exists or not)."""
    return paths.cache_dir("proxies") / f"{file_key(path, 'proxy', VERSION, *BOX, CRF)}.mp4"


def cached_proxy(path: str | os.PathLike[str]) -> Path | None:
    """The finished proxy of the file as it is now, marked as just used; None if there is none."""
    try:
        target = proxy_file(path)
        stat = target.stat()
        os.utime(target, ns=(time.time_ns(), stat.st_mtime_ns))  # used now: last out of the cache
    except OSError:
        return None
    return target


def make_proxy(
    path: str | os.PathLike[str], *, cache_bytes: int = CACHE_BYTES, keep: Iterable[Path] = ()
) -> Generator[float, None, Path]:
    """Transcode the proxy of ``path`` (and find its cuts on the way if they are not known); yields the
    fraction done every ~0.1 s, returns the proxy's path (at once if it exists). Closing the generator stops
    it and leaves no file. Afterwards the cache is trimmed to ``cache_bytes``, sparing ``keep`` (proxies in
    use)."""
    from studio.media.reader import ClipReader
    from studio.media.writer import VideoWriter

    done = cached_proxy(path)
    if done is not None:
        return done
    target = proxy_file(path)
    finder = CutFinder() if cached_cuts(path) is None else None
    with ClipReader(path, cache_frames=1) as reader:
        width, height = proxy_size(reader.info.width, reader.info.height)
        reader.size, reader.fit = (width, height), "stretch"  # the aspect is kept up to rounding
        with VideoWriter(target, width, height, reader.fps, crf=CRF, preset=PRESET, gop=1) as writer:

            def each(frame: object) -> None:
                writer.write(frame)  # type: ignore[arg-type]
                if finder is not None:
                    finder.push(frame)  # type: ignore[arg-type]

            yield from timed(reader.iter_frames(), reader.frame_count, each)
        frames = reader.frame_count
    cuts = finder.cuts() if finder is not None else cached_cuts(path)
    if cuts is not None:
        if finder is not None:
            store_cuts(path, cuts, frames)
        store_cuts(target, cuts, frames)  # the preview reads the proxy: its cuts are the source's
    evict(cache_bytes, keep=[target, *keep])
    return target


def evict(limit: int = CACHE_BYTES, keep: Iterable[Path] = ()) -> list[Path]:
    """Delete the least recently used proxies until the folder holds at most ``limit`` bytes (never those
    in ``keep``), and temp files a crash left; returns what was deleted."""
    folder = paths.cache_dir("proxies")
    spared = {Path(p).resolve() for p in keep}
    now = time.time()
    entries, gone = [], []
    for item in folder.iterdir():
        try:
            stat = item.stat()
        except OSError:
            continue
        if item.name.startswith("."):
            if now - stat.st_mtime > _STALE_PART_S:
                item.unlink(missing_ok=True)
            continue
        entries.append((stat.st_atime, stat.st_size, item))
    total = sum(size for _, size, _ in entries)
    for _, size, item in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if item.resolve() in spared:
            continue
        try:
            item.unlink()
        except OSError:  # open elsewhere (Windows): next time
            continue
        total -= size
        gone.append(item)
    return gone
