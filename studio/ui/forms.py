"""Pieces the dialogs and panels share: a whole-number box, a row of widgets, a row of buttons, a dialog's
column, and the "Browse…" of a file to write.

Why here: the dialogs and panels each built the same rows line by line; one helper keeps their look (what
stretches, where the buttons sit) the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

MP4_FILTER = "MP4 video (*.mp4)"


def int_box(
    lo: int,
    hi: int,
    value: int | None = None,
    *,
    step: int = 1,
    suffix: str = "",
    name: str = "",
    tracking: bool = True,
) -> QSpinBox:
    """A whole-number box from ``lo`` to ``hi``; ``tracking=False``: valueChanged once a value is committed
    (Enter, focus out, the arrows), not at every keystroke."""
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    if value is not None:
        box.setValue(value)
    box.setSuffix(suffix)
    box.setObjectName(name)
    box.setKeyboardTracking(tracking)
    return box


def row(*widgets: QWidget, grow: QWidget | None = None) -> QHBoxLayout:
    """``widgets`` side by side; ``grow`` (one of them) takes the width left over."""
    layout = QHBoxLayout()
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is grow else 0)
    return layout


def size_row(width: QWidget, height: QWidget) -> QHBoxLayout:
    """A width and a height box, "×" between them."""
    return row(width, QLabel("×"), height)


def button_row(*right: QWidget, left: Sequence[QWidget] = ()) -> QHBoxLayout:
    """Buttons at the right edge (the dialog's own: Export, Close), ``left`` ones at the left edge."""
    layout = QHBoxLayout()
    for widget in left:
        layout.addWidget(widget)
    layout.addStretch(1)
    for widget in right:
        layout.addWidget(widget)
    return layout


def column(parent: QWidget, *items: QWidget | QLayout) -> QVBoxLayout:
    """``parent``'s layout: ``items`` top to bottom (a form, a progress bar, a status line, the buttons)."""
    layout = QVBoxLayout(parent)
    for item in items:
        if isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    return layout


def browse_save(parent: QWidget, edit: QLineEdit, caption: str, *, suffix: str = "") -> None:
    """Ask for an MP4 file to write, starting from the one in ``edit``; the answer goes into ``edit``, with
    ``suffix`` added when the name typed lacks it. Cancelling leaves ``edit`` as it was."""
    start = str(Path(edit.text()).expanduser())
    name, _ = QFileDialog.getSaveFileName(parent, caption, start, MP4_FILTER)
    if name:
        edit.setText(name if not suffix or name.lower().endswith(suffix) else name + suffix)
