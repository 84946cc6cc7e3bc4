"""Clip thumbnails for the timeline's blocks, made off the GUI thread and cached per file.

The work is ``studio.ui.library.media_jobs.MediaJobs`` (``studio.media.thumbnail`` in a superqt worker on a
pool of one thread, result queued back as a QPixmap); this class only remembers what was asked for, so a
rebuild of the timeline (every edit, every zoom step) never asks twice, and a block shows a placeholder
until its picture arrives.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap


class ThumbnailCache(QObject):
    ready = Signal(str, QPixmap)  # path, picture

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pixmaps: dict[str, QPixmap | None] = {}  # None: requested, not there yet (or failed)
        self._jobs = None  # created on first need: a timeline with no clips starts no thread pool

    def get(self, path: str) -> QPixmap | None:
        """The picture if ready; otherwise None, and the first call for a path starts making it."""
        if path not in self._pixmaps:
            self._pixmaps[path] = None
            if self._jobs is None:
                from studio.ui.library.media_jobs import MediaJobs

                self._jobs = MediaJobs(self, max_threads=1)
                self._jobs.thumbnailReady.connect(self._arrived)
            self._jobs.thumbnail(Path(path))
        return self._pixmaps[path]

    def _arrived(self, path: str, pixmap: QPixmap) -> None:
        self._pixmaps[path] = pixmap
        self.ready.emit(path, pixmap)

    def wait(self, msecs: int = 10000) -> bool:
        """Join the worker threads (shutdown, tests): no thread outlives the timeline."""
        return self._jobs is None or self._jobs.wait(msecs)
