"""The export dialog: where, what quality/size/fps/audio, an attention sidecar; the engine's estimate before
starting; progress with fps and ETA; cancel; reveal the file when done; the engine's warnings in the result.

The dialog is modeless (``show()``, never ``exec()``): the render and the estimate run as jobs off the GUI
thread (``studio.ui.export.worker``), so the window, the preview included, stays usable meanwhile. The
progress it shows is the engine's own record (``studio.engine.render.Progress``: fps and ETA are worked out
there). Its export settings apply to a copy of the project handed to the engine, not to the document.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio import paths
from studio.engine import matte_formats  # stdlib only: the dialog never loads the engine itself
from studio.ui.engine.host import EngineHost
from studio.ui.export.worker import ExportTask

if TYPE_CHECKING:  # the engine (torch) loads on the export's thread, never for the dialog
    from studio.engine.render import Progress


def _fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "—"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


class ExportDialog(QDialog):
    finished_path = Signal(str)

    def __init__(self, host: EngineHost, project: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.host = host
        self.project = project
        self.running = False
        self.result_path: Path | None = None
        self.last_estimate: Any = None
        self.last_progress: Progress | None = None
        self.task: ExportTask | None = None  # this dialog's running export
        s = project.settings

        self.path_edit = QLineEdit(str(default_output(project)))
        self.browse_button = QPushButton("Browse…")
        self.crf = QSpinBox()
        self.crf.setRange(0, 51)
        self.crf.setValue(int(s.crf))
        self.crf.setToolTip("H.264 constant rate factor: lower is better quality and a bigger file")
        self.width_box = QSpinBox()
        self.width_box.setRange(16, 7680)
        self.width_box.setSingleStep(2)
        self.width_box.setValue(int(s.width))
        self.height_box = QSpinBox()
        self.height_box.setRange(16, 4320)
        self.height_box.setSingleStep(2)
        self.height_box.setValue(int(s.height))
        self.fps_box = QDoubleSpinBox()
        self.fps_box.setRange(1, 120)
        self.fps_box.setDecimals(3)
        self.fps_box.setValue(float(s.fps))
        self.audio = QCheckBox("Mix the sources' audio (AAC)")
        self.audio.setChecked(bool(s.audio))
        self.sidecar = QCheckBox("Write the attention record beside the video")
        self.mattes = QCheckBox("Write mattes")
        self.mattes.setToolTip("A matte per clip, its weight at every pixel (they sum to 1), for compositing")
        self.mattes_format = _matte_format_box()
        self.mattes_folder = QLineEdit(str(self.output.with_suffix(".mattes")))
        self.mattes_folder.setToolTip("The folder the mattes go to (beside the video unless you change it)")
        self._mattes_folder_follows = True  # until the user types a folder of their own
        self.reveal_when_done = QCheckBox("Show the file in its folder when done")
        self.estimate_label = QLabel("Estimating…")
        self.estimate_label.setObjectName("estimate")
        self.progress = QProgressBar()
        self.progress.setRange(0, max(int(s.frame_count), 1))
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)  # the result line may carry the engine's warnings
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Close")
        self.reveal_button = QPushButton("Show in Folder")
        self.reveal_button.setEnabled(False)

        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Quality (CRF)", self.crf)
        form.addRow("Size", size_row)
        form.addRow("Frame rate", self.fps_box)
        form.addRow("Audio", self.audio)
        form.addRow("Attention", self.sidecar)
        form.addRow("", self.reveal_when_done)
        mattes_row = QHBoxLayout()
        mattes_row.addWidget(self.mattes)
        mattes_row.addWidget(self.mattes_format, 1)
        form.addRow("Mattes", mattes_row)
        form.addRow("", self.mattes_folder)
        form.addRow("Estimate", self.estimate_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

        self.browse_button.clicked.connect(self.browse)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        self.reveal_button.clicked.connect(self.reveal)
        self.mattes.toggled.connect(self._show_mattes_choices)
        self.path_edit.textChanged.connect(self._follow_output)
        self.mattes_folder.textEdited.connect(self._stop_following)
        self._show_mattes_choices(False)
        for box in (self.width_box, self.height_box, self.fps_box):
            box.valueChanged.connect(self.request_estimate)
        # The host's signals, not the workers': they are delivered on the GUI thread.
        host.estimateReady.connect(self._on_estimate)
        host.estimateFailed.connect(self._on_estimate_failed)
        host.exportProgress.connect(self._on_progress)
        host.exportFinished.connect(self._on_finished)
        host.exportFailed.connect(self._on_failed)
        host.exportCancelled.connect(self._on_cancelled)
        self.request_estimate()

    # ---- what to render ---------------------------------------------------------------------------------
    @property
    def output(self) -> Path:
        return Path(self.path_edit.text()).expanduser()

    def export_project(self) -> Any:
        """The document's project with this dialog's choices applied (the document itself is untouched)."""
        settings = dataclasses.replace(
            self.project.settings,
            crf=self.crf.value(),
            width=self.width_box.value(),
            height=self.height_box.value(),
            fps=self.fps_box.value(),
            audio=self.audio.isChecked(),
        )
        return dataclasses.replace(self.project, settings=settings)

    def attention_dir(self) -> Path | None:
        return self.output.with_suffix(".attention") if self.sidecar.isChecked() else None

    def mattes_request(self) -> tuple[Path, str] | None:
        """(folder, format) of the compositing mattes to write, or None."""
        if not self.mattes.isChecked():
            return None
        return Path(self.mattes_folder.text()).expanduser(), str(self.mattes_format.currentData())

    def _show_mattes_choices(self, on: bool) -> None:
        self.mattes_format.setEnabled(on)
        self.mattes_folder.setEnabled(on)

    def _follow_output(self, _text: str) -> None:
        if self._mattes_folder_follows:
            self.mattes_folder.setText(str(self.output.with_suffix(".mattes")))

    def _stop_following(self, _text: str) -> None:
        self._mattes_folder_follows = False

    def browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export video", str(self.output), "MP4 video (*.mp4)")
        if name:
            self.path_edit.setText(name if name.lower().endswith(".mp4") else name + ".mp4")

    # ---- running ----------------------------------------------------------------------------------------
    def request_estimate(self) -> None:
        if not self.running:
            self.estimate_label.setText("Estimating…")
            self.host.export(self.export_project(), self.output, None, estimate_only=True)

    def start(self) -> None:
        if self.running:
            return
        if not self.output.parent.is_dir():
            self.status.setText(f"No such folder: {self.output.parent}")
            return
        project = self.export_project()
        self.running = True
        self.result_path = None
        self.last_progress = None
        self.progress.setRange(0, max(int(project.settings.frame_count), 1))
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.export_button.setEnabled(False)
        self.reveal_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.task = self.host.export(project, self.output, self.attention_dir(), mattes=self.mattes_request())
        if self.task is None:  # the window is shutting down
            self._done("The engine has stopped")

    def cancel_export(self) -> None:
        """Flip this export's token; the job stops at its next frame and removes what it wrote."""
        if self.task is not None:
            self.task.cancel()
        else:
            self.host.cancel()

    def cancel_or_close(self) -> None:
        if self.running:
            self.status.setText("Cancelling…")
            self.cancel_export()
        else:
            self.close()

    def reveal(self) -> None:
        """Open the folder holding the result in the system's file browser."""
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))

    def _done(self, text: str) -> None:
        self.running = False
        self.task = None
        self.status.setText(text)
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _on_estimate(self, est: Any) -> None:
        fallback = f" ({est.fallback})" if getattr(est, "fallback", None) else ""
        self.last_estimate = est
        self.estimate_label.setText(
            f"about {_fmt_seconds(est.seconds)} on {est.device}{fallback}, "
            f"peak memory {_fmt_bytes(est.peak_memory_bytes)}, {est.frames} frames"
        )

    def _on_estimate_failed(self, message: str) -> None:
        self.last_estimate = None
        self.estimate_label.setText(f"no estimate: {message}")

    def _on_progress(self, p: Progress) -> None:
        if not self.running:
            return
        self.last_progress = p
        self.progress.setMaximum(max(p.total, 1))
        self.progress.setValue(p.done)
        if p.stage == "audio":
            self.status.setText(f"{p.done}/{p.total} frames · mixing the audio…")
        elif p.stage != "done":
            self.status.setText(f"{p.done}/{p.total} frames · {p.fps:.1f} fps · {_fmt_seconds(p.eta_s)} left")

    def _with_warnings(self, text: str) -> str:
        """The result line, with what the engine warned of on the way (a fallback, missing features)."""
        warnings = tuple(getattr(self.last_progress, "warnings", ()) or ())
        if not warnings:
            return text
        label = "warning" if len(warnings) == 1 else f"{len(warnings)} warnings"
        return f"{text} — {label}: " + "; ".join(warnings)

    def _on_finished(self, path: str) -> None:
        if not self.running:
            return
        self.result_path = Path(path)
        self.progress.setValue(self.progress.maximum())
        self._done(self._with_warnings(f"Exported {self.result_path.name}"))
        self.reveal_button.setEnabled(True)
        if self.reveal_when_done.isChecked():
            self.reveal()
        self.finished_path.emit(path)

    def _on_failed(self, message: str) -> None:
        if self.running:
            self._done(self._with_warnings(f"Export failed: {message}"))

    def _on_cancelled(self) -> None:
        if self.running:
            self.progress.setValue(0)
            self._done("Cancelled — no file was written")

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        if self.running:  # closing the dialog must not orphan a render nobody can cancel any more
            self.cancel_export()
        super().closeEvent(event)


def _matte_format_box() -> QComboBox:
    """The matte formats, EXR greyed out (with how to get it) where OpenEXR is not installed."""
    box = QComboBox()
    labels = {"png16": "16-bit PNG", "ffv1": "FFV1 video (MKV)", "exr": "OpenEXR layers"}
    for fmt in matte_formats.FORMATS:
        box.addItem(labels[fmt], fmt)
        index = box.count() - 1
        tip = matte_formats.DESCRIPTIONS[fmt]
        if fmt == matte_formats.EXR and not matte_formats.exr_available():
            box.model().item(index).setEnabled(False)
            tip = f"needs the OpenEXR package: {matte_formats.EXR_INSTALL}"
        box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
    box.setCurrentIndex(matte_formats.FORMATS.index(matte_formats.DEFAULT_FORMAT))
    return box


def default_output(project: Any) -> Path:
    """Beside the project file, unless that is the bundled demo (never write into the app's own folder)."""
    folder = project.path.parent if project.path is not None else None
    if folder is None or folder.resolve().is_relative_to(paths.RESOURCES.resolve()):
        movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
        folder = Path(movies) if movies and Path(movies).is_dir() else Path.home()
    return folder / f"{_stem(project)}.mp4"


def _stem(project: Any) -> str:
    if project.path is not None:
        name = project.path.name
        return name.split(".")[0] or "export"
    return project.name or "export"
