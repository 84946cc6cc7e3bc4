"""File ▸ Import OTIO… and Export OTIO…: the project to and from an editor's timeline (OpenTimelineIO).

Import replaces the document, after the unsaved-changes prompt, with the project the timeline describes
(``studio.project.otio``); it is unsaved until Save As, like a new project. Export writes the current
project. Problems and warnings are one line in the status bar (the first warning, and how many more);
every warning also goes to the log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from studio.errors import StudioError
from studio.project.otio import read_otio, write_otio

OTIO_FILTER = "OpenTimelineIO (*.otio *.otioz *.otiod);;All files (*)"

log = logging.getLogger(__name__)


def import_otio(window: Any, path: str | Path | None = None) -> bool:
    """Replace the document with the timeline at ``path`` (asked for when None); False if nothing changed."""
    document = window.document
    if not document.maybe_save():
        return False
    if path is None:
        name, _ = QFileDialog.getOpenFileName(window, "Import OpenTimelineIO", _folder(window), OTIO_FILTER)
        if not name:
            return False
        path = name
    warnings: list[str] = []
    try:
        project = read_otio(path, warn=warnings.append)
    except StudioError as exc:
        document.message.emit(str(exc))
        return False
    for line in warnings:
        log.warning("%s: %s", Path(path).name, line)
    document.set_project(project)
    summary = f"imported {Path(path).name}: {len(project.placements)} placements"
    if offline := project.missing_media():
        summary += f", {len(offline)} clip(s) offline — relink them in the library"
    if warnings:
        more = f" (+{len(warnings) - 1} more warnings)" if len(warnings) > 1 else ""
        summary += f"; {warnings[0]}{more}"
    document.message.emit(summary)
    return True


def export_otio(window: Any, path: str | Path | None = None) -> Path | None:
    """Write the current project as an OpenTimelineIO file (asked for when None); the path written."""
    project = window.project
    if path is None:
        start = str(Path(_folder(window)) / f"{_stem(window)}.otio")
        name, _ = QFileDialog.getSaveFileName(window, "Export OpenTimelineIO", start, OTIO_FILTER)
        if not name:
            return None
        path = name if Path(name).suffix else f"{name}.otio"
    try:
        written = write_otio(project, path)
    except StudioError as exc:
        window.document.message.emit(str(exc))
        return None
    window.document.message.emit(f"exported {written.name}: {len(project.placements)} placements")
    return written


def _folder(window: Any) -> str:
    path = window.project.path
    return str(Path(path).parent) if path is not None else ""


def _stem(window: Any) -> str:
    path = window.project.path
    if path is None:
        return window.project.name or "timeline"
    return Path(path).name.removesuffix(".json").removesuffix(".avsproj")
