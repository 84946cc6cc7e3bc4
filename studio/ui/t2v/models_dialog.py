"""Settings ▸ Models…: the text-to-video model folders the user has on disk (a list in QSettings).

A folder is added only after :func:`studio.models.t2v.load.inspect_model` accepted it (a diffusers pipeline
folder of a supported class, safetensors weights); its line says the class, the size and whether it fits the
GPU. The check reads JSON and file headers, and asks torch for the GPU's free memory: it runs off the GUI
thread (``studio.ui.jobs.FunctionJob``), since the first torch import takes seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.jobs import FunctionJob

SETTINGS_KEY = "t2v/models"
FOLDER_ROLE = Qt.ItemDataRole.UserRole


def model_folders(settings: QSettings) -> list[Path]:
    raw = settings.value(SETTINGS_KEY, [])
    if isinstance(raw, str):  # a one-element list comes back as a bare string from INI files
        raw = [raw]
    return [Path(p) for p in (raw or []) if p]


def set_model_folders(settings: QSettings, folders: list[Path]) -> None:
    unique = list(dict.fromkeys(str(Path(f)) for f in folders))
    settings.setValue(SETTINGS_KEY, unique)
    settings.sync()


def check_model(folder: str) -> str:
    """The folder's one line (class, size, GPU fit); a StudioError (one line) if the studio will not load it.
    Runs on a worker thread."""
    from studio.models.device import choose_device
    from studio.models.t2v.load import gpu_fit, inspect_model

    info = inspect_model(folder)
    return info.describe(gpu_fit(info, choose_device("auto"))[1])


class ModelChecker(QObject):
    """Checks folders off the GUI thread: ``checked(folder, line)`` or ``refused(folder, reason)``."""

    checked = Signal(str, str)
    refused = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[FunctionJob] = []

    def check(self, folder: str | Path) -> FunctionJob:
        folder = str(folder)
        job = FunctionJob(check_model, folder)
        job.returned.connect(lambda line: self.checked.emit(folder, line))
        job.errored.connect(lambda exc: self.refused.emit(folder, _one_line(exc)))
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        self.jobs.append(job)
        job.start()
        return job

    def wait(self) -> None:
        for job in list(self.jobs):
            job.join(30_000)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, StudioError):
        return str(exc)
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


class ModelsDialog(QDialog):
    """The list of model folders, each with its line; Add folder… checks one before it joins the list."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None, choose: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("t2vModels")
        self.setWindowTitle("Text-to-video models")
        self.settings = settings
        self._choose = choose or self._choose_folder
        self.checker = ModelChecker(self)
        self.list = QListWidget()
        self.list.setObjectName("t2vModelList")
        self.status = QLabel("Local diffusers pipeline folders (safetensors). Nothing is ever downloaded.")
        self.status.setWordWrap(True)
        add = QPushButton("Add folder…")
        add.clicked.connect(self.add_folder)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.checker.checked.connect(self._on_checked)
        self.checker.refused.connect(self._on_refused)
        self._pending: set[str] = set()  # folders being checked before they may join the list
        for folder in model_folders(settings):
            self._item(str(folder), "checking…")
            self.checker.check(folder)
        self.resize(640, 320)

    def _item(self, folder: str, line: str) -> QListWidgetItem:
        for n in range(self.list.count()):
            item = self.list.item(n)
            if item.data(FOLDER_ROLE) == folder:
                item.setText(f"{folder}\n    {line}")
                return item
        item = QListWidgetItem(f"{folder}\n    {line}")
        item.setData(FOLDER_ROLE, folder)
        self.list.addItem(item)
        return item

    def _choose_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Add a diffusers pipeline folder")

    def add_folder(self, folder: str | None = None) -> FunctionJob | None:
        folder = folder or self._choose()
        if not folder:
            return None
        self._pending.add(str(Path(folder)))
        self.status.setText(f"Checking {folder}…")
        return self.checker.check(str(Path(folder)))

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._save()

    def folders(self) -> list[Path]:
        return [Path(self.list.item(n).data(FOLDER_ROLE)) for n in range(self.list.count())]

    def _save(self) -> None:
        set_model_folders(self.settings, self.folders())

    def _on_checked(self, folder: str, line: str) -> None:
        self._item(folder, line)
        if folder in self._pending:
            self._pending.discard(folder)
            self.status.setText(f"Added: {line}")
            self._save()

    def _on_refused(self, folder: str, reason: str) -> None:
        if folder in self._pending:  # never added: say why in one line
            self._pending.discard(folder)
            self.status.setText(f"Not added: {reason}")
        else:
            self._item(folder, f"cannot be used: {reason}")

    def done(self, result: int) -> None:  # noqa: D102 (Qt's)
        self.checker.wait()
        super().done(result)
