"""What the export dialog remembers between openings (QSettings): the folder of the last export, and where
the dialog was on screen.

Why: it used to open over the middle of the window, on top of the viewer the user wants to look at while it
renders, and to suggest the home (or the project's) folder every time, whatever folder the last export went
to. Now the first opening puts it beside the window's centre, over the right-hand docks, and every later one
where the user left it; the suggested file is in the last folder exported to, while that folder exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QPoint, QSettings, QStandardPaths
from PySide6.QtWidgets import QWidget

from studio import paths

FOLDER_KEY = "export/folder"
GEOMETRY_KEY = "export/geometry"
MARGIN_PX = 24


def remembered_folder(settings: QSettings | None) -> Path | None:
    """The folder the last export went to, if it still exists."""
    value = settings.value(FOLDER_KEY) if settings is not None else None
    folder = Path(str(value)).expanduser() if value else None
    return folder if folder is not None and folder.is_dir() else None


def remember_folder(settings: QSettings | None, output: Path) -> None:
    if settings is not None:
        settings.setValue(FOLDER_KEY, str(Path(output).expanduser().parent))


def default_output(project: Any, settings: QSettings | None = None) -> Path:
    """``<stem>.mp4`` in the last export's folder; else beside the project file, unless that is the bundled
    demo (never write into the app's own folder); else the Movies (or home) folder."""
    folder = remembered_folder(settings)
    if folder is None and project.path is not None:
        folder = project.path.parent
    if folder is None or folder.resolve().is_relative_to(paths.RESOURCES.resolve()):
        movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
        folder = Path(movies) if movies and Path(movies).is_dir() else Path.home()
    return folder / f"{_stem(project)}.mp4"


def _stem(project: Any) -> str:
    if project.path is not None:
        name = project.path.name
        return name.split(".")[0] or "export"
    return project.name or "export"


def place_dialog(dialog: QWidget, settings: QSettings | None) -> None:
    """Where the user left it last time; the first time, right of the parent window's centre, top aligned
    with it, so the viewer (the window's centre) stays visible. Call before ``show()``."""
    saved = settings.value(GEOMETRY_KEY) if settings is not None else None
    if isinstance(saved, QByteArray | bytes) and dialog.restoreGeometry(QByteArray(saved)):
        return
    parent = dialog.parentWidget()
    if parent is None:
        return
    frame = parent.window().frameGeometry()
    size = dialog.sizeHint().expandedTo(dialog.minimumSize())
    x = max(frame.center().x() + MARGIN_PX, frame.right() - size.width() - MARGIN_PX)
    y = frame.top() + 2 * MARGIN_PX
    screen = parent.screen().availableGeometry() if parent.screen() is not None else None
    if screen is not None:  # never off screen
        x = min(max(x, screen.left()), max(screen.left(), screen.right() - size.width()))
        y = min(max(y, screen.top()), max(screen.top(), screen.bottom() - size.height()))
    dialog.move(QPoint(x, y))


def save_geometry(dialog: QWidget, settings: QSettings | None) -> None:
    if settings is not None:
        settings.setValue(GEOMETRY_KEY, dialog.saveGeometry())
