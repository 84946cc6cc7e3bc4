"""One text-to-video run at a time, off the GUI thread (``studio.ui.jobs.FunctionJob``, the project's way to
run jobs): load the model folder, hold the GPU (``studio.engine.gpu_lock.GPU``), denoise, write the clip.

The job reports through a :class:`StepRelay` made on the GUI thread: its signals, emitted on the worker
thread, are queued by Qt to the GUI thread. Cancel sets the run's ``CancelToken``, which the pipeline's
step-end callback checks: the run stops within one denoising step and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.errors import Cancelled, CancelToken, StudioError
from studio.ui.jobs import FunctionJob

GPU_NOTICE = "GPU busy with text-to-video: the preview stays on its draft until it is done"


class StepRelay(QObject):
    stage = Signal(str)  # "Loading …", the model's line
    step = Signal(object)  # studio.models.t2v.generate.StepUpdate
    gpu = Signal(bool)  # the run holds the GPU (True) / gave it back (False)


def run_t2v_job(folder: str, settings: Any, output: str, attention: str | None, device: str, low_vram: str,
                token: CancelToken, relay: StepRelay) -> Any:  # fmt: skip
    """The whole run, on the worker thread (torch and diffusers load here, never on the GUI thread)."""
    from studio.engine.gpu_lock import GPU
    from studio.models.device import choose_device
    from studio.models.t2v.generate import generate_video
    from studio.models.t2v.load import load_pipeline

    target = choose_device(device)
    on_gpu = target.type in ("cuda", "mps")
    with GPU.hold("text-to-video", target):  # from loading on: the weights alone may fill the GPU
        if on_gpu:
            relay.gpu.emit(True)
        try:
            relay.stage.emit(f"Loading {Path(folder).name}…")
            loaded = load_pipeline(folder, str(target), low_vram)
            token.raise_if_cancelled()
            relay.stage.emit(f"Generating with {loaded.describe()}")
            try:
                return generate_video(
                    loaded, settings, output, attention=attention, cancel=token, on_step=relay.step.emit
                )
            finally:
                loaded.release()
        finally:
            if on_gpu:
                relay.gpu.emit(False)


class T2VRunner(QObject):
    """``start(...)`` a run; ``progress(StepUpdate)``, ``stage(str)``, then ``finished(T2VResult)``,
    ``failed(str)`` or ``cancelled()``; ``ended()`` last. ``gpuChanged(bool)`` while it holds the GPU."""

    stage = Signal(str)
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()
    gpuChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.relay = StepRelay(self)
        self.relay.stage.connect(self.stage)
        self.relay.step.connect(self.progress)
        self.relay.gpu.connect(self.gpuChanged)
        self._job: FunctionJob | None = None
        self._token: CancelToken | None = None

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, folder: str | Path, settings: Any, output: str | Path, attention: str | Path | None,
              device: str = "auto", low_vram: str = "auto") -> bool:  # fmt: skip
        if self.running:
            self.failed.emit("A text-to-video run is going already: wait for it, or cancel it")
            return False
        self._token = CancelToken()
        record = None if attention is None else str(attention)
        self._job = FunctionJob(
            run_t2v_job, str(folder), settings, str(output), record, device, low_vram, self._token, self.relay
        )
        self._job.returned.connect(self.finished)
        self._job.errored.connect(self._on_error)
        self._job.finished.connect(self._on_ended)
        self._job.start()
        return True

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Cancel nothing; wait for the run to end (shutdown, tests)."""
        return self._job.join(timeout_ms) if self._job is not None else True

    def shutdown(self) -> None:
        self.cancel()
        self.wait()

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.cancelled.emit()
        elif isinstance(exc, StudioError):
            self.failed.emit(str(exc))
        else:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            self.failed.emit(f"{type(exc).__name__}: {text}".rstrip(": "))

    def _on_ended(self) -> None:
        self._job = None
        self._token = None
        self.ended.emit()
