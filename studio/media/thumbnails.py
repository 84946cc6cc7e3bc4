"""Library thumbnails: a frame ~10% into the clip (past fades from black), cached as PNG, keyed by what made
it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import cv2
import numpy as np

from studio import paths
from studio.media.reader import ClipReader

POSITION = 0.10  # fraction of the clip's length the thumbnail is taken at


def _cache_file(path: Path, width: int) -> Path:
    stat = path.stat()
    # The key changes when the file is replaced or edited (size, mtime), so a stale picture is never shown.
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{width}".encode()
    return paths.cache_dir("thumbnails") / f"{hashlib.sha256(key).hexdigest()[:32]}.png"


def thumbnail(path: str | os.PathLike[str], width: int = 160) -> np.ndarray:
    """(h, width, 3) uint8 RGB, aspect kept (as displayed); MediaError if the clip cannot be read."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    path = Path(path)
    cached = _cache_file(path, width) if path.is_file() else None
    if cached is not None and cached.exists():
        bgr = cv2.imdecode(np.fromfile(cached, np.uint8), cv2.IMREAD_COLOR)
        if bgr is not None:  # an unreadable cache entry is simply made again
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    with ClipReader(path, cache_frames=1) as reader:
        height = max(1, round(width * reader.info.height / reader.info.width))
        reader.size = (width, height)
        rgb = np.array(reader.read(int(reader.frame_count * POSITION)))
    assert cached is not None  # ClipReader raised for anything that is not a file
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if ok:
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.part")
        tmp.write_bytes(png.tobytes())
        os.replace(tmp, cached)
    return rgb
