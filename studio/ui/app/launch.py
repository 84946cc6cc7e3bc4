"""Starting the desktop app: the QApplication, the theme, the first project, crash recovery, the event loop.

``build_main_window`` builds everything without running the loop (tests, the screenshot script);
``run_app`` is what ``studio`` with no sub-command calls.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from studio import paths
from studio.project import Project
from studio.ui.app.autosave import find_recoveries
from studio.ui.app.main_window import MainWindow
from studio.ui.app.settings import APP_NAME, ORG_NAME, last_project, open_settings
from studio.ui.app.terminate import quit_on_sigterm
from studio.ui.engine.warmup import import_ahead
from studio.ui.engine.worker import JobFactory, RendererFactory
from studio.ui.theme import apply_dark_theme


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORG_NAME)
        app.setApplicationName(APP_NAME)
        apply_dark_theme(app)
    assert isinstance(app, QApplication)
    return app


def first_project(project_path: str | Path | None, settings: Any) -> Path | None:
    """What to open: the given file, else the last one used, else the bundled demo (first run)."""
    if project_path:
        return Path(project_path)
    last = last_project(settings)
    if last is not None:
        return last
    return paths.DEMO_PROJECT if paths.DEMO_PROJECT.is_file() else None


def build_main_window(
    project_path: str | Path | None = None,
    *,
    renderer_factory: RendererFactory | None = None,
    job_factory: JobFactory | None = None,
    final_factory: RendererFactory | None = None,
) -> MainWindow:
    """The main window on a project, not shown, the engine thread not started (it starts on show).
    ``final_factory``: the renderer a paused frame refines with (None: the final synthesis)."""
    ensure_app()
    import_ahead()  # the media modules its first jobs use: no extension module initialises after the show
    settings = open_settings()
    window = MainWindow(settings, renderer_factory, job_factory, final_factory)
    path = first_project(project_path, settings)
    if path is None or not window.document.open(path):
        window.document.set_project(Project())
    return window


def offer_recovery(window: MainWindow) -> None:
    """After a crash: offer the newest autosave; the others (older crashes) are dropped."""
    recoveries = find_recoveries()
    if not recoveries:
        return
    newest, *older = recoveries
    for r in older:
        r.discard()
    answer = QMessageBox.question(
        window,
        "Recover unsaved work",
        "The studio did not close properly last time. Recover the autosaved project?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer == QMessageBox.StandardButton.Yes:
        window.recover(newest)
    else:
        newest.discard()


def run_app(project_path: str | Path | None = None) -> int:
    app = ensure_app()
    apply_dark_theme(app)
    window = build_main_window(project_path)
    window.show()
    quit_on_sigterm(app, window)  # a logout or `kill` closes it as Quit does, unsaved work kept for recovery
    offer_recovery(window)
    return int(app.exec())
