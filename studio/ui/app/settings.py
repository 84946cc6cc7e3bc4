"""Preferences and window layout in QSettings (INI format), plus the recent-files list.

Layout = the window's geometry and dock state (``saveState`` keys docks by objectName) and the viewer's
overlay opacity and loop switch.

INI everywhere (not the Windows registry) so tests can point the whole store at a temp folder with
``QSettings.setPath(IniFormat, UserScope, tmp)`` or the ``STUDIO_SETTINGS_DIR`` environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ORG_NAME = "AttentionVideoStudio"
APP_NAME = "Studio"
MAX_RECENT = 8


def open_settings() -> QSettings:
    """The app's settings store; ``STUDIO_SETTINGS_DIR`` redirects it (tests, portable installs)."""
    override = os.environ.get("STUDIO_SETTINGS_DIR")
    if override:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, override)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG_NAME, APP_NAME)


def recent_files(settings: QSettings) -> list[Path]:
    """Recent projects, newest first, only those that still exist."""
    raw = settings.value("recent/files", [])
    if isinstance(raw, str):  # QSettings returns a bare string for a one-element list in INI files
        raw = [raw]
    return [Path(p) for p in (raw or []) if p and Path(p).exists()]


def add_recent_file(settings: QSettings, path: Path) -> list[Path]:
    path = Path(path).resolve()
    files = [path] + [p for p in recent_files(settings) if p.resolve() != path]
    files = files[:MAX_RECENT]
    settings.setValue("recent/files", [str(p) for p in files])
    return files


def last_project(settings: QSettings) -> Path | None:
    files = recent_files(settings)
    return files[0] if files else None


def restore_window(window: Any, settings: QSettings) -> None:
    geometry = settings.value("window/geometry")
    state = settings.value("window/state")
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    window.set_overlay_opacity(float(settings.value("viewer/overlay", 0.0)))
    window.viewer.loop_button.setChecked(settings.value("viewer/loop", "true") in (True, "true"))


def save_window(window: Any, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState())
    settings.setValue("viewer/overlay", window.state.overlay_opacity)
    settings.setValue("viewer/loop", window.viewer.loop)
    settings.sync()
