"""Work off the GUI thread, one way: superqt's workers (``superqt.utils``), as napari runs its jobs.

A job is a plain function (:class:`FunctionJob`: probe, thumbnail, estimate, generate) or a generator
(:class:`GeneratorJob`: a render yielding ``studio.engine.render.Progress``, training yielding
``TrainProgress``); its signals (``yielded``, ``returned``, ``errored``, ``finished``; superqt's) are
delivered on the thread that made the worker, the GUI thread here. Connect them, then ``start()``.

What these two add to superqt's classes:

- ``start(pool)``: a worker runs on ``QThreadPool.globalInstance()`` unless given a pool of its own (superqt's
  ``start()`` takes none): a bound on concurrency (thumbnails), or threads of their own at low priority for
  renders that must never wait behind, nor hold up, the global pool's jobs.
- ``join(timeout_ms)``: wait for this one worker (shutdown, tests), rather than for the whole pool.
- a generator job closes its generator on the worker thread when it stops early (``quit()``), so the job's
  clean-up (``finally`` blocks: temp files, threads) runs there and then, not whenever it is collected.
- an exception the job raises, ``RuntimeError`` included, is reported by ``errored`` and then ``finished``
  (superqt's generator loop takes a ``RuntimeError`` for a deleted worker and ends without a signal: a torch
  error would have left the window waiting forever).

Not for the preview engine: it is long-lived, keeps state between requests and has its own QThread
(``studio.ui.engine.worker``).
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThreadPool
from superqt.utils import FunctionWorker, GeneratorWorker

# Workers started on a pool of ours, referenced until their last signal was delivered on the GUI thread (as
# superqt's own start() keeps its workers in WorkerBase._worker_set): a worker, and the QObject carrying its
# signals, is never freed on its pool thread while its queued signals are on their way.
_LIVE: set[Any] = set()


def _release(worker: Any) -> None:
    _LIVE.discard(worker)


class _Joinable:
    """Mixin for superqt's workers: start on a given pool, join one worker."""

    def _init_join(self) -> None:
        self._ended_event = threading.Event()

    def start(self, pool: QThreadPool | None = None) -> None:  # type: ignore[override]
        if pool is None:
            super().start()  # type: ignore[misc]
            return
        _LIVE.add(self)
        self._finished.connect(_release)  # type: ignore[attr-defined]  # superqt's last signal, (worker)
        pool.start(self)  # type: ignore[arg-type]

    def run(self) -> None:
        try:
            super().run()  # type: ignore[misc]
        finally:
            self._ended_event.set()

    @property
    def ended(self) -> bool:
        """True once the job and every signal it sends are done (its pool thread may live on, idle)."""
        return self._ended_event.is_set()

    def join(self, timeout_ms: int | None = None) -> bool:
        """Wait until the job has ended (None: however long it takes); True if it has."""
        return self._ended_event.wait(None if timeout_ms is None else max(timeout_ms, 0) / 1000)


class FunctionJob(_Joinable, FunctionWorker):
    """``fn(*args, **kwargs)`` on a pool thread: ``returned`` (its result) or ``errored``, then
    ``finished``."""

    def __init__(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(fn, *args, **kwargs)
        self._init_join()


class GeneratorJob(_Joinable, GeneratorWorker):
    """Iterates ``fn(*args, **kwargs)`` on a pool thread: ``yielded(value)`` for each, then ``returned`` (the
    generator's return value) or ``errored(exc)``, or ``aborted`` after ``quit()``; ``finished`` last.

    ``quit()`` stops it at the next yield and closes the generator there; a job that checks a cancel token
    between steps can also be stopped by the token (it then ends by raising, e.g. ``Cancelled``)."""

    def __init__(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(fn, *args, **kwargs)
        self._init_join()

    def work(self) -> Any:
        gen = self._gen
        try:
            while not self.abort_requested:
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                self.yielded.emit(value)
            self.aborted.emit()
            return None
        finally:
            gen.close()  # GeneratorExit at its yield: the job cleans up here, on its own thread


__all__ = ["FunctionJob", "GeneratorJob"]
