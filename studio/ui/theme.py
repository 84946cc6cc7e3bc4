"""The dark Fusion theme: one palette for every widget, so every panel matches without its own styling."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Colours picked for contrast on dark grey (text >= 7:1 on the window colour), close to what NLEs use.
WINDOW = "#2b2b2b"
BASE = "#1e1e1e"
ALT_BASE = "#262626"
TEXT = "#e6e6e6"
DIM_TEXT = "#8a8a8a"
HIGHLIGHT = "#3d7bd9"
BUTTON = "#353535"
OFFLINE = "#e0604f"


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALT_BASE,
        QPalette.ColorRole.ToolTipBase: BASE,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: BUTTON,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ff5555",
        QPalette.ColorRole.Link: HIGHLIGHT,
        QPalette.ColorRole.Highlight: HIGHLIGHT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: DIM_TEXT,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(DIM_TEXT))
    return pal


def apply_dark_theme(app: QApplication) -> None:
    """Fusion draws the same on every platform and honours the palette fully (native styles ignore parts)."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(
        "QDockWidget::title { padding: 4px; background: #323232; }"
        "QToolTip { color: #e6e6e6; background: #1e1e1e; border: 1px solid #555; }"
    )
