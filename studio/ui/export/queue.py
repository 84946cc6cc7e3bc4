"""The export queue: exports set up in the export dialog ("Add to Queue") that render one after another on
the host's export pool, each with its progress, a cancel, and its result, as ComfyUI's queue does.

Each entry holds a snapshot of the project as it was when queued (editing on meanwhile changes nothing
queued) and the dialog's settings (file, attention record, mattes, frames). One runs at a time: two renders
at once would only share the same cores and both finish later. :class:`ExportQueue` is the model, owned by
the window and outliving the dialog; :class:`QueuePanel` the small window that lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import Cancelled, one_line
from studio.ui import forms
from studio.ui.engine.host import EngineHost
from studio.ui.engine.snapshot import snapshot
from studio.ui.export.fields import STAGE_TEXT
from studio.ui.export.memory import place_dialog
from studio.ui.export.worker import ExportTask

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
COLUMNS = ("#", "Project", "Output", "Frames", "Progress", "Result")
PROGRESS_PX = 140


@dataclass(eq=False)
class QueuedExport:
    """One queued export: what to render (a snapshot), where, and how far it got."""

    project: Any
    output: Path
    attention_dir: Path | None
    mattes: tuple[Path, str] | None
    frames: range | None
    total: int
    state: str = QUEUED
    done: int = 0
    message: str = "waiting"  # the result line: what was written, or why not
    task: ExportTask | None = None
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        path = getattr(self.project, "path", None)
        return Path(path).name if path else str(getattr(self.project, "name", "") or "untitled")


class ExportQueue(QObject):
    added = Signal(object)  # QueuedExport
    changed = Signal(object)  # QueuedExport: its state, progress or result
    idle = Signal()  # the last queued export has ended

    def __init__(self, host: EngineHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.items: list[QueuedExport] = []
        self.panel: QueuePanel | None = None

    def add(
        self,
        project: Any,
        output: Path,
        attention_dir: Path | None = None,
        *,
        mattes: tuple[Path, str] | None = None,
        frames: range | None = None,
    ) -> QueuedExport:
        total = len(frames) if frames is not None else int(project.settings.frame_count)
        item = QueuedExport(snapshot(project), Path(output), attention_dir, mattes, frames, total)
        self.items.append(item)
        self.added.emit(item)
        self._run_next()
        return item

    def position(self, item: QueuedExport) -> int:
        return self.items.index(item) + 1

    @property
    def running(self) -> QueuedExport | None:
        return next((i for i in self.items if i.state == RUNNING), None)

    def cancel(self, item: QueuedExport) -> None:
        """A waiting export never starts; a running one stops at its next frame and removes what it wrote."""
        if item.state == QUEUED:
            self._finish(item, CANCELLED, "before it started")
        elif item.state == RUNNING and item.task is not None:
            item.message = "cancelling…"
            item.task.cancel()
            self.changed.emit(item)

    def clear_finished(self) -> None:
        self.items = [i for i in self.items if i.state not in FINISHED]
        if self.panel is not None:
            self.panel.rebuild()

    def show_panel(self, near: QWidget | None = None) -> QueuePanel:
        if self.panel is None:
            parent = self.parent() if isinstance(self.parent(), QWidget) else near
            self.panel = QueuePanel(self, parent)
            place_dialog(self.panel, None)
        self.panel.show()
        self.panel.raise_()
        return self.panel

    # ---- running, one at a time -----------------------------------------------------------------------
    def _run_next(self) -> None:
        if self.running is not None:
            return
        item = next((i for i in self.items if i.state == QUEUED), None)
        if item is None:
            self.idle.emit()
            return
        item.state, item.message = RUNNING, "starting…"
        task = self.host.export(
            item.project,
            item.output,
            item.attention_dir,
            mattes=item.mattes,
            frames=item.frames,
            listen=lambda t: self._listen(item, t),
        )
        if task is None:  # the window is shutting down: nothing queued runs any more
            for waiting in [i for i in self.items if i.state in (QUEUED, RUNNING)]:
                self._finish(waiting, FAILED, "the engine has stopped")
            return
        self.changed.emit(item)

    def _listen(self, item: QueuedExport, task: ExportTask) -> None:
        """The item's own task (connected before it starts: a quick one is never missed)."""
        item.task = task
        w = task.worker  # queued onto the GUI thread
        w.yielded.connect(lambda p, it=item: self._on_progress(it, p))
        w.returned.connect(lambda r, it=item: self._on_returned(it, r))
        w.errored.connect(lambda exc, it=item: self._on_error(it, exc))
        w.aborted.connect(lambda it=item: self._finish(it, CANCELLED, "no file was written"))
        w.finished.connect(lambda it=item: self._on_ended(it))

    def _on_progress(self, item: QueuedExport, progress: Any) -> None:
        item.done, item.total = int(progress.done), int(progress.total)
        item.warnings = tuple(getattr(progress, "warnings", ()) or ())
        item.message = STAGE_TEXT.get(progress.stage, f"{progress.fps:.1f} fps")
        self.changed.emit(item)

    def _on_returned(self, item: QueuedExport, result: Any) -> None:
        written = Path(getattr(result, "path", None) or item.output)
        self._finish(item, DONE, f"wrote {written.name}")

    def _on_error(self, item: QueuedExport, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self._finish(item, CANCELLED, "no file was written")
        else:
            self._finish(item, FAILED, one_line(exc))

    def _finish(self, item: QueuedExport, state: str, message: str) -> None:
        item.state = state
        item.message = message + (f" ({len(item.warnings)} warnings)" if item.warnings else "")
        if state == DONE:
            item.done = item.total
        self.changed.emit(item)

    def _on_ended(self, item: QueuedExport) -> None:
        if item.state == RUNNING:  # ended without a word (it cannot, but never leave the queue stuck)
            self._finish(item, FAILED, "ended without a result")
        item.task = None
        self._run_next()


class QueuePanel(QDialog):
    """The queue's window: one row per export (project, file, frames, progress, result)."""

    def __init__(self, queue: ExportQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportQueue")
        self.setWindowTitle("Export Queue")
        self.queue = queue
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Progress"), QHeaderView.ResizeMode.Fixed)
        header.resizeSection(COLUMNS.index("Progress"), PROGRESS_PX)
        header.setStretchLastSection(True)
        self.cancel_button = QPushButton("Cancel")
        self.clear_button = QPushButton("Clear Finished")
        self.reveal_button = QPushButton("Show in Folder")
        self.close_button = QPushButton("Close")
        left = (self.cancel_button, self.clear_button, self.reveal_button)
        buttons = forms.button_row(self.close_button, left=left)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.setMinimumSize(720, 220)
        self.rows: dict[int, QTreeWidgetItem] = {}
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.clear_button.clicked.connect(queue.clear_finished)
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.close_button.clicked.connect(self.close)
        queue.added.connect(self._on_added)
        queue.changed.connect(self._show)
        self.rebuild()

    def selected(self) -> QueuedExport | None:
        picked = self.tree.currentItem()
        if picked is None:
            return None
        return next((item for item in self.queue.items if self.rows.get(id(item)) is picked), None)

    def cancel_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.queue.cancel(item)

    def reveal_selected(self) -> None:
        item = self.selected()
        if item is not None and item.state == DONE:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(item.output.parent)))

    def rebuild(self) -> None:
        self.tree.clear()
        self.rows.clear()
        for item in self.queue.items:
            self._on_added(item)

    def _on_added(self, item: QueuedExport) -> None:
        row = QTreeWidgetItem([str(self.queue.position(item)), item.name, item.output.name, str(item.total)])
        row.setToolTip(COLUMNS.index("Output"), str(item.output))  # the folder too
        self.tree.addTopLevelItem(row)
        bar = QProgressBar()
        bar.setTextVisible(True)
        self.tree.setItemWidget(row, COLUMNS.index("Progress"), bar)
        self.rows[id(item)] = row
        self._show(item)

    def _show(self, item: QueuedExport) -> None:
        row = self.rows.get(id(item))
        if row is None:
            return
        bar = self.tree.itemWidget(row, COLUMNS.index("Progress"))
        if isinstance(bar, QProgressBar):
            bar.setRange(0, max(item.total, 1))
            bar.setValue(item.done)
        row.setText(COLUMNS.index("Frames"), f"{item.done}/{item.total}")
        row.setText(COLUMNS.index("Result"), f"{item.state}: {item.message}")
        row.setToolTip(COLUMNS.index("Result"), "\n".join((item.message, *item.warnings)))
