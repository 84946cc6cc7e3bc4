"""The GUI thread's handle on the engine: owns the QThread, sends requests, forwards results.

Widgets talk to this object only; it hides the thread, the generation counter and the playback horizon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from studio.errors import CancelToken
from studio.ui.engine_worker import (
    Cancel,
    EngineWorker,
    Export,
    JobFactory,
    Play,
    RendererFactory,
    RenderFrame,
    SharedState,
    Stop,
    UpdateProject,
)
from studio.ui.snapshot import render_key, snapshot


class EngineHost(QObject):
    _send = Signal(object)  # queued to the worker thread
    _wake = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        renderer_factory: RendererFactory | None = None,
        job_factory: JobFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.shared = SharedState()
        self.worker = EngineWorker(self.shared, renderer_factory, job_factory)
        self.thread = QThread()
        self.thread.setObjectName("EngineThread")
        self.worker.moveToThread(self.thread)
        self._send.connect(self.worker.submit, Qt.ConnectionType.QueuedConnection)
        self._wake.connect(self.worker.wake, Qt.ConnectionType.QueuedConnection)
        # finished is emitted on the worker thread itself: release the renderer there, after its loop ended.
        self.thread.finished.connect(self.worker.shutdown, Qt.ConnectionType.DirectConnection)
        self.play_generation = -1
        self._stopped = False

    def start(self) -> None:
        """Start the engine thread. Requests sent before wait in its queue; the window calls this once it
        is on screen, so torch (imported by the first render) never delays the window appearing."""
        if not self.thread.isRunning() and not self._stopped:
            self.thread.start()

    # ---- requests --------------------------------------------------------------------------------
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

    def export(
        self, project: Any, output: Path, attention_dir: Path | None = None, estimate_only: bool = False
    ) -> None:
        device = str(getattr(project.settings.engine, "device", "auto") or "auto")
        token = CancelToken()
        if not estimate_only:
            self.shared.cancel = token  # cancel() flips this one, even before the worker picks the job up
        self._send.emit(Export(snapshot(project), Path(output), attention_dir, device, estimate_only, token))

    def cancel(self) -> None:
        """Flip the running job's token now (the worker is inside the job and cannot read its queue)."""
        self.shared.cancel.cancel()
        self._send.emit(Cancel())

    def is_current(self, generation: int) -> bool:
        return generation == self.shared.generation

    # ---- lifetime --------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Cancel what runs, drop what is queued, release the renderer on its own thread, join the thread.

        Waits for the frame being rendered to finish (bounded: a job checks its token between frames); by
        default with no time limit, because destroying a QThread that still runs aborts the process."""
        self._stopped = True
        if not self.thread.isRunning():
            return True
        self.shared.bump()  # every queued preview request is now stale
        self.shared.cancel.cancel()
        self.thread.quit()
        if timeout_ms is None:
            return self.thread.wait()
        return self.thread.wait(timeout_ms)
