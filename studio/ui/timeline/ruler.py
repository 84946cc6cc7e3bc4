"""Painting of what lies over and under the timeline's items: the timecode ruler (pinned to the top of the
viewport, so it stays visible when the rows scroll), the playhead, the generation-end marker, the in/out range
and the snap guide; under the items, the per-second grid and the shade past the generation end.

Plain functions over a ``RulerState`` so the view's ``drawForeground``/``drawBackground`` stay two lines long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF

from studio.ui.timecode import format_timecode
from studio.ui.timeline.geometry import RULER_H, TimeScale

BG = QColor(30, 30, 33)
RULER_BG = QColor(44, 44, 48)
PAST_END = QColor(18, 18, 20)
GRID = QColor(48, 48, 52)
TICK = QColor(150, 150, 156)
PLAYHEAD = QColor(255, 80, 80)
END_MARKER = QColor(255, 196, 60)
IN_OUT = QColor(61, 123, 217, 90)
SNAP_GUIDE = QColor(90, 220, 255)


@dataclass
class RulerState:
    scale: TimeScale
    fps: float
    playhead: int  # output frame
    end_s: float  # generation time
    in_out: tuple[int, int] | None = None
    snap_t: float | None = None


def tick_steps(px_per_s: float, fps: float) -> tuple[float, float]:
    """(major, minor) tick spacing in seconds: labels about 110 px apart, on whole frames or nice seconds."""
    rate = max(1, round(fps))
    frames = [f / rate for f in (1, 2, 5, 10) if f < rate]
    seconds = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0]
    steps = frames + seconds
    wanted = 110.0 / px_per_s
    i = next((i for i, s in enumerate(steps) if s >= wanted), len(steps) - 1)
    major = steps[i]
    minor = steps[i - 1] if i > 0 else major / 2
    if major / minor > 5:
        minor = major / 5
    return major, minor


def paint_background(painter: QPainter, rect: QRectF, state: RulerState) -> None:
    painter.fillRect(rect, BG)
    end_x = state.scale.x(state.end_s)
    if rect.right() > end_x:
        painter.fillRect(
            QRectF(max(rect.left(), end_x), rect.top(), rect.right() - end_x, rect.height()), PAST_END
        )
    major, _ = tick_steps(state.scale.px_per_s, state.fps)
    painter.setPen(QPen(GRID, 1))
    t = math.floor(max(0.0, state.scale.t(rect.left())) / major) * major
    while state.scale.x(t) <= rect.right():
        x = state.scale.x(t)
        painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        t += major


def paint_foreground(painter: QPainter, visible: QRectF, state: RulerState) -> None:
    """``visible``: the viewport's rectangle in scene coordinates (the ruler is pinned to its top)."""
    s = state.scale
    ruler = QRectF(visible.left(), visible.top(), visible.width(), RULER_H)
    painter.fillRect(ruler, RULER_BG)
    if state.in_out is not None:
        a, b = (s.x(f / state.fps) for f in state.in_out)
        painter.fillRect(QRectF(a, ruler.top(), b - a, RULER_H), IN_OUT)
    _paint_ticks(painter, ruler, state)
    painter.setPen(QPen(QColor(70, 70, 76), 1))
    painter.drawLine(QPointF(ruler.left(), ruler.bottom()), QPointF(ruler.right(), ruler.bottom()))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    end_x = s.x(state.end_s)
    painter.setPen(QPen(END_MARKER, 1.5, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(end_x, ruler.bottom()), QPointF(end_x, visible.bottom()))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(END_MARKER)
    top, bottom = ruler.top(), ruler.bottom()
    flag = [
        QPointF(end_x - 7, top + 2),
        QPointF(end_x, top + 2),
        QPointF(end_x, bottom),
        QPointF(end_x - 7, bottom - 8),
    ]
    painter.drawPolygon(QPolygonF(flag))
    if state.snap_t is not None:
        painter.setPen(QPen(SNAP_GUIDE, 1))
        x = s.x(state.snap_t)
        painter.drawLine(QPointF(x, ruler.top()), QPointF(x, visible.bottom()))
    x = s.x(state.playhead / state.fps)
    painter.setPen(QPen(PLAYHEAD, 1.5))
    painter.drawLine(QPointF(x, ruler.top() + 10), QPointF(x, visible.bottom()))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PLAYHEAD)
    painter.drawPolygon(QPolygonF([QPointF(x - 6, top + 2), QPointF(x + 6, top + 2), QPointF(x + 6, top + 12),
                                   QPointF(x, top + 18), QPointF(x - 6, top + 12)]))  # fmt: skip


def _paint_ticks(painter: QPainter, ruler: QRectF, state: RulerState) -> None:
    s = state.scale
    major, minor = tick_steps(s.px_per_s, state.fps)
    font = QFont(painter.font())
    font.setPointSizeF(8)
    painter.setFont(font)
    first = max(0, math.floor(s.t(ruler.left()) / minor))
    last = math.ceil(s.t(ruler.right()) / minor)
    per_major = max(1, round(major / minor))
    for i in range(first, last + 1):
        t = i * minor
        x = s.x(t)
        is_major = i % per_major == 0
        painter.setPen(QPen(TICK, 1))
        painter.drawLine(QPointF(x, ruler.bottom() - (10 if is_major else 4)), QPointF(x, ruler.bottom()))
        if is_major:
            label = format_timecode(round(t * state.fps), state.fps)
            painter.drawText(QRectF(x + 3, ruler.top() + 1, 100, 14), Qt.AlignmentFlag.AlignLeft, label)
