"""Background jobs for the library: probing media and making thumbnails, off the GUI thread.

Short, independent jobs: superqt function workers (``studio.ui.jobs.FunctionJob``, as every job of the window)
on a small pool of this object's own, so a library of a hundred files runs two FFmpeg children at a time and
never crowds the global pool (training, generation). Their results arrive on the GUI thread. ``probe_safe``
runs FFmpeg in a child process, so a file that crashes or hangs FFmpeg becomes a one-line reason instead of
a dead app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from studio.errors import one_line
from studio.ui.jobs import FunctionJob

log = logging.getLogger(__name__)
THUMB_WIDTH = 96


def _probe(path: Path) -> Any:
    from studio.media import probe_safe

    return probe_safe(path)


def _thumbnail(path: Path) -> np.ndarray:
    from studio.media import thumbnail

    return thumbnail(path, width=THUMB_WIDTH)


def _probe_job(path: Path) -> tuple[str, Any, str]:
    """On the job's thread: (path, MediaInfo | None, error) — a failure is an answer too."""
    try:
        return str(path), _probe(path), ""
    except Exception as exc:  # MediaError is the expected one; anything else still must not kill us
        return str(path), None, one_line(exc)


def _thumbnail_job(path: Path) -> tuple[str, QImage | None]:
    """On the job's thread: QImage (not QPixmap) is safe off the GUI thread; None when there is none."""
    try:
        rgb = np.ascontiguousarray(_thumbnail(path))
        h, w, _ = rgb.shape
        return str(path), QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
    except Exception as exc:
        log.info("no thumbnail for %s: %s", path, one_line(exc))
        return str(path), None


class MediaJobs(QObject):
    """Queues probe/thumbnail jobs; results arrive as signals on the thread that created this object."""

    probed = Signal(str, object, str)  # path, MediaInfo | None, error ("" when fine)
    thumbnailReady = Signal(str, object)  # path, QPixmap

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)  # FFmpeg children are heavy; two is plenty for a library
        # the long jobs (a file's cuts, its proxy: ``MediaPrep``): one at a time, never ahead of a probe
        self.background = QThreadPool(self)
        self.background.setMaxThreadCount(1)
        self.background.setThreadPriority(QThread.Priority.LowPriority)

    def probe(self, path: Path) -> None:
        self._start(FunctionJob(_probe_job, path), self._on_probed)

    def thumbnail(self, path: Path) -> None:
        self._start(FunctionJob(_thumbnail_job, path), self._on_thumbnail)

    def _start(self, job: FunctionJob, returned: Callable[[Any], None]) -> None:
        job.returned.connect(returned)  # a slot of this object: queued to its thread, dropped once it is gone
        job.start(self.pool)

    @Slot(object)
    def _on_probed(self, result: tuple[str, Any, str]) -> None:
        self.probed.emit(*result)

    @Slot(object)
    def _on_thumbnail(self, result: tuple[str, QImage | None]) -> None:
        path, image = result
        if image is not None:
            self.thumbnailReady.emit(path, QPixmap.fromImage(image))

    def wait(self, msecs: int = 30000) -> bool:
        """Join outstanding jobs, the background ones too (shutdown, tests): no pool thread outlives the
        window (``MediaPrep.shutdown`` first cancels a transcode that would take long)."""
        return self.pool.waitForDone(msecs) & self.background.waitForDone(msecs)
