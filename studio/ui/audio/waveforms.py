"""Waveforms on the timeline's blocks: made off the GUI thread (``studio.media.waveform``, cached on disk by
file version), remembered per file here, and painted inside each placement's block through its time map.

Painting builds the visible columns in numpy (each pixel's source time by ``local_to_source``, then the
min/max of the 10 ms buckets a pixel spans) into one image, so a block of thousands of pixels costs well
under a millisecond and no Python loop runs per pixel.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRectF, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter

from studio.media.waveform import BUCKET_S
from studio.project import Clip, Placement
from studio.project.timemap import local_to_source
from studio.ui.jobs import FunctionJob
from studio.ui.timeline.geometry import TimeScale

log = logging.getLogger(__name__)


def _waveform_job(path: Path) -> tuple[str, np.ndarray | None]:
    from studio.media.waveform import waveform

    try:
        return str(path), waveform(path)
    except Exception as exc:  # unreadable sound: the block simply has no waveform
        log.info("no waveform for %s: %s", path.name, exc)
        return str(path), None


class WaveformCache(QObject):
    """``get(path)``: the waveform if made, else None (the first call starts making it); ``ready`` then."""

    ready = Signal(str, object)  # path, (2, buckets) float32 min/max

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waveforms: dict[str, np.ndarray | None] = {}  # None: asked for, not there (yet)
        self._pool: QThreadPool | None = None  # made on first need: a timeline without sound starts none
        self.computed = 0  # jobs run (a test sees a second request answered from here)

    def get(self, path: str) -> np.ndarray | None:
        if path not in self._waveforms:
            self._waveforms[path] = None
            if self._pool is None:
                self._pool = QThreadPool(self)
                self._pool.setMaxThreadCount(1)
            self.computed += 1
            job = FunctionJob(_waveform_job, Path(path))
            job.returned.connect(self._arrived)
            job.start(self._pool)
        return self._waveforms[path]

    @Slot(object)
    def _arrived(self, result: tuple[str, np.ndarray | None]) -> None:
        path, waveform = result
        if waveform is not None and waveform.shape[1]:
            self._waveforms[path] = waveform
            self.ready.emit(path, waveform)

    def wait(self, msecs: int = 10000) -> bool:
        """Join the job threads (shutdown, tests)."""
        return self._pool is None or self._pool.waitForDone(msecs)


def columns(
    waveform: np.ndarray, clip: Clip, placement: Placement, u0: float, du: float, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per pixel column: the sound under ``width`` columns of ``du`` seconds of the placement's
    local (speed-scaled) time from ``u0``, read through its time map (its loops and ping-pongs)."""
    buckets = waveform.shape[1]
    spread = max(1, math.floor(du / BUCKET_S))  # buckets one column spans
    lo, hi = waveform
    if spread > 1:  # each column: the extremes of the buckets it covers
        whole = -(-buckets // spread) * spread
        lo = np.pad(lo, (0, whole - buckets), mode="edge").reshape(-1, spread).min(axis=1)
        hi = np.pad(hi, (0, whole - buckets), mode="edge").reshape(-1, spread).max(axis=1)
    source = local_to_source(clip, placement, u0 + (np.arange(width) + 0.5) * du)
    index = np.clip((source / BUCKET_S / spread).astype(np.int64), 0, len(lo) - 1)
    return lo[index], hi[index]


def paint_waveform(
    painter: QPainter,
    band: QRectF,
    waveform: np.ndarray,
    clip: Clip,
    placement: Placement,
    origin: float,
    scale: TimeScale,
    colour: QColor,
    cache: dict | None = None,
) -> None:
    """The waveform in ``band`` (the scene rect of a block to draw in), the placement's local time 0 at
    output time ``origin`` (its start; where a drag shows it): a column per pixel about the band's middle.
    ``cache`` (the block's): the last image made, drawn again while nothing it shows changed (the timeline
    repaints on every frame played)."""
    width, height = int(band.width()), int(band.height())
    if width <= 0 or height <= 2 or waveform.shape[1] == 0:
        return
    u0 = (scale.t(band.left()) - origin) * placement.speed
    du = placement.speed / scale.px_per_s
    key = (id(waveform), id(placement), width, height, round(u0, 9), du, colour.rgba())
    image = cache.get(key) if cache is not None else None
    if image is None:
        image = _image(waveform, clip, placement, u0, du, width, height, colour)
        if cache is not None:
            cache.clear()
            cache[key] = image
    painter.drawImage(QRectF(band.left(), band.top(), width, height), image)


def _image(
    waveform: np.ndarray,
    clip: Clip,
    placement: Placement,
    u0: float,
    du: float,
    width: int,
    height: int,
    colour: QColor,
) -> QImage:
    lo, hi = columns(waveform, clip, placement, u0, du, width)
    half = height / 2
    top = np.floor(half - np.clip(hi, -1, 1) * half).astype(np.int64)
    bottom = np.ceil(half - np.clip(lo, -1, 1) * half).astype(np.int64)
    bottom = np.where(hi - lo > 1e-4, np.maximum(bottom, top + 1), top)  # silence: nothing drawn
    rows = np.arange(height)[:, None]
    filled = (rows >= top[None, :]) & (rows < bottom[None, :])
    a = colour.alpha()
    r, g, b = (round(c * a / 255) for c in (colour.red(), colour.green(), colour.blue()))  # premultiplied
    pixels = np.where(filled, np.uint32((a << 24) | (r << 16) | (g << 8) | b), np.uint32(0)).astype(np.uint32)
    return QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied).copy()
