"""The render job's third stage: frames handed to a sink (the encoder, the maps video, the attention record,
the mattes) in a thread of its own behind a bounded queue, so encoding overlaps the synthesis of the next
frame while memory stays flat however long the render is.

The sink's error is re-raised in the job's thread by the next :meth:`EncodeBehind.put` or by
:meth:`EncodeBehind.finish`; :meth:`EncodeBehind.abort` drops what is queued and joins the thread (a cancel,
an error elsewhere, a consumer that closed the job's generator).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")

POLL_S = 0.05  # how often a blocked put() looks for the sink's error, so a failed encoder never hangs it


class EncodeBehind(Generic[Item]):
    """Writes items through ``sink`` in a thread behind a queue of at most ``maxsize`` items."""

    def __init__(self, sink: Callable[[Item], None], maxsize: int = 8) -> None:
        self._sink = sink
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="studio-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stop.is_set():
                return
            try:
                self._sink(item)
            except BaseException as exc:  # re-raised in the job's thread by put()/finish()
                self.error = exc
                return

    def put(self, item: Item) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self._queue.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Wait until every queued item is written; re-raise the thread's error if it had one."""
        while True:
            if self.error is not None:
                break
            try:
                self._queue.put(None, timeout=POLL_S)
                break
            except queue.Full:
                continue
        self._thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join()
