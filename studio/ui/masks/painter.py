"""The mask painter: an output frame shown large, where the artist paints where a clip must, or must never,
be used from this frame on.

Brush and eraser with a size, the mask's feather and strength, must / never, and the key type: "hold" (the
mask stays where it is painted) or "track" (it follows the clip's content). Save hands the painting to
``on_save`` (the window turns it into one undo step) and closes; Cancel closes and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.project.masks import MAX_FEATHER, MaskKey
from studio.ui.masks.canvas import MaskCanvas
from studio.ui.theme import HIGHLIGHT
from studio.ui.viewer.frame_view import rgb_to_qimage

MODE_COLOURS = {"must": QColor(70, 200, 90), "never": QColor(230, 70, 60)}
MAX_BRUSH = 400


@dataclass(frozen=True)
class PaintedMask:
    """What Save hands on: the picture and the key's settings (its time and path are the window's)."""

    png: bytes
    mode: str
    strength: float
    feather: float
    motion: str


class MaskPainter(QDialog):
    def __init__(
        self,
        frame: np.ndarray,
        on_save: Callable[[PaintedMask], bool],
        *,
        title: str = "Paint mask",
        start: MaskKey | None = None,  # the key in force here: its settings (and ``picture``) to go on from
        picture: QImage | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("maskPainter")
        self._frame = np.ascontiguousarray(frame)  # the QImage below points into it
        self._on_save = on_save
        self.canvas = MaskCanvas(rgb_to_qimage(self._frame), picture, self)

        self.brush = QToolButton(text="Brush", checkable=True, checked=True, toolTip="Paint (B)")
        self.eraser = QToolButton(text="Eraser", checkable=True, toolTip="Erase (E)")
        tools = QButtonGroup(self)
        for button in (self.brush, self.eraser):
            tools.addButton(button)
        self.eraser.toggled.connect(lambda on: setattr(self.canvas, "erasing", on))
        for button in (self.brush, self.eraser):  # the tool in use, at a glance
            button.setStyleSheet(f"QToolButton:checked {{ background: {HIGHLIGHT}; }}")
        self.brush_size = QSlider(Qt.Orientation.Horizontal, minimum=1, maximum=MAX_BRUSH, value=32)
        self.brush_size.setToolTip("Brush size in output pixels ([ and ] change it)")
        self.size_label = QLabel()
        self.brush_size.valueChanged.connect(self._on_size)
        self.feather = QSpinBox(minimum=0, maximum=int(MAX_FEATHER), value=8, suffix=" px")
        self.feather.setToolTip("The mask's edge softens over this radius: the seams stay seamless")
        self.strength = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=100)
        self.strength.setToolTip("How hard the mask pushes the attention")
        self.strength_label = QLabel()
        self.strength.valueChanged.connect(lambda v: self.strength_label.setText(f"{v} %"))

        self.must = QRadioButton("Must use", toolTip="The clip is drawn into the painted region")
        self.never = QRadioButton("Never use", toolTip="The clip is kept out of the painted region")
        self.hold = QRadioButton("Hold", toolTip="The mask stays where it is painted until the next key")
        self.track = QRadioButton("Track", toolTip="The mask follows the clip's content (optical flow)")
        for pair in ((self.must, self.never), (self.hold, self.track)):
            group = QButtonGroup(self)
            for button in pair:
                group.addButton(button)
        key = start or MaskKey(0.0, "-")
        (self.must if key.mode == "must" else self.never).setChecked(True)
        (self.track if key.motion == "track" else self.hold).setChecked(True)
        self.feather.setValue(round(key.feather))
        self.strength.setValue(round(key.strength * 100))
        self.strength_label.setText(f"{self.strength.value()} %")
        self.must.toggled.connect(lambda _on: self.canvas.set_colour(MODE_COLOURS[self.mode]))
        self.canvas.set_colour(MODE_COLOURS[self.mode])

        clear = QPushButton("Clear")
        clear.setToolTip("Erase everything (saved empty, the mask ends here)")
        clear.clicked.connect(self.canvas.clear)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        row1 = QHBoxLayout()
        for widget in (self.brush, self.eraser, QLabel("Size"), self.brush_size, self.size_label):
            row1.addWidget(widget)
        for label, widget in (("Feather", self.feather), ("Strength", self.strength)):
            row1.addSpacing(12)
            row1.addWidget(QLabel(label))
            row1.addWidget(widget)
        row1.addWidget(self.strength_label)
        row2 = QHBoxLayout()
        for widget in (self.must, self.never):
            row2.addWidget(widget)
        row2.addSpacing(24)
        for widget in (self.hold, self.track):
            row2.addWidget(widget)
        row2.addSpacing(24)
        row2.addWidget(clear)
        row2.addStretch(1)
        row2.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row1)
        layout.addLayout(row2)
        self._on_size(self.brush_size.value())
        QShortcut(QKeySequence("B"), self, lambda: self.brush.setChecked(True))
        QShortcut(QKeySequence("E"), self, lambda: self.eraser.setChecked(True))
        self.resize(1000, 680)

    def set_frame(self, frame: np.ndarray) -> None:
        """Paint over another picture of the same output frame (a newer render of it); the mask stays."""
        frame = np.ascontiguousarray(frame)
        if frame.shape[:2] != self._frame.shape[:2]:
            return
        self._frame = frame
        self.canvas.frame = rgb_to_qimage(frame)
        self.canvas.update()

    @property
    def mode(self) -> str:
        return "must" if self.must.isChecked() else "never"

    def _on_size(self, value: int) -> None:
        self.canvas.brush_size = float(value)
        self.size_label.setText(f"{value} px")

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        step = {Qt.Key.Key_BracketLeft: 0.8, Qt.Key.Key_BracketRight: 1.25}.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        self.brush_size.setValue(max(1, round(self.brush_size.value() * step + (1 if step > 1 else -1))))

    def painted(self) -> PaintedMask:
        return PaintedMask(
            png=self.canvas.png_bytes(),
            mode=self.mode,
            strength=self.strength.value() / 100.0,
            feather=float(self.feather.value()),
            motion="track" if self.track.isChecked() else "hold",
        )

    def save(self) -> None:
        """Hand the painting on; close only when it was taken (a refusal was already said in one line)."""
        if self._on_save(self.painted()):
            self.accept()
