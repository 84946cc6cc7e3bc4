"""The export dialog: where, what quality/size/fps/audio, an attention sidecar; the engine's estimate before
starting; progress with fps and ETA; cancel; reveal the file when done; the engine's warnings in the result.

The dialog is modeless (``show()``, never ``exec()``): the render and the estimate run as jobs off the GUI
thread (``studio.ui.export.worker``), so the window, the preview included, stays usable meanwhile. The
progress it shows is the engine's own record (``studio.engine.render.Progress``: fps and ETA are worked out
there). Its export settings apply to a copy of the project handed to the engine, not to the document.

It renders the whole timeline or the playback's in/out range (``in_out``, chosen by default when set); its
estimate follows the document (``document_changed``: an undo changes what would render); "Add to Queue"
hands the export, with a snapshot of the project, to the window's queue (``studio.ui.export.queue``)
instead. It remembers its last folder and where it was on screen (``studio.ui.export.memory``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from studio.errors import Cancelled, one_line
from studio.ui import forms
from studio.ui.engine.host import EngineHost
from studio.ui.export import fields
from studio.ui.export.memory import default_output, place_dialog, remember_folder, save_geometry
from studio.ui.export.worker import ExportTask

if TYPE_CHECKING:  # the engine (torch) loads on the export's thread, never for the dialog
    from studio.engine.render import Progress
    from studio.ui.export.queue import ExportQueue

__all__ = ["ExportDialog", "default_output"]

ESTIMATE_DELAY_MS = 300  # after an edit: a burst of edits (a drag's undo steps, typing) asks once


class ExportDialog(QDialog):
    finished_path = Signal(str)

    def __init__(
        self,
        host: EngineHost,
        project: Any,
        parent: QWidget | None = None,
        *,
        in_out: tuple[int, int] | None = None,
        settings: QSettings | None = None,
        queue: ExportQueue | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.host = host
        self.project = project
        self.settings = settings  # the last folder and the dialog's place on screen (None: remember nothing)
        self.queue = queue
        self.running = False
        self.result_path: Path | None = None
        self.last_estimate: Any = None
        self.last_progress: Progress | None = None
        self.task: ExportTask | None = None  # this dialog's running export
        s = project.settings

        self.path_edit = QLineEdit(str(default_output(project, settings)))
        self.browse_button = QPushButton("Browse…")
        self.crf = forms.int_box(0, 51, int(s.crf))
        self.crf.setToolTip("H.264 constant rate factor: lower is better quality and a bigger file")
        self.width_box = forms.int_box(16, 7680, int(s.width), step=2)
        self.height_box = forms.int_box(16, 4320, int(s.height), step=2)
        self.fps_box = fields.fps_box(float(s.fps))
        self.audio = QCheckBox("Mix the sources' audio (AAC)")
        self.audio.setChecked(bool(s.audio))
        self.sidecar = QCheckBox("Write the attention record beside the video")
        self.mattes = QCheckBox("Write mattes")
        self.mattes.setToolTip("A matte per clip, its weight at every pixel (they sum to 1), for compositing")
        self.mattes_format = fields.matte_format_box()
        self.in_out = in_out  # the playback's first and last frame when marks are set
        self.range_box = fields.range_box(int(s.frame_count), in_out)
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
        self.queue_button = QPushButton("Add to Queue")
        self.queue_button.setToolTip("Render it after those queued before (with the project as it is now)")
        self.queue_button.setVisible(queue is not None)
        self.cancel_button = QPushButton("Close")
        self.reveal_button = QPushButton("Show in Folder")
        self.reveal_button.setEnabled(False)

        path_row = forms.row(self.path_edit, self.browse_button, grow=self.path_edit)
        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Frames", self.range_box)
        form.addRow("Quality (CRF)", self.crf)
        form.addRow("Size", forms.size_row(self.width_box, self.height_box))
        form.addRow("Frame rate", self.fps_box)
        form.addRow("Audio", self.audio)
        form.addRow("Attention", self.sidecar)
        form.addRow("", self.reveal_when_done)
        form.addRow("Mattes", forms.row(self.mattes, self.mattes_format, grow=self.mattes_format))
        form.addRow("", self.mattes_folder)
        form.addRow("Estimate", self.estimate_label)
        buttons = forms.button_row(
            self.queue_button, self.export_button, self.cancel_button, left=[self.reveal_button]
        )
        forms.column(self, form, self.progress, self.status, buttons)
        self.setMinimumWidth(520)

        self.browse_button.clicked.connect(self.browse)
        self.export_button.clicked.connect(self.start)
        self.queue_button.clicked.connect(self.add_to_queue)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        self.reveal_button.clicked.connect(self.reveal)
        self.mattes.toggled.connect(self._show_mattes_choices)
        self.path_edit.textChanged.connect(self._follow_output)
        self.mattes_folder.textEdited.connect(self._stop_following)
        self._show_mattes_choices(False)
        for box in (self.width_box, self.height_box, self.fps_box):
            box.valueChanged.connect(self.request_estimate)
        self.range_box.currentIndexChanged.connect(self.request_estimate)
        self._estimate_timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self.request_estimate)
        # Estimates come through the host (delivered on the GUI thread); this dialog's render reports through
        # its own task's worker (start()), so a queued export running meanwhile is never shown here.
        host.estimateReady.connect(self._on_estimate)
        host.estimateFailed.connect(self._on_estimate_failed)
        place_dialog(self, settings)
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

    def frames(self) -> range | None:
        """The output frames chosen: the in/out range (both marks included), or None for all of them."""
        if self.in_out is None or self.range_box.currentData() != fields.IN_OUT:
            return None
        return range(self.in_out[0], self.in_out[1] + 1)

    def frame_count(self) -> int:
        frames = self.frames()
        return len(frames) if frames is not None else int(self.project.settings.frame_count)

    def document_changed(self, project: Any = None) -> None:
        """The document was edited (or replaced): estimate what would render now, once the edits settle."""
        if project is not None:
            self.project = project
        self._estimate_timer.start()

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
        forms.browse_save(self, self.path_edit, "Export video", suffix=".mp4")

    # ---- running ----------------------------------------------------------------------------------------
    def request_estimate(self) -> None:
        if not self.running:
            self.estimate_label.setText("Estimating…")
            project, frames = self.export_project(), self.frames()
            self.host.export(project, self.output, None, estimate_only=True, frames=frames)

    def _folder_ok(self) -> bool:
        if self.output.parent.is_dir():
            remember_folder(self.settings, self.output)  # the next export starts from here
            return True
        self.status.setText(f"No such folder: {self.output.parent}")
        return False

    def start(self) -> None:
        if self.running or not self._folder_ok():
            return
        project = self.export_project()
        self.running = True
        self.result_path = None
        self.last_progress = None
        self.progress.setRange(0, max(self.frame_count(), 1))
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.export_button.setEnabled(False)
        self.reveal_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.task = self.host.export(
            project,
            self.output,
            self.attention_dir(),
            mattes=self.mattes_request(),
            frames=self.frames(),
            listen=self._listen,
        )
        if self.task is None:  # the window is shutting down
            self._done("The engine has stopped")

    def _listen(self, task: ExportTask) -> None:
        """This dialog's render only (queued onto the GUI thread, after the host's own handlers)."""
        w = task.worker
        w.yielded.connect(self._on_progress)
        w.returned.connect(lambda result: self._on_returned(result, task))
        w.errored.connect(self._on_error)
        w.aborted.connect(self._on_cancelled)

    def add_to_queue(self) -> None:
        """The export as set up now, with a snapshot of the project, to the window's queue."""
        if self.queue is None or not self._folder_ok():
            return
        item = self.queue.add(
            self.export_project(),
            self.output,
            self.attention_dir(),
            mattes=self.mattes_request(),
            frames=self.frames(),
        )
        self.status.setText(f"Queued {item.output.name} ({item.total} frames), #{self.queue.position(item)}")
        self.queue.show_panel(self)

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
        basis = " at the last render's speed" if getattr(est, "basis", "") == "last render" else ""
        self.last_estimate = est
        self.estimate_label.setText(
            f"about {fields.fmt_seconds(est.seconds)}{basis} on {est.device}{fallback}, "
            f"peak memory {fields.fmt_bytes(est.peak_memory_bytes)}, {est.frames} frames"
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
        if p.stage in fields.STAGE_TEXT:
            self.status.setText(f"{p.done}/{p.total} frames · {fields.STAGE_TEXT[p.stage]}")
        elif p.stage != "done":
            left = fields.fmt_seconds(p.eta_s)
            self.status.setText(f"{p.done}/{p.total} frames · {p.fps:.1f} fps · {left} left")

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

    def _on_returned(self, result: Any, task: ExportTask) -> None:
        self._on_finished(str(getattr(result, "path", None) or task.request.output))

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self._on_cancelled()
        else:
            self._on_failed(one_line(exc))

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

    def hideEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        save_geometry(self, self.settings)  # where the user left it: it opens there next time
        super().hideEvent(event)
