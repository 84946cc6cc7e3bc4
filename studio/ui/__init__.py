"""The desktop window (PySide6). The only package that imports Qt; torch loads later, on the engine thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.ui.app.main_window import MainWindow

__all__ = ["build_main_window"]


def build_main_window(project_path: Any = None, **kwargs: Any) -> MainWindow:
    """Build the main window without running the event loop (``studio.ui.app.launch.build_main_window``)."""
    from studio.ui.app.launch import build_main_window as build

    return build(project_path, **kwargs)
