"""The window's docks: where each panel sits by default (saved layouts key docks by objectName)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

AREA = Qt.DockWidgetArea


def add_dock(
    window: QMainWindow, widget: QWidget, title: str, area: Qt.DockWidgetArea, name: str
) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"{name}Dock")  # saveState() keys docks by objectName
    dock.setAccessibleName(name)
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def arrange(
    window: QMainWindow, panels: dict[str, tuple[QWidget, str, Qt.DockWidgetArea]]
) -> dict[str, QDockWidget]:
    """Dock ``panels`` (name -> (widget, title, area)) in the default layout: library left; inspector and
    training tabbed right; timeline and attention side by side at the bottom."""
    docks = {name: add_dock(window, w, title, area, name) for name, (w, title, area) in panels.items()}
    window.tabifyDockWidget(docks["inspector"], docks["training"])
    docks["inspector"].raise_()
    bottom = [docks["timeline"], docks["attentionHeatmap"]]
    window.splitDockWidget(*bottom, Qt.Orientation.Horizontal)
    window.resizeDocks([docks["library"], docks["inspector"]], [430, 320], Qt.Orientation.Horizontal)
    window.resizeDocks(bottom, [760, 640], Qt.Orientation.Horizontal)
    window.resizeDocks([docks["timeline"]], [300], Qt.Orientation.Vertical)
    return docks
