"""The panels other engineers build (timeline, attention panel, training panel), made optional.

A panel whose module is missing or fails to import becomes a labelled placeholder with the same
objectName/accessibleName, so the window (and its saved layout) keeps working while that panel is built.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

log = logging.getLogger(__name__)


class Placeholder(QLabel):
    """Stands in for a panel that is not available; says so instead of leaving a blank area."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} is not available: {reason}")
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #8a8a8a;")


def optional_panel(module: str, cls: str, name: str, required: bool = True) -> QWidget | None:
    """An instance of ``studio.ui.<module>.<cls>``, or a placeholder (or None when not ``required``)."""
    try:
        widget_cls = getattr(importlib.import_module(f"studio.ui.{module}"), cls)
    except ModuleNotFoundError as exc:
        if exc.name != f"studio.ui.{module}":
            log.exception("the %s panel failed to import", name)
        if not required:
            return None
        return Placeholder(name, "its module is missing")
    except Exception as exc:  # a broken panel must not take the window down with it
        log.exception("the %s panel failed to import", name)
        return Placeholder(name, f"{type(exc).__name__}: {exc}") if required else None
    widget = widget_cls()
    widget.setObjectName(name)
    widget.setAccessibleName(name)
    return widget
