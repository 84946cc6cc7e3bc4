"""The training panel: pick a model and clips, start/cancel training, watch loss and held-out PSNR live.

Self-contained ``QWidget`` (objectName ``training``) that the main window docks. Training runs as a superqt
generator worker (``studio.ui.jobs.GeneratorJob`` over :func:`studio.models.train.train`) on the thread pool —
never on the GUI thread; each yielded ``TrainProgress`` comes back by signal. torch is imported only inside
the worker, so the panel costs nothing at startup. Cancel sets the run's ``CancelToken``: the loop saves a
checkpoint at the end of the current step and finishes normally (the last good checkpoint is always on disk).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.errors import CancelToken
from studio.models.locations import checkpoints_dir
from studio.ui.jobs import GeneratorJob

MODELS = ("interp", "vae", "convlstm", "transformer")  # interp: at the clips' own size
PURPOSE = {  # what each model is for, said plainly under the model box
    "interp": "Retime to fill at your clips' own size (untrained: DIS optical flow; training refines it)",
    "vae": "learned patch features for the engine, and latent morphs, on a small centre square",
    "convlstm": "Extend clip from a small centre square (the flow extend at full size needs no training)",
    "transformer": "Extend / interpolate on a small square, lifted to the clip's size by detail transfer",
}
REDRAW_S = 0.1  # at most ~10 plot redraws per second, however fast the steps come


def _train_job(clips: list[Any], ids: list[str], size: int, settings: dict[str, Any], token: CancelToken):
    """Runs on the worker thread (torch is first imported here): decode (cached), then train, yielding every
    step's progress."""
    from studio.models.data import FrameData, sources_from_clips
    from studio.models.train import TrainConfig, train

    sources = sources_from_clips(clips, ids)
    if settings["kind"] == "interp":  # at each clip's own size, not the square
        from studio.models.interp_train import train_interp
        from studio.models.native import NativeData

        cfg = TrainConfig(**{**settings, "lr": 3e-4, "batch_size": 4})
        yield from train_interp(cfg, NativeData.load(sources), token)
        return
    data = FrameData.load(sources, (size, size))
    yield from train(TrainConfig(**settings), data, token)


class TrainingPanel(QWidget):
    """Model/clip pickers, start/cancel, loss and PSNR curves, device and samples/s."""

    progressed = Signal(object)  # TrainProgress, every step
    finished = Signal(object)  # the final TrainProgress, or None after an error

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training")
        self._project: Any = None
        self._worker: GeneratorJob | None = None
        self._token: CancelToken | None = None
        self._steps: list[int] = []
        self._loss: list[float] = []
        self._psnr_steps: list[int] = []
        self._psnr: list[float] = []
        self._last_draw = 0.0
        self.last_progress: Any = None

        self.model_box = QComboBox()
        self.model_box.addItems(MODELS)
        self.preset_box = QComboBox()
        self.preset_box.addItems(("tiny", "small", "base"))
        self.preset_box.setCurrentText("small")
        self.size_box = QSpinBox(minimum=16, maximum=512, singleStep=8, value=64)
        self.steps_box = QSpinBox(minimum=1, maximum=1_000_000, value=1000)
        self.eval_box = QSpinBox(minimum=1, maximum=100_000, value=50)
        self.gan_box = QCheckBox("GAN (sharper)")
        self.clip_list = QListWidget()
        self.start_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.device_label = QLabel("device: -")
        self.rate_label = QLabel("-")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.purpose_label = QLabel(PURPOSE[MODELS[0]])
        self.purpose_label.setWordWrap(True)
        self.model_box.currentTextChanged.connect(lambda kind: self._show_purpose(kind))
        self.loss_plot = pg.PlotWidget(title="loss")
        self.loss_plot.setLogMode(y=True)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#4fc3f7", width=1.5))
        self.psnr_plot = pg.PlotWidget(title="held-out PSNR (dB)")
        self.psnr_curve = self.psnr_plot.plot(pen=pg.mkPen("#ffb74d", width=1.5), symbol="o", symbolSize=4)

        form = QFormLayout()
        form.addRow("Model", self.model_box)
        form.addRow("", self.purpose_label)
        form.addRow("Size", self.preset_box)
        form.addRow("Frames (px)", self.size_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Evaluate every", self.eval_box)
        form.addRow("", self.gan_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        info = QHBoxLayout()
        info.addWidget(self.device_label)
        info.addWidget(self.rate_label, 1, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Clips to learn from"))
        layout.addWidget(self.clip_list, 1)
        layout.addLayout(buttons)
        layout.addLayout(info)
        layout.addWidget(self.status_label)
        layout.addWidget(self.loss_plot, 2)
        layout.addWidget(self.psnr_plot, 2)

        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._show_purpose(self.model_box.currentText())

    # --- project ------------------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        """Show the project's online clips, all ticked (``project`` is a ``studio.project.Project`` or
        None)."""
        self._project = project
        self.clip_list.clear()
        for clip in getattr(project, "clips", []):
            item = QListWidgetItem(clip.name)
            item.setData(Qt.ItemDataRole.UserRole, clip.id)
            online = clip.offline_reason is None
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if online else Qt.CheckState.Unchecked)
            if not online:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(clip.offline_reason)
            self.clip_list.addItem(item)

    def selected_clip_ids(self) -> list[str]:
        items = (self.clip_list.item(i) for i in range(self.clip_list.count()))
        return [it.data(Qt.ItemDataRole.UserRole) for it in items if it.checkState() == Qt.CheckState.Checked]

    def output_dir(self) -> Path:
        """Checkpoints beside the project (``models/<kind>``), or in the cache for an unsaved project: where
        the timeline's generate actions look for them (``studio.models.locations``)."""
        return checkpoints_dir(getattr(self._project, "path", None), self.model_box.currentText())

    # --- run ----------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        if self.running:
            return
        ids = self.selected_clip_ids()
        if self._project is None or not ids:
            self.status_label.setText("Pick at least one clip to learn from.")
            return
        settings = self._settings()
        self._token = CancelToken()
        self._reset_curves()
        self.status_label.setText(f"Training {settings['kind']}…")
        self._worker = GeneratorJob(
            _train_job, list(self._project.clips), ids, self.size_box.value(), settings, self._token
        )
        self._worker.errored.connect(self._on_error)
        self._worker.yielded.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._worker.start()

    def _show_purpose(self, kind: str) -> None:
        self.purpose_label.setText(PURPOSE.get(kind, ""))
        self.size_box.setEnabled(kind != "interp")  # interp learns at each clip's own size
        self.gan_box.setEnabled(kind != "interp")  # and by its own losses (no discriminator)

    def _settings(self) -> dict[str, Any]:
        """``TrainConfig`` fields from the widgets (a plain dict: the config class lives with torch)."""
        return {
            "kind": self.model_box.currentText(),
            "preset": self.preset_box.currentText(),
            "steps": self.steps_box.value(),
            "eval_every": self.eval_box.value(),
            "gan": self.gan_box.isChecked(),
            "out_dir": self.output_dir(),
            "batch_size": 8 if self.preset_box.currentText() != "tiny" else 2,
        }

    def cancel(self) -> None:
        """Ask the run to stop after the current step (it saves a checkpoint, then finishes)."""
        if self._token is not None:
            self._token.cancel()
            self.status_label.setText("Cancelling after this step…")
            self.cancel_button.setEnabled(False)

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the training job is done (for shutdown and tests); True if it finished in time."""
        worker = self._worker
        return worker is None or worker.join(timeout_ms)

    def shutdown(self) -> None:
        """Cancel and wait: call before the window closes so no training thread outlives it."""
        self.cancel()
        self.wait()

    # --- results (GUI thread) -----------------------------------------------------------------------------
    def _reset_curves(self) -> None:
        self._steps, self._loss, self._psnr_steps, self._psnr = [], [], [], []
        self.loss_curve.setData([], [])
        self.psnr_curve.setData([], [])
        self.last_progress = None

    def _on_progress(self, p: Any) -> None:
        self.last_progress = p
        if "loss" in p.losses:
            self._steps.append(p.step)
            self._loss.append(max(p.losses["loss"], 1e-12))
        if p.evaluated and p.psnr is not None:
            self._psnr_steps.append(p.step)
            self._psnr.append(p.psnr)
        self.device_label.setText(f"device: {p.device}")
        eta = "" if p.eta_s is None else f", ETA {p.eta_s:.0f} s"
        self.rate_label.setText(f"step {p.step}, {p.samples_per_s:.1f} samples/s{eta}")
        now = time.monotonic()
        if p.done or now - self._last_draw >= REDRAW_S:
            self._last_draw = now
            self.loss_curve.setData(self._steps, self._loss)
            self.psnr_curve.setData(self._psnr_steps, self._psnr)
        self.progressed.emit(p)

    def _on_error(self, exc: BaseException) -> None:
        self.status_label.setText(f"Training stopped: {exc}")
        self.last_progress = None

    def _on_finished(self) -> None:
        p = self.last_progress
        if p is not None and p.done:
            verb = "Cancelled" if p.cancelled else "Done"
            where = f"; checkpoint {p.checkpoint}" if p.checkpoint else ""
            self.status_label.setText(f"{verb} at step {p.step}{where}")
        self._worker = None
        self._token = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.finished.emit(p if p is not None and p.done else None)
