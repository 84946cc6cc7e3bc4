"""The GUI thread's handle on the engine: owns the preview QThread and the exports' thread pool, sends
requests, forwards results.

Widgets talk to this object only; it hides the threads, the generation counter and the playback horizon.
The preview engine (``EngineWorker``) runs on its own QThread; each export/estimate (``ExportTask``: a
superqt worker, ``studio.ui.jobs``) on a thread of the host's export pool, so a render never freezes
scrubbing and never waits behind other jobs. Export results are re-emitted as this object's signals, which
live on the GUI thread (safe for widgets and for ``qtbot.waitSignal``); a render's progress is the engine's
own ``Progress`` record, and every new warning of an export or of the preview comes as ``warning(str)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QWidget

from studio.errors import Cancelled, one_line
from studio.project.events import span_frames
from studio.ui.engine.requests import Play, RenderFrame, SharedState, Stop, UpdateProject
from studio.ui.engine.snapshot import render_key, snapshot
from studio.ui.engine.worker import EngineWorker, JobFactory, RendererFactory
from studio.ui.export.worker import Export, ExportTask

log = logging.getLogger(__name__)

EXPORT_THREADS = 8  # exports and estimates at once: more than anyone starts (the rest would queue)


class EngineHost(QObject):
    _send = Signal(object)  # queued to the worker thread
    _wake = Signal()
    # Relayed from the engine's threads onto the GUI thread.
    frameReady = Signal(int, object, int)  # n, RenderedFrame, generation (the preview worker's frameReady)
    refineStarted = Signal(int, int)  # n, generation: the paused frame's final version is underway
    engineStarting = Signal()  # start(): torch is loading on the engine thread (ready is False until...)
    engineReady = Signal()  # ...this: loaded, a frame asked for now comes without an import on the way
    exportProgress = Signal(object)  # studio.engine.render.Progress: done, total, fps, eta_s, stage, warnings
    exportFinished = Signal(str)
    exportFailed = Signal(str)
    exportCancelled = Signal()
    exportActive = Signal(bool)  # True when an export starts, False once no export thread is left
    exportStatus = Signal(str)  # one line for the status bar: "export: 5/120 frames", "" when none runs
    estimateReady = Signal(object)  # Estimate
    estimateFailed = Signal(str)
    warning = Signal(str)  # each new warning of an export or of the preview engine (a fallback...), one line

    def __init__(
        self,
        parent: QObject | None = None,
        renderer_factory: RendererFactory | None = None,
        job_factory: JobFactory | None = None,
        final_factory: RendererFactory | None = None,
        *,
        refine: bool = True,
        load_torch: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.shared = SharedState()
        # final_factory renders the paused frame's refinement (None: FrameRenderer(quality="final"));
        # load_torch: warm torch up before any request (None: when the renderer is the engine's own)
        self.worker = EngineWorker(
            self.shared, renderer_factory, final_factory=final_factory, refine=refine, load_torch=load_torch
        )
        self.thread = QThread()
        self.thread.setObjectName("EngineThread")
        self.worker.moveToThread(self.thread)
        self._send.connect(self.worker.submit, Qt.ConnectionType.QueuedConnection)
        self._wake.connect(self.worker.wake, Qt.ConnectionType.QueuedConnection)
        self.worker.frameReady.connect(self.frameReady)  # queued: the host lives on the GUI thread
        self.worker.refineStarted.connect(self.refineStarted)
        self.worker.warning.connect(self.warning)
        # Ready at once when nothing needs loading (a stand-in renderer); else once the worker has warmed up.
        self.ready = not self.worker.load_torch
        self.worker.warmed.connect(self._on_warmed)  # queued: emitted on the engine thread
        # started is emitted on the engine thread before its event loop runs: torch loads ahead of any request
        self.thread.started.connect(self.worker.warm_up, Qt.ConnectionType.DirectConnection)
        # finished is emitted on the worker thread itself: release the renderer there, after its loop ended.
        self.thread.finished.connect(self.worker.shutdown, Qt.ConnectionType.DirectConnection)
        self.play_generation = -1
        self._stopped = False
        self._job_factory = job_factory
        self.tasks: list[ExportTask] = []  # running exports and estimates (referenced until joined)
        # Threads of their own, not the global pool's: a render never waits behind (nor holds up) the
        # thumbnails or a training, and runs below the preview where the OS honours thread priorities.
        self.export_pool = QThreadPool(self)
        self.export_pool.setMaxThreadCount(EXPORT_THREADS)
        self.export_pool.setThreadPriority(QThread.Priority.LowPriority)
        self._pending_estimate: Export | None = None
        # (project) -> (what the preview renders, a key of what else it depends on): the library's proxies and
        # cuts (``MediaPrep.preview_media``); exports always get the document's project, the originals
        self.preview_media: Any = lambda project: (project, "")

    def start(self) -> None:
        """Start the engine thread. Requests sent before wait in its queue. The window calls this as it is
        shown; the thread loads torch first thing, but only once the window has been painted, so torch
        (competing for the GIL) never delays the window appearing nor its first frame."""
        if self.thread.isRunning() or self._stopped:
            return
        self.thread.start()
        if self.ready:
            return
        self.engineStarting.emit()
        window = self._window_to_paint()
        if window is None:
            self.worker.torch_loader.allow()
        else:
            window.installEventFilter(self)

    def _window_to_paint(self) -> QWindow | None:
        """The on-screen window of the widget owning this host, while it is not exposed yet."""
        parent = self.parent()
        handle = parent.window().windowHandle() if isinstance(parent, QWidget) else None
        return handle if handle is not None and not handle.isExposed() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Expose and isinstance(watched, QWindow) and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.worker.torch_loader.allow)  # after this expose: the window is painted
        return False

    @property
    def starting(self) -> bool:
        """Started and still loading torch: playback waits for ``engineReady`` (it would only stall)."""
        return self.thread.isRunning() and not self.ready

    @Slot()
    def _on_warmed(self) -> None:
        if not self.ready:
            self.ready = True
            self.engineReady.emit()

    # ---- preview requests ------------------------------------------------------------------------
    def update_project(self, project: Any, span: tuple[float, float] | None = None) -> None:
        """Hand the engine a copy of the edited project; ``span`` (output seconds): the only frames the edit
        changed, when it says (``Change.render_span``), so the preview keeps the others it made."""
        frames = None if span is None else span_frames(span, float(project.settings.fps))
        shown, media = self.preview_media(project)
        self._send.emit(UpdateProject(snapshot(shown), f"{render_key(shown)}:{media}", frames))

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

    # ---- exports and estimates (each a job on the export pool) -----------------------------------
    def export(
        self,
        project: Any,
        output: Path,
        attention_dir: Path | None = None,
        estimate_only: bool = False,
        *,
        mattes: tuple[Path, str] | None = None,
        frames: range | None = None,
        listen: Callable[[ExportTask], None] | None = None,
    ) -> ExportTask | None:
        """Start a render (or an estimate) of a snapshot of ``project``; None once shut down, or when an
        estimate was queued behind the one running. ``mattes``: (folder, format) of compositing mattes;
        ``frames``: only these output frames (an in/out range); ``listen(task)`` connects to the task's own
        signals before it starts, so not even a job that ends at once is missed."""
        if self._stopped:
            return None
        device = str(getattr(project.settings.engine, "device", "auto") or "auto")
        request = Export(
            snapshot(project),
            Path(output),
            attention_dir,
            device,
            estimate_only,
            mattes=mattes,
            frames=frames,
        )
        if estimate_only and any(t.estimate_only for t in self.tasks):
            # A calibration cannot be interrupted; while the user spins a size box, keep only the latest
            # request for after it instead of a thread per keystroke.
            self._pending_estimate = request
            return None
        return self._start_task(request, listen)

    def _start_task(self, request: Export, listen: Callable[[ExportTask], None] | None = None) -> ExportTask:
        task = ExportTask(request, self._job_factory)
        w = task.worker  # its signals arrive queued on the GUI thread, this object's; sender() is w.signals
        if request.estimate_only:
            w.returned.connect(self._on_estimated)
            w.errored.connect(self._on_estimate_failed)
        else:
            w.yielded.connect(self._on_export_progress)
            w.returned.connect(self._on_export_returned)
            w.errored.connect(self._on_export_errored)
            w.aborted.connect(self.exportCancelled)
        w.finished.connect(self._on_task_ended)  # after every other signal of that worker
        if listen is not None:
            listen(task)
        self.tasks.append(task)
        task.start(self.export_pool)
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

    def _task_of_sender(self) -> ExportTask | None:
        signals = self.sender()
        return next((t for t in self.tasks if t.worker.signals is signals), None)

    @Slot(object)
    def _on_export_progress(self, progress: Any) -> None:
        task = self._task_of_sender()
        self.exportProgress.emit(progress)
        self.exportStatus.emit(f"export: {progress.done}/{progress.total} frames")
        warnings = tuple(getattr(progress, "warnings", ()))
        if task is not None:
            for message in warnings[task.warned :]:
                self.warning.emit(message)
            task.warned = max(task.warned, len(warnings))

    @Slot(object)
    def _on_export_returned(self, result: Any) -> None:
        task = self._task_of_sender()
        output = task.request.output if task is not None else None
        self.exportFinished.emit(str(getattr(result, "path", None) or output))

    @Slot(object)
    def _on_export_errored(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.exportCancelled.emit()
            return
        log.error("export failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.exportFailed.emit(one_line(exc))

    @Slot(object)
    def _on_estimated(self, estimate: Any) -> None:
        if self._pending_estimate is None:  # a newer request is waiting: this answer is already stale
            self.estimateReady.emit(estimate)

    @Slot(object)
    def _on_estimate_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            return  # only shutdown cancels an estimate: nobody waits for its answer
        log.error("estimate failed", exc_info=(type(exc), exc, exc.__traceback__))
        if self._pending_estimate is None:
            self.estimateFailed.emit(one_line(exc))

    @Slot()
    def _on_task_ended(self) -> None:
        task = self._task_of_sender()
        if task is None:  # joined and dropped by shutdown() already
            return
        task.join()  # finished is emitted just before the job's run() returns
        self.tasks.remove(task)
        if task.estimate_only and self._pending_estimate is not None and not self._stopped:
            request, self._pending_estimate = self._pending_estimate, None
            self._start_task(request)
        if not task.estimate_only and not self.exporting:
            self.exportActive.emit(False)
            self.exportStatus.emit("")

    # ---- lifetime --------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel what runs, drop what is queued, release the renderer on its own thread, join every thread
        and every export job.

        Waits for the frame being rendered to finish (bounded: a job checks its token between frames); by
        default with no time limit, because destroying a QThread that still runs aborts the process."""
        self._stopped = True
        self._pending_estimate = None
        ok = True
        for task in list(self.tasks):
            task.cancel()
        self.worker.torch_loader.skip()  # a thread still waiting to load torch ends without loading it
        if self.thread.isRunning():
            self.shared.bump()  # every queued preview request is now stale
            self.thread.quit()
            ok = self.thread.wait() if timeout_ms is None else self.thread.wait(timeout_ms)
        for task in list(self.tasks):
            if task.join(timeout_ms):
                self.tasks.remove(task)
            else:
                ok = False
        # The pool's idle threads too: they would otherwise outlive the window by the pool's expiry (30 s).
        ok = self.export_pool.waitForDone(-1 if timeout_ms is None else timeout_ms) and ok
        return ok
