"""The panels other engineers build (timeline, attention panel, training panel), made optional.

A panel whose module is missing or fails to import becomes a labelled placeholder with the same
objectName/accessibleName, so the window (and its saved layout) keeps working while that panel is built.
``LazyPanel`` defers a hidden panel's import until it is first shown.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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


class LazyPanel(QWidget):
    """Holds the place of a panel that is costly to import and usually hidden (the training panel, tabbed
    behind the inspector): the real panel is imported and built the first time this becomes visible, which
    keeps its imports out of the time to a shown window. Calls made before that are replayed on it."""

    def __init__(self, module: str, cls: str, name: str) -> None:
        super().__init__()
        self._spec = (module, cls, name)
        self.panel: QWidget | None = None
        self._project: object = None
        self._has_project = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        if self.panel is None:
            self.panel = optional_panel(*self._spec) or Placeholder(self._spec[2], "it failed to load")
            self.layout().addWidget(self.panel)
            if self._has_project and hasattr(self.panel, "set_project"):
                self.panel.set_project(self._project)
        return self.panel

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.schedule_build()

    def schedule_build(self, *_: object) -> None:
        """After this event, build if on screen (the context object drops it if we are gone by then)."""
        QTimer.singleShot(0, self, self.build_if_seen)

    def build_if_seen(self, *_: object) -> None:
        """Build once really on screen: a dock tabbed behind another is 'visible' but covers nothing."""
        if self.panel is None and self.isVisible() and not self.visibleRegion().isEmpty():
            self.ensure()

    def set_project(self, project: object) -> None:
        self._project, self._has_project = project, True
        if self.panel is not None and hasattr(self.panel, "set_project"):
            self.panel.set_project(project)

    def shutdown(self) -> None:
        if self.panel is not None and hasattr(self.panel, "shutdown"):
            self.panel.shutdown()
