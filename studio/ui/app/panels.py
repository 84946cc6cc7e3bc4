"""A panel that is costly to import and usually hidden (the training panel, tabbed behind the inspector, pulls
in torch): built the first time it is really on screen, which keeps its imports out of the time to a shown
window. Calls made before that are replayed on it. A panel that fails to build becomes a labelled
placeholder, so the window (and its saved layout) keeps working."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


class ProjectPanel(Protocol):
    """What the window asks of a panel that shows the project."""

    def set_project(self, project: Any) -> None: ...

    def shutdown(self) -> None: ...


class Placeholder(QLabel):
    """Stands in for a panel that failed to build; says so instead of leaving a blank area."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} is not available: {reason}")
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #8a8a8a;")

    def set_project(self, project: Any) -> None:
        pass

    def shutdown(self) -> None:
        pass


class LazyPanel(QWidget):
    def __init__(self, build: Callable[[], QWidget], name: str) -> None:
        super().__init__()
        self._build, self._name = build, name
        self.panel: QWidget | None = None
        self._project: Any = None
        self._has_project = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        if self.panel is None:
            try:
                self.panel = self._build()
                self.panel.setObjectName(self._name)
                self.panel.setAccessibleName(self._name)
            except Exception as exc:  # a broken panel must not take the window down with it
                log.exception("the %s panel failed to build", self._name)
                self.panel = Placeholder(self._name, f"{type(exc).__name__}: {exc}")
            self.layout().addWidget(self.panel)
            if self._has_project:
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

    def set_project(self, project: Any) -> None:
        self._project, self._has_project = project, True
        if self.panel is not None:
            self.panel.set_project(project)

    def shutdown(self) -> None:
        if self.panel is not None:
            self.panel.shutdown()
