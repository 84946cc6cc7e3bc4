"""The master level meter: a small bar in the status bar, the peak as a thin line over the RMS fill, in dB
(-60..0), polled ~20x a second from the level of the block the device played last (``AudioRing.level``).

Ballistics as a desk's: a rise shows at once, a fall decays (~20 dB a second) so the eye can follow it.
Without a sound device it says "no sound" instead, and its tooltip why.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

FLOOR_DB = -60.0
FALL_DB = 1.0  # per update (20 a second: 20 dB/s)
UPDATE_MS = 50
HOT_DB = -6.0  # the bar turns amber above this, red above -1 dB
GREEN, AMBER, RED = QColor(86, 190, 120), QColor(230, 180, 70), QColor(226, 90, 80)


def to_db(level: float) -> float:
    return FLOOR_DB if level <= 10 ** (FLOOR_DB / 20) else max(FLOOR_DB, 20 * math.log10(level))


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.setAccessibleName("master level")
        self.setToolTip("Preview sound: master level (RMS bar, peak line)")
        self.peak_db = self.rms_db = FLOOR_DB
        self.unavailable: str | None = None

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(90, 14)

    def set_level(self, peak: float, rms: float) -> None:
        """A new block's level (linear, 0..1); shown with the meter's fall."""
        peak_db, rms_db = to_db(peak), to_db(rms)
        self.peak_db = peak_db if peak_db > self.peak_db else max(peak_db, self.peak_db - FALL_DB)
        self.rms_db = rms_db if rms_db > self.rms_db else max(rms_db, self.rms_db - FALL_DB)
        self.update()

    def set_unavailable(self, reason: str) -> None:
        self.unavailable = reason
        self.setToolTip(f"No sound in the preview: {reason}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        r = QRectF(self.rect()).adjusted(1, 3, -1, -3)
        painter.fillRect(r, QColor(30, 30, 34))
        if self.unavailable is not None:
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no sound")
            return

        def x_of(db: float) -> float:
            return r.left() + r.width() * (db - FLOOR_DB) / -FLOOR_DB

        colour = RED if self.peak_db > -1.0 else AMBER if self.peak_db > HOT_DB else GREEN
        painter.fillRect(
            QRectF(r.left(), r.top(), x_of(self.rms_db) - r.left(), r.height()), colour.darker(130)
        )
        if self.peak_db > FLOOR_DB:
            painter.fillRect(QRectF(x_of(self.peak_db) - 1, r.top(), 2, r.height()), colour)
