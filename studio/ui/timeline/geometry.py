"""Where things are on the timeline: time ↔ x, row layout, lane value ↔ y, and snapping. No widgets here.

Kept apart from the items and the view so the drags, the painting and the tests all use the same arithmetic.
Scene x is ``seconds * px_per_s`` (zoom rebuilds the items rather than scaling the view, so text, handles
and thumbnails keep their pixel size). Each placement has a row: its clip block on top, its importance lane
under it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QRectF

RULER_H = 28  # the ruler band, fixed at the top of the viewport
LEFT_PAD = 10  # scene x of time 0
CLIP_H = 38  # clip block height
LANE_H = 38  # importance lane height
ROW_GAP = 8  # space between rows
ROW_H = CLIP_H + LANE_H + ROW_GAP
LANE_PAD = 5  # lane's vertical inner margin, so handles at 0 and max stay inside
EDGE_PX = 7  # how close to a block's edge a press trims instead of moving
KEY_RADIUS = 5  # keyframe handle radius
KEY_HIT_PX = 8  # how close a press must be to a handle to grab it
SNAP_PX = 8  # snapping distance, in pixels (so it feels the same at every zoom)
MARKER_HIT_PX = 6  # grabbing distance of the generation-end marker
MIN_PX_PER_S = 4.0
MAX_PX_PER_S = 4000.0


@dataclass
class TimeScale:
    """Horizontal zoom: pixels per second of output time; time 0 sits ``LEFT_PAD`` px in, so the playhead's
    head and a block starting at 0 (its trim edge) are not cut by the view's edge."""

    px_per_s: float = 80.0

    def x(self, seconds: float) -> float:
        """Scene x of output time ``seconds``."""
        return LEFT_PAD + seconds * self.px_per_s

    def t(self, x: float) -> float:
        """Output time at scene x."""
        return (x - LEFT_PAD) / self.px_per_s

    def px(self, seconds: float) -> float:
        """Length in pixels of a span of ``seconds``."""
        return seconds * self.px_per_s

    def secs(self, px: float) -> float:
        """Length in seconds of a span of ``px`` pixels."""
        return px / self.px_per_s

    def zoomed(self, factor: float) -> float:
        """The zoom after multiplying by ``factor``, kept within sane limits."""
        return min(MAX_PX_PER_S, max(MIN_PX_PER_S, self.px_per_s * factor))


def row_top(row: int) -> float:
    return RULER_H + ROW_GAP / 2 + row * ROW_H


def block_rect(row: int, start: float, duration: float, scale: TimeScale) -> QRectF:
    return QRectF(scale.x(start), row_top(row), max(1.0, scale.px(duration)), CLIP_H)


def lane_rect(row: int, start: float, duration: float, scale: TimeScale) -> QRectF:
    return QRectF(scale.x(start), row_top(row) + CLIP_H, max(1.0, scale.px(duration)), LANE_H)


def lane_max(values: Iterable[float]) -> float:
    """The lane's top value: 1.0 (full importance) unless a key is higher, so every key stays visible."""
    return max([1.0, *values])


def value_to_y(value: float, lane: QRectF, vmax: float) -> float:
    usable = lane.height() - 2 * LANE_PAD
    return lane.bottom() - LANE_PAD - (value / vmax) * usable


def y_to_value(y: float, lane: QRectF, vmax: float) -> float:
    usable = lane.height() - 2 * LANE_PAD
    return min(vmax, max(0.0, (lane.bottom() - LANE_PAD - y) / usable * vmax))


def share_to_y(share: float, lane: QRectF) -> float:
    """Lane y of a clip share (0..1 over the lane's height, whatever the importance scale): where a pin's
    bounds are drawn."""
    usable = lane.height() - 2 * LANE_PAD
    return lane.bottom() - LANE_PAD - min(1.0, max(0.0, share)) * usable


def snap(t: float, candidates: Iterable[float], threshold_s: float) -> tuple[float, float | None]:
    """``(snapped time, the candidate it snapped to or None)``: the nearest candidate within the threshold."""
    best, best_d = None, threshold_s
    for c in candidates:
        d = abs(c - t)
        if d <= best_d:
            best, best_d = c, d
    return (t, None) if best is None else (best, best)


def whole_seconds_near(t: float) -> tuple[float, float]:
    """The two whole seconds around ``t`` (a snapping candidate that costs nothing to enumerate)."""
    return float(math.floor(t)), float(math.ceil(t))
