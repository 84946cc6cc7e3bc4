"""The open document: the project, its QUndoStack, its typed change events, and New/Open/Save/Save As/Recent
with the unsaved-changes prompt. The window asks this object; it owns no widgets.

Every edit, undo and redo moves the stack's index; that is where :class:`ProjectEvents` announces what
changed, so panels subscribe to ``document.events`` (clips, placements, curves, settings, replaced) and
update only what they show.

Dialogs are reached through ``self.ask_*`` methods so tests (and scripts) can answer them without a
blocking ``exec()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio import paths
from studio.errors import StudioError
from studio.project import Project, load_project, save_project
from studio.project.events import ProjectEvents
from studio.project.masks import missing_masks_warning
from studio.ui.app.settings import add_recent_file, recent_files
from studio.ui.app.undo import push_command

PROJECT_FILTER = "Studio projects (*.avsproj.json *.json);;All files (*)"
SUFFIX = ".avsproj.json"


class Document(QObject):
    changed = Signal()  # an edit, undo or redo of the current project (what changed: ``events``)
    titleChanged = Signal(str)
    message = Signal(str)  # one line for the user (status bar / message box)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.settings = settings
        self.project: Project = Project()
        self.events = ProjectEvents(self.project)
        self.stack = QUndoStack(self)
        # Bound methods, not lambdas: Qt drops them with this object, so a dying stack cannot call back.
        self.stack.indexChanged.connect(self._on_index_changed)
        self.stack.cleanChanged.connect(self._on_clean_changed)
        self.recovered_from: Path | None = None  # the autosave this document came from, if any

    def _on_index_changed(self, _index: int) -> None:
        if self.events.project is self.project:  # not the old project's stack being cleared
            self.events.announce()
        self.changed.emit()

    def _on_clean_changed(self, _clean: bool) -> None:
        self.titleChanged.emit(self.title())

    # ---- state ------------------------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def dirty(self) -> bool:
        return not self.stack.isClean() or self.recovered_from is not None

    @property
    def is_bundled(self) -> bool:
        """The project is one the app ships (the demo): never written in place."""
        return self.path is not None and self.path.resolve().is_relative_to(paths.RESOURCES.resolve())

    def title(self) -> str:
        name = self.path.name if self.path else self.project.name
        return f"{name}{' *' if self.dirty else ''} — Attention Video Studio"

    def push(self, command: Any, *, merge: bool = False) -> bool:
        """Apply an edit through the undo stack; a refused edit becomes a message, not an exception.
        ``merge``: quick repeats of the same setting edit become one step (see ``undo.ProjectCommand``)."""
        try:
            push_command(self.stack, self.project, command, merge=merge)
        except StudioError as exc:
            self.message.emit(str(exc))
            return False
        return True

    # ---- replacing the document -------------------------------------------------------------------------
    def set_project(self, project: Project, *, recovered_from: Path | None = None) -> None:
        self.stack.clear()  # commands hold the old project; they must not run on the new one
        self.project = project
        self.recovered_from = recovered_from
        self.events.replace(project)
        self.titleChanged.emit(self.title())

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.set_project(Project())
        return True

    def open(self, path: Path | str | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            path = self.ask_open_path()
            if path is None:
                return False
        try:
            project = load_project(path)
        except StudioError as exc:
            self.message.emit(str(exc))
            return False
        self.set_project(project)
        add_recent_file(self.settings, Path(path))
        missing = project.missing_media()
        if missing:
            self.message.emit(f"{len(missing)} clip(s) offline — relink them in the library")
        elif (masks := missing_masks_warning(project)) is not None:  # left out of renders, like offline media
            self.message.emit(masks)
        return True

    def save(self) -> bool:
        if self.path is None or self.is_bundled:
            return self.save_as()  # the demo ships with the app: edits go to the user's own file
        return self._save_to(self.path)

    def save_as(self, path: Path | str | None = None) -> bool:
        if path is None:
            path = self.ask_save_path()
            if path is None:
                return False
        path = Path(path)
        if not path.name.endswith(".json"):
            path = path.with_name(path.name + SUFFIX)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            save_project(self.project, path)
        except (StudioError, OSError) as exc:
            self.message.emit(f"could not save {path.name}: {exc}")
            return False
        self.recovered_from = None
        self.stack.setClean()
        add_recent_file(self.settings, path)
        self.titleChanged.emit(self.title())
        self.message.emit(f"saved {path.name}")
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded, or nothing to lose)."""
        if not self.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def recent(self) -> list[Path]:
        return recent_files(self.settings)

    # ---- dialogs (replaceable in tests) -----------------------------------------------------------------
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        return QMessageBox.question(
            self.parent_widget,
            "Unsaved changes",
            f"Save the changes to {self.path.name if self.path else self.project.name}?",
            buttons,
            QMessageBox.StandardButton.Save,
        )

    def ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open project", "", PROJECT_FILTER)
        return Path(name) if name else None

    def ask_save_path(self) -> Path | None:
        start = str(self.path) if self.path and not self.is_bundled else f"{self.project.name}{SUFFIX}"
        name, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save project", start, PROJECT_FILTER)
        return Path(name) if name else None
