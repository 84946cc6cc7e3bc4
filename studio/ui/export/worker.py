"""One export (or one estimate) on its own QThread, beside the preview engine.

Why a thread per job rather than the engine thread: a render takes minutes, and on the engine thread it froze
the preview for all that time. ``RenderJob`` opens its own readers and synthesizer, so it shares nothing with
the preview's ``FrameRenderer`` and needs no lock; the two engines only share the cores, equally while both
work (``studio.engine.cpu_share``). The estimate runs the real synthesizer for a calibration, so it is a job
here too: the GUI thread never imports torch or waits on it.

``ExportWorker`` runs on the job's thread and reports by signal; ``ExportTask`` is the GUI thread's handle on
it (start, cancel through the request's CancelToken, join). The worker is busy inside the job and never
returns to its event loop until the end, which is why cancelling flips the token directly instead of sending
a queued request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from studio.errors import Cancelled, CancelToken
from studio.ui.engine.worker import one_line

log = logging.getLogger(__name__)

JobFactory = Callable[..., Any]

# torch intra-op threads an export leaves free on the CPU: one core for decode + encode (RenderJob's own
# threads) and one for the preview engine and the UI. On 2 cores that is 1 torch thread for the export and 1
# for the preview (FrameRenderer reserves 1), instead of 2 + 1 fighting over 2 cores. RenderJob.run() sets
# the same number around its frame loop; we set it for the estimate too, so its calibration is timed with
# the thread count the render will really get.
EXPORT_RESERVED_CORES = 2


@dataclass(frozen=True)
class Export:
    """One export or estimate request (frozen: it crosses threads and must not change underway)."""

    project: Any  # a deep copy: the GUI keeps editing its own
    output: Path
    attention_dir: Path | None = None
    device: str = "auto"
    estimate_only: bool = False  # answer with ``estimated`` instead of rendering
    cancel: CancelToken = field(default_factory=CancelToken)  # made by the sender: a cancel never misses


@dataclass(frozen=True)
class ExportProgress:
    done: int
    total: int
    fps: float
    eta_s: float


def default_job_factory(project: Any, output: Path, **kwargs: Any) -> Any:
    from studio.engine.render import RenderJob  # torch loads here, on the job's thread

    return RenderJob(project, output, **kwargs)


class ExportWorker(QObject):
    """Runs one request on the thread it was moved to; ``done`` is always its last signal."""

    progress = Signal(object)  # ExportProgress
    finished = Signal(str)  # the written file
    failed = Signal(str)  # one line for the user
    cancelled = Signal()
    estimated = Signal(object)  # studio.engine.estimate.Estimate
    done = Signal()

    def __init__(self, request: Export, job_factory: JobFactory | None = None) -> None:
        super().__init__()
        self.request = request
        self._job_factory = job_factory or default_job_factory

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        finally:
            self.done.emit()

    def _run(self) -> None:
        req = self.request
        if req.cancel.cancelled:  # cancelled before the thread got going: nothing was opened
            self.cancelled.emit()
            return
        started = time.perf_counter()

        def progress(report: Any, total: int | None = None) -> None:
            """Takes the engine's Progress record (or bare done/total) and re-emits it as ours."""
            if total is None:
                done, total = int(report.done), int(report.total)
                fps, eta = float(report.fps), float(report.eta_s)
            else:
                done = int(report)
                elapsed = time.perf_counter() - started
                fps = done / elapsed if elapsed > 0 else 0.0
                eta = (total - done) / fps if fps > 0 else float("inf")
            self.progress.emit(ExportProgress(done, int(total), fps, eta))

        try:
            from studio.engine.frame import cpu_threads  # engine modules load on this thread, not the GUI's

            job = self._job_factory(
                req.project,
                req.output,
                attention_dir=req.attention_dir,
                device=req.device,
                progress=progress,
                cancel=req.cancel,
            )
            if req.estimate_only:  # per thread: this one only; a render shares the cores by itself
                with cpu_threads(req.device, reserved=EXPORT_RESERVED_CORES, user="export-estimate"):
                    self.estimated.emit(job.estimate())
                return
            result = job.run()  # RenderJob takes its share of the cores (studio.engine.cpu_share)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # reported, never raised: an exception here would end the thread silently
            log.exception("estimate failed" if req.estimate_only else "export failed")
            self.failed.emit(one_line(exc))
        else:
            self.finished.emit(str(getattr(result, "path", None) or req.output))


class ExportTask(QObject):
    """The GUI thread's handle on one ExportWorker and its QThread; ``ended`` comes once it stopped."""

    ended = Signal(object)  # this task, on the GUI thread, after every signal of its worker

    def __init__(self, request: Export, job_factory: JobFactory | None = None) -> None:
        super().__init__()
        self.request = request
        self.worker = ExportWorker(request, job_factory)
        self.thread = QThread()
        self.thread.setObjectName("EstimateThread" if request.estimate_only else "ExportThread")
        self.worker.moveToThread(self.thread)
        # Queued, so the job starts once the thread's event loop runs and quit() always has a loop to end.
        self.thread.started.connect(self.worker.run, Qt.ConnectionType.QueuedConnection)
        self.worker.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        # Queued to the GUI thread: it arrives after the worker's last result signal (same sender thread).
        self.thread.finished.connect(self._on_thread_finished, Qt.ConnectionType.QueuedConnection)
        self._ended = False

    @property
    def estimate_only(self) -> bool:
        return self.request.estimate_only

    def start(self) -> None:
        # Below the preview where the OS honours thread priorities: scrubbing stays snappy, the render yields.
        self.thread.start(QThread.Priority.LowPriority)

    def cancel(self) -> None:
        self.request.cancel.cancel()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def join(self, timeout_ms: int | None = None) -> bool:
        """Wait for the thread (a render checks its token between frames, so after cancel() this is short)."""
        return self.thread.wait() if timeout_ms is None else self.thread.wait(timeout_ms)

    @Slot()
    def _on_thread_finished(self) -> None:
        self.thread.wait()  # finished() is emitted just before the thread really exits
        if not self._ended:
            self._ended = True
            self.ended.emit(self)
