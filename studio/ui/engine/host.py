"""The GUI thread's handle on the engine: owns the preview QThread and the export threads, sends requests,
forwards results.

Widgets talk to this object only; it hides the threads, the generation counter and the playback horizon.
The preview engine (``EngineWorker``) and each export/estimate (``ExportTask``) run on separate threads, so a
render never freezes scrubbing. Export results are re-emitted as this object's signals, which live on the GUI
thread (safe for widgets and for ``qtbot.waitSignal``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from studio.ui.engine.requests import Play, RenderFrame, SharedState, Stop, UpdateProject
from studio.ui.engine.snapshot import render_key, snapshot
from studio.ui.engine.worker import EngineWorker, JobFactory, RendererFactory
from studio.ui.export.worker import Export, ExportTask


class EngineHost(QObject):
    _send = Signal(object)  # queued to the worker thread
    _wake = Signal()
    # Relayed from the engine's threads onto the GUI thread.
    frameReady = Signal(int, object, int)  # n, RenderedFrame, generation (the preview worker's frameReady)
    refineStarted = Signal(int, int)  # n, generation: the paused frame's final version is underway
    exportProgress = Signal(object)  # ExportProgress
    exportFinished = Signal(str)
    exportFailed = Signal(str)
    exportCancelled = Signal()
    exportActive = Signal(bool)  # True when an export starts, False once no export thread is left
    exportStatus = Signal(str)  # one line for the status bar: "export: 5/120 frames", "" when none runs
    estimateReady = Signal(object)  # Estimate
    estimateFailed = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        renderer_factory: RendererFactory | None = None,
        job_factory: JobFactory | None = None,
        final_factory: RendererFactory | None = None,
        *,
        refine: bool = True,
    ) -> None:
        super().__init__(parent)
        self.shared = SharedState()
        # final_factory renders the paused frame's refinement (None: FrameRenderer(quality="final"))
        self.worker = EngineWorker(self.shared, renderer_factory, final_factory=final_factory, refine=refine)
        self.thread = QThread()
        self.thread.setObjectName("EngineThread")
        self.worker.moveToThread(self.thread)
        self._send.connect(self.worker.submit, Qt.ConnectionType.QueuedConnection)
        self._wake.connect(self.worker.wake, Qt.ConnectionType.QueuedConnection)
        self.worker.frameReady.connect(self.frameReady)  # queued: the host lives on the GUI thread
        self.worker.refineStarted.connect(self.refineStarted)
        # finished is emitted on the worker thread itself: release the renderer there, after its loop ended.
        self.thread.finished.connect(self.worker.shutdown, Qt.ConnectionType.DirectConnection)
        self.play_generation = -1
        self._stopped = False
        self._job_factory = job_factory
        self.tasks: list[ExportTask] = []  # running exports and estimates (referenced until joined)
        self._pending_estimate: Export | None = None

    def start(self) -> None:
        """Start the engine thread. Requests sent before wait in its queue; the window calls this once it
        is on screen, so torch (imported by the first render) never delays the window appearing."""
        if not self.thread.isRunning() and not self._stopped:
            self.thread.start()

    # ---- preview requests ------------------------------------------------------------------------
    def update_project(self, project: Any) -> None:
        self._send.emit(UpdateProject(snapshot(project), render_key(project)))

    def request_frame(self, n: int) -> int:
        gen = self.shared.bump()
        self._send.emit(RenderFrame(int(n), gen))
        return gen

    def play(self, from_n: int, direction: int = 1, loop: bool = True, ahead: int = 6) -> int:
        gen = self.shared.bump()
        self.play_generation = gen
        self.shared.horizon = int(from_n) + ahead * direction
        self._send.emit(Play(int(from_n), gen, direction, loop))
        return gen

    def set_horizon(self, n: int) -> None:
        self.shared.horizon = int(n)
        self._wake.emit()

    def stop(self) -> None:
        gen = self.shared.bump()
        self.play_generation = -1
        self._send.emit(Stop(gen))

    def is_current(self, generation: int) -> bool:
        return generation == self.shared.generation

    # ---- exports and estimates (each on its own thread) ------------------------------------------
    def export(
        self, project: Any, output: Path, attention_dir: Path | None = None, estimate_only: bool = False
    ) -> ExportTask | None:
        """Start a render (or an estimate) of a snapshot of ``project``; None once shut down, or when an
        estimate was queued behind the one running."""
        if self._stopped:
            return None
        device = str(getattr(project.settings.engine, "device", "auto") or "auto")
        request = Export(snapshot(project), Path(output), attention_dir, device, estimate_only)
        if estimate_only and any(t.estimate_only for t in self.tasks):
            # A calibration cannot be interrupted; while the user spins a size box, keep only the latest
            # request for after it instead of a thread per keystroke.
            self._pending_estimate = request
            return None
        return self._start_task(request)

    def _start_task(self, request: Export) -> ExportTask:
        task = ExportTask(request, self._job_factory)
        w = task.worker
        if request.estimate_only:
            w.estimated.connect(self._on_estimated)  # queued to the GUI thread (this object's)
            w.failed.connect(self._on_estimate_failed)
        else:
            w.progress.connect(self._on_export_progress)
            w.finished.connect(self.exportFinished)
            w.failed.connect(self.exportFailed)
            w.cancelled.connect(self.exportCancelled)
        task.ended.connect(self._on_task_ended)
        self.tasks.append(task)
        task.start()
        if not request.estimate_only:
            self.exportActive.emit(True)
            self.exportStatus.emit("export: starting…")
        return task

    @property
    def exporting(self) -> bool:
        return any(not t.estimate_only for t in self.tasks)

    def cancel(self) -> None:
        """Flip every running export's token (the job checks it between frames); estimates are short."""
        for task in self.tasks:
            if not task.estimate_only:
                task.cancel()

    @Slot(object)
    def _on_export_progress(self, progress: Any) -> None:
        self.exportProgress.emit(progress)
        self.exportStatus.emit(f"export: {progress.done}/{progress.total} frames")

    @Slot(object)
    def _on_estimated(self, estimate: Any) -> None:
        if self._pending_estimate is None:  # a newer request is waiting: this answer is already stale
            self.estimateReady.emit(estimate)

    @Slot(str)
    def _on_estimate_failed(self, message: str) -> None:
        if self._pending_estimate is None:
            self.estimateFailed.emit(message)

    @Slot(object)
    def _on_task_ended(self, task: ExportTask) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        if task.estimate_only and self._pending_estimate is not None and not self._stopped:
            request, self._pending_estimate = self._pending_estimate, None
            self._start_task(request)
        if not task.estimate_only and not self.exporting:
            self.exportActive.emit(False)
            self.exportStatus.emit("")

    # ---- lifetime --------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel what runs, drop what is queued, release the renderer on its own thread, join every thread.

        Waits for the frame being rendered to finish (bounded: a job checks its token between frames); by
        default with no time limit, because destroying a QThread that still runs aborts the process."""
        self._stopped = True
        self._pending_estimate = None
        ok = True
        for task in list(self.tasks):
            task.cancel()
        if self.thread.isRunning():
            self.shared.bump()  # every queued preview request is now stale
            self.thread.quit()
            ok = self.thread.wait() if timeout_ms is None else self.thread.wait(timeout_ms)
        for task in list(self.tasks):
            if task.join(timeout_ms):
                self.tasks.remove(task)
            else:
                ok = False
        return ok
