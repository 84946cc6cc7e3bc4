"""The Text to Video dock: a prompt, a seed, a size, steps; Generate; a progress bar with an ETA, a rough
picture of the latents every few steps, Cancel; the clip then joins the library (``clipMade``).

The panel imports neither torch nor diffusers: the model check and the run are jobs (``models_dialog``'s
checker, :class:`~studio.ui.t2v.runner.T2VRunner`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.models.t2v.settings import T2VSettings
from studio.ui import forms
from studio.ui.t2v.models_dialog import ModelChecker, model_folders, set_model_folders
from studio.ui.t2v.runner import GPU_NOTICE, T2VRunner

PREVIEW_SIZE = (240, 136)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _pixmap(rgb: np.ndarray) -> QPixmap:
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image)


class T2VPanel(QWidget):
    """``clipMade(T2VResult)`` when a run has written its clip; ``attentionRequested(str)`` for its record."""

    clipMade = Signal(object)
    attentionRequested = Signal(str)
    message = Signal(str)  # for the window's status bar (the GPU notice, failures)

    def __init__(self, settings: QSettings, output_for: Callable[[str], Path], parent: QWidget | None = None,
                 add_models: Callable[[], None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("textToVideo")
        self.setAccessibleName("textToVideo")
        self.settings = settings
        self.output_for = output_for  # prompt -> where the clip goes
        self.runner = T2VRunner(self)
        self.checker = ModelChecker(self)
        self.last_record: str | None = None
        self._add_models = add_models

        self.model = QComboBox()
        self.model.setObjectName("t2vModel")
        self.model.setToolTip("A diffusers pipeline folder on disk (Settings ▸ Models…)")
        self.model_info = QLabel("Add a model folder: Settings ▸ Models…")
        self.model_info.setWordWrap(True)
        self.model_info.setObjectName("t2vModelInfo")
        models_button = QPushButton("Models…")
        models_button.clicked.connect(lambda: self._add_models() if self._add_models else None)
        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("t2vPrompt")
        self.prompt.setPlaceholderText("a red fox runs through fresh snow at dawn, low sun, long shadows")
        self.prompt.setFixedHeight(64)
        self.negative = QLineEdit()
        self.negative.setPlaceholderText("blurry, low quality, text")
        self.seed = forms.int_box(0, 2**31 - 1, 0, name="t2vSeed")
        dice = QPushButton("Random")
        dice.clicked.connect(lambda: self.seed.setValue(random.randrange(2**31)))
        self.frames = forms.int_box(1, 257, 97, name="t2vFrames")
        self.width_spin = forms.int_box(16, 2048, 704, step=32, name="t2vWidth")
        self.height_spin = forms.int_box(16, 2048, 480, step=32, name="t2vHeight")
        self.steps = forms.int_box(1, 200, 30, name="t2vSteps")
        self.word_attention = QCheckBox("Record the attention of every word")
        self.word_attention.setChecked(True)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("t2vGenerate")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("t2vCancel")
        self.cancel_button.setEnabled(False)
        self.attention_button = QPushButton("Word attention…")
        self.attention_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("t2vProgress")
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.preview = QLabel("latent preview")
        self.preview.setObjectName("t2vPreview")
        self.preview.setFixedSize(*PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #111; color: #777;")
        self.status = QLabel("")
        self.status.setObjectName("t2vStatus")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Model", forms.row(self.model, models_button, grow=self.model))
        form.addRow("", self.model_info)
        form.addRow("Prompt", self.prompt)
        form.addRow("Not", self.negative)
        form.addRow("Seed", forms.row(self.seed, dice, grow=self.seed))
        form.addRow("Size", forms.size_row(self.width_spin, self.height_spin))
        form.addRow("Frames", self.frames)
        form.addRow("Steps", self.steps)
        form.addRow("", self.word_attention)
        buttons = forms.row(
            self.generate_button, self.cancel_button, self.attention_button, grow=self.generate_button
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.model.currentIndexChanged.connect(self._on_model_chosen)
        self.checker.checked.connect(self._on_checked)
        self.checker.refused.connect(self._on_refused)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.attention_button.clicked.connect(lambda: self.attentionRequested.emit(self.last_record or ""))
        r = self.runner
        r.stage.connect(self.status.setText)
        r.progress.connect(self._on_progress)
        r.finished.connect(self._on_finished)
        r.failed.connect(self._on_failed)
        r.cancelled.connect(lambda: self._say("Cancelled: nothing was written"))
        r.ended.connect(self._on_ended)
        r.gpuChanged.connect(self._on_gpu)
        self.reload_models()

    # ---- models -----------------------------------------------------------------------------------------
    def reload_models(self) -> None:
        """The combo box from Settings ▸ Models (the current choice kept when it is still there)."""
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        for folder in model_folders(self.settings):
            self.model.addItem(folder.name, str(folder))
        index = self.model.findData(current) if current else 0
        self.model.setCurrentIndex(max(0, index))
        self.model.blockSignals(False)
        self._on_model_chosen()

    def add_model(self, folder: str | Path) -> None:
        """A folder joins the list (Settings ▸ Models does this after checking it)."""
        set_model_folders(self.settings, [*model_folders(self.settings), Path(folder)])
        self.reload_models()
        self.model.setCurrentIndex(self.model.findData(str(Path(folder))))

    def _on_model_chosen(self, *_: object) -> None:
        folder = self.model.currentData()
        self.generate_button.setEnabled(bool(folder) and not self.runner.running)
        if folder:
            self.model_info.setText("checking…")
            self.checker.check(folder)
        else:
            self.model_info.setText("Add a model folder: Settings ▸ Models…")

    def _on_checked(self, folder: str, line: str) -> None:
        if folder == self.model.currentData():
            self.model_info.setText(line)

    def _on_refused(self, folder: str, reason: str) -> None:
        if folder == self.model.currentData():
            self.model_info.setText(f"cannot be used: {reason}")
            self.generate_button.setEnabled(False)

    # ---- a run ------------------------------------------------------------------------------------------
    def generate(self) -> bool:
        folder = self.model.currentData()
        prompt = self.prompt.toPlainText().strip()
        if not folder or not prompt:
            self._say("Choose a model and write a prompt first")
            return False
        output = self.output_for(prompt)
        attention = output.with_name(output.stem + ".attention") if self.word_attention.isChecked() else None
        if not self.runner.start(folder, self.settings_for_run(), output, attention):
            return False
        self.generate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        return True

    def settings_for_run(self) -> Any:
        return T2VSettings(
            self.prompt.toPlainText(), self.negative.text(), self.frames.value(),
            (self.width_spin.value(), self.height_spin.value()), self.steps.value(), self.seed.value(),
        )  # fmt: skip

    def cancel(self) -> None:
        self.runner.cancel()
        self.cancel_button.setEnabled(False)
        self.progress.setFormat("cancelling…")

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.checker.wait()

    def _on_progress(self, update: Any) -> None:
        self.progress.setRange(0, update.steps)
        self.progress.setValue(update.step)
        self.progress.setFormat(f"step {update.step}/{update.steps} · ETA {format_eta(update.eta_s)}")
        if update.preview is not None:
            self.preview.setPixmap(
                _pixmap(update.preview).scaled(*PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio)
            )

    def _on_finished(self, result: Any) -> None:
        self.last_record = str(result.attention) if result.attention else None
        self.attention_button.setEnabled(self.last_record is not None)
        self.progress.setFormat("done")
        self._say(f"Made {result.path.name}: {result.frames} frames, {result.width}×{result.height}")
        self.clipMade.emit(result)

    def _on_failed(self, text: str) -> None:
        self.progress.setFormat("failed")
        self._say(f"Text to video failed: {text}")

    def _on_ended(self) -> None:
        self.cancel_button.setEnabled(False)
        self.generate_button.setEnabled(bool(self.model.currentData()))

    def _on_gpu(self, held: bool) -> None:
        self._say(GPU_NOTICE if held else "GPU free: the preview refines again")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)
