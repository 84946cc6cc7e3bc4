"""The time × clip heatmap plot of the attention panel (pyqtgraph), kept apart from the panel's widgets.

``HeatmapPlot`` is a ``pg.PlotItem`` showing a float32 (clips × frames) buffer, one ``ImageItem`` per clip
row: row-major, fixed ``levels=(0, 1)``, a 256-entry LUT from the background to *that clip's colour* (the
palette of the timeline and the overlay, ``studio.palette``) — the fast path pyqtgraph documents — so a row
reads as "how much of this clip" in the clip's own colour, and redrawing a 10-minute record stays cheap.
Frames not rendered yet hold NaN, which ``ImageItem`` paints transparent; a grey rectangle behind the rows
makes them a neutral colour that no share maps to (every LUT runs from near-black to a saturated colour).
The x axis is in output frames but labelled in timecode, with tick steps that fall on whole frames/seconds.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPen

from studio.palette import clip_colour
from studio.ui.attention.marks import MaskMark, PinMark
from studio.ui.timecode import format_timecode

ZERO_COLOR = (24, 24, 26)  # share 0: near the panel's background
NOT_RENDERED_COLOR = QColor(78, 78, 84)  # neutral grey: between black and a clip colour, never on a ramp
PLAYHEAD_COLOR = QColor(255, 80, 80)
MARK_COLOR = QColor(245, 245, 245)  # pins and mask keys: light over every clip's ramp, dark or saturated


def clip_lookup_table(index: int) -> np.ndarray:
    """The 256-entry RGBA LUT of clip ``index``: share 0 near-black to share 1 the clip's colour, shared by
    its heatmap row and its spatial map, so a colour means the same clip and share in both places."""
    # sqrt: with five clips a fair share is 20 %, which a linear ramp leaves near-black
    ramp = np.sqrt(np.linspace(0.0, 1.0, 256, dtype=np.float32))[:, None]
    rgb = (1.0 - ramp) * np.array(ZERO_COLOR, np.float32) + ramp * np.array(clip_colour(index), np.float32)
    return np.concatenate([np.rint(rgb), np.full((256, 1), 255.0, np.float32)], 1).astype(np.uint8)


class TimecodeAxis(pg.AxisItem):
    """A frame axis labelled in timecode, with steps of whole frames or whole (1, 2, 5, 10, 30…) seconds."""

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation)
        self.fps = 24.0

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802
        span = max(maxVal - minVal, 1e-9)
        wanted = span * 110.0 / max(size, 1.0)  # about one label per 110 px: a timecode is ~75 px wide
        rate = max(1, round(self.fps))
        steps = [1, 2, 5, 10] + [rate * s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)]
        steps = sorted({s for s in steps if s < rate} | {s for s in steps if s >= rate})
        major = next((s for s in steps if s >= wanted), steps[-1])
        minor_candidates = [s for s in steps if s < major]
        minor = minor_candidates[-1] if minor_candidates else major
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [format_timecode(int(round(v)), self.fps) for v in values]


class HeatmapPlot(pg.PlotItem):
    """The heatmap rows, its playhead line and the clip-name axis."""

    def __init__(self) -> None:
        self.time_axis = TimecodeAxis("bottom")
        super().__init__(axisItems={"bottom": self.time_axis})
        self.rows: list[pg.ImageItem] = []
        self.backdrop = pg.QtWidgets.QGraphicsRectItem()
        self.backdrop.setBrush(QBrush(NOT_RENDERED_COLOR))
        self.backdrop.setPen(QPen(pg.QtCore.Qt.PenStyle.NoPen))
        self.backdrop.setZValue(-10)
        self.addItem(self.backdrop)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen(PLAYHEAD_COLOR, width=2))
        self.playhead.setZValue(10)
        self.addItem(self.playhead, ignoreBounds=True)
        self.invertY(True)  # first clip on top, like the library and the timeline
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMouseEnabled(x=True, y=False)  # wheel zooms time; clips always all visible
        self.showGrid(x=False, y=False)
        # Clip names: wide enough for typical names, and never hidden for touching the axis ends.
        self.getAxis("left").setStyle(tickLength=0, hideOverlappingLabels=False)
        self.getAxis("left").setWidth(90)
        self.mark_items: list[object] = []  # the pins' brackets and labels, the mask keys' ticks
        self.set_buffer(np.full((1, 1), np.nan, np.float32), [""])

    def set_buffer(self, buffer: np.ndarray, clip_names: list[str]) -> None:
        """Show a new (clips × frames) buffer and fit the axes to it (its data is updated by ``redraw``)."""
        rows, n_frames = buffer.shape
        for item in self.rows:
            self.removeItem(item)
        self.rows = []
        for k in range(rows):
            item = pg.ImageItem(axisOrder="row-major")
            item.setLookupTable(clip_lookup_table(k))
            item.setLevels((0.0, 1.0))
            item.setAutoDownsample(True)  # painting cost bounded by screen pixels, not record length
            self.addItem(item)
            self.rows.append(item)
        self.redraw(buffer)
        for k, item in enumerate(self.rows):
            item.setRect(QRectF(0.0, float(k), float(n_frames), 1.0))
        self.backdrop.setRect(QRectF(0.0, 0.0, float(n_frames), float(rows)))
        self.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(clip_names)], []])
        self.setLimits(xMin=0, xMax=n_frames, yMin=0, yMax=rows, minXRange=min(n_frames, 4))
        self.setRange(xRange=(0, n_frames), yRange=(0, rows), padding=0)

    def set_marks(self, pins: list[PinMark], masks: list[MaskMark]) -> None:
        """Draw where the attention was directed: each pin a bracket over its frames on its clip's row,
        labelled with its bound; each mask key a tick where it takes effect (▼ must, ✕ never)."""
        for item in self.mark_items:
            self.removeItem(item)
        self.mark_items = []
        pen = pg.mkPen(MARK_COLOR, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        for pin in pins:
            rect = pg.QtWidgets.QGraphicsRectItem(QRectF(pin.first, pin.row + 0.1, pin.stop - pin.first, 0.8))
            rect.setPen(pen)
            rect.setZValue(5)
            label = pg.TextItem(pin.label, color=MARK_COLOR, anchor=(0.0, 0.0))
            label.setPos(pin.first, pin.row + 0.1)
            label.setZValue(6)
            self.mark_items += [rect, label]
        if masks:
            ticks = pg.ScatterPlotItem(
                x=[m.frame + 0.5 for m in masks],
                y=[m.row + 0.2 for m in masks],
                symbol=["t" if m.mode == "must" else "x" for m in masks],
                size=9,
                pen=pg.mkPen(ZERO_COLOR),
                brush=pg.mkBrush(MARK_COLOR),
            )
            ticks.setZValue(6)
            self.mark_items.append(ticks)
        for item in self.mark_items:
            self.addItem(item, ignoreBounds=True)

    def redraw(self, buffer: np.ndarray) -> None:
        """Push the buffer's current values to the screen (fixed levels: no min/max scan of the data)."""
        for k, item in enumerate(self.rows):
            item.setImage(buffer[k : k + 1], autoLevels=False, levels=(0.0, 1.0))

    @property
    def image_data(self) -> np.ndarray:
        """What the rows show, (clips × frames), as one array."""
        return np.vstack([item.image for item in self.rows])

    def set_fps(self, fps: float) -> None:
        self.time_axis.fps = fps
        self.time_axis.picture = None
        self.time_axis.update()

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(frame, clip row) under a scene position, or None outside the image."""
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return None
        view = self.vb.mapSceneToView(scene_pos)
        rect = self.backdrop.rect()
        if not rect.contains(view):
            return None
        return int(np.floor(view.x())), int(np.floor(view.y()))
