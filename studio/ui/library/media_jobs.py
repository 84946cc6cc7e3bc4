"""Background jobs for the library: probing media and making thumbnails, off the GUI thread.

QThreadPool runnables (short, independent jobs: no long-lived thread needed); each reports through a QObject
whose signals are queued to the GUI thread. ``probe_safe`` runs FFmpeg in a child process, so a file that
crashes or hangs FFmpeg becomes a one-line reason instead of a dead app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from studio.ui.engine.worker import one_line

log = logging.getLogger(__name__)
THUMB_WIDTH = 96


def _probe(path: Path) -> Any:
    from studio.media import probe_safe

    return probe_safe(path)


def _thumbnail(path: Path) -> np.ndarray:
    from studio.media import thumbnail

    return thumbnail(path, width=THUMB_WIDTH)


class _Signals(QObject):
    probed = Signal(str, object, str)  # path, MediaInfo | None, error ("" when fine)
    thumbnail = Signal(str, object)  # path, QImage


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self._fn()


class MediaJobs(QObject):
    """Queues probe/thumbnail jobs; results arrive as signals on the thread that created this object."""

    probed = Signal(str, object, str)
    thumbnailReady = Signal(str, object)  # path, QPixmap

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)  # FFmpeg children are heavy; two is plenty for a library
        self._signals = _Signals()
        self._signals.probed.connect(self.probed)
        self._signals.thumbnail.connect(self._to_pixmap)

    def probe(self, path: Path) -> None:
        signals = self._signals

        def work() -> None:
            try:
                info = _probe(path)
            except Exception as exc:  # MediaError is the expected one; anything else still must not kill us
                signals.probed.emit(str(path), None, one_line(exc))
            else:
                signals.probed.emit(str(path), info, "")

        self._start(work)

    def thumbnail(self, path: Path) -> None:
        signals = self._signals

        def work() -> None:
            try:
                rgb = np.ascontiguousarray(_thumbnail(path))
                h, w, _ = rgb.shape
                image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
            except Exception as exc:
                log.info("no thumbnail for %s: %s", path, one_line(exc))
                return
            signals.thumbnail.emit(str(path), image)  # QImage (not QPixmap) is safe off the GUI thread

        self._start(work)

    def _start(self, fn: Callable[[], None]) -> None:
        self.pool.start(_Job(fn))

    def _to_pixmap(self, path: str, image: QImage) -> None:
        self.thumbnailReady.emit(path, QPixmap.fromImage(image))

    def wait(self, msecs: int = 30000) -> bool:
        """Join outstanding jobs (shutdown, tests): no pool thread outlives the window."""
        return self.pool.waitForDone(msecs)
