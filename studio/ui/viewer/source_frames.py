"""Source frames for the viewer's "where did this pixel come from" popover: decoded off the GUI thread.

A click on the preview names source frames (``studio.project.trace``); showing their patches means decoding
them, which takes tens of milliseconds (a seek, a GOP of decoding) the GUI thread must not spend. The loader
keeps the last frames it decoded (clicking around one frame costs nothing after the first) and decodes the
others on a thread of its own, started when there is work and ended when there is none (no idle thread
outlives a click), then hands each frame to the GUI thread by a queued signal.

Frames are decoded the way the render read them: ``ClipReader(path, fps, size=frame_size, fit=fit)``, so the
recorded source positions index them directly.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.errors import StudioError
from studio.media import ClipReader

log = logging.getLogger(__name__)

CACHE_FRAMES = 24  # decoded source frames kept (at the output size: 24 x 640x360 is 16 MiB)


class SourceKey(NamedTuple):
    """One source frame as the render read it."""

    path: str
    fps: float
    frame: int
    size: tuple[int, int]  # (width, height): the output's
    fit: str

    @property
    def reader_key(self) -> Hashable:
        return (self.path, self.fps, self.size, self.fit)


class SourceFrameLoader(QObject):
    """``get(key)`` gives a cached frame at once, or None and ``loaded(key, frame)`` later (GUI thread)."""

    loaded = Signal(object, object)  # SourceKey, (H, W, 3) uint8
    failed = Signal(object, str)  # SourceKey, one-line reason

    def __init__(self, parent: QObject | None = None, cache_frames: int = CACHE_FRAMES) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[SourceKey, np.ndarray] = OrderedDict()  # GUI thread only
        self._cache_frames = max(1, cache_frames)
        self._lock = threading.Lock()  # guards the queue and the thread handle
        self._queue: list[SourceKey] = []
        self._thread: threading.Thread | None = None
        self._readers: dict[Hashable, ClipReader] = {}  # used by one decoding thread at a time
        self._closed = False
        self.loaded.connect(self._remember)

    def get(self, key: SourceKey) -> np.ndarray | None:
        frame = self._cache.get(key)
        if frame is not None:
            self._cache.move_to_end(key)
            return frame
        self.request(key)
        return None

    def request(self, key: SourceKey) -> None:
        with self._lock:
            if self._closed or key in self._queue:
                return
            self._queue.append(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="viewer-sources", daemon=True)
                self._thread.start()

    def _drain(self) -> None:
        """The decoding thread: until the queue is empty, then it ends (the next request starts another)."""
        while True:
            with self._lock:
                if not self._queue or self._closed:
                    self._thread = None
                    return
                key = self._queue.pop(0)
            try:
                frame = np.array(self._reader(key).read(key.frame))  # a copy: the reader's cache is read-only
            except (StudioError, OSError, ValueError) as exc:
                self.failed.emit(key, " ".join(str(exc).split()) or type(exc).__name__)
                continue
            except Exception as exc:  # a bug: logged, and the popover says so instead of waiting forever
                log.exception("decoding a source frame failed")
                self.failed.emit(key, f"{type(exc).__name__}: {exc}")
                continue
            self.loaded.emit(key, frame)

    def _reader(self, key: SourceKey) -> ClipReader:
        reader = self._readers.get(key.reader_key)
        if reader is None:
            reader = ClipReader(key.path, fps=key.fps, size=key.size, fit=key.fit)
            self._readers[key.reader_key] = reader
        return reader

    def _remember(self, key: SourceKey, frame: np.ndarray) -> None:
        self._cache[key] = frame
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)

    def close(self) -> None:
        """Stop decoding (the frame being decoded finishes) and close the readers."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            thread = self._thread
        if thread is not None:
            thread.join()
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
