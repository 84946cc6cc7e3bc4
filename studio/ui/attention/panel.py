"""The attention panel: which clip the generator listened to, when (heatmap), and where (spatial maps).

API (agreed with the main window):
- ``AttentionPanel(QWidget)``, objectName and accessibleName ``attentionHeatmap``.
- ``reset(n_frames, clip_names, fps=24.0)``: an empty record (every frame "not rendered yet", neutral grey).
- ``add_frame(n, shares, maps=None)``: frame n was rendered; ``shares`` (C,) in clip order of ``reset``,
  ``maps`` (C, h, w). Cheap (writes one column); the screen is updated at most ~30×/s by a coalescing timer
  (``flush()`` forces it).
- ``set_playhead(n)``: the red line; shows frame n's spatial maps when they are known.
- ``set_current(n, maps, shares=None)``: show these maps for frame n under the heatmap.
- ``load_record(reader)``: fill from a ``studio.project.record.AttentionRecordReader`` (or anything with
  ``clip_names``, ``fps``, ``frames``, ``shares(a, b)`` → (b - a, C) with NaN rows unwritten, ``maps(n)`` →
  (C, h, w) or None).
- ``hover_text`` (str): "clip · timecode · share" under the mouse; ``seekRequested(int)`` on click.
- ``overlay_opacity`` (float 0..1, Qt property) + ``overlayOpacityChanged(float)``: the dominant-source
  overlay the viewer draws.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Property, QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSplitter, QVBoxLayout, QWidget

from studio.palette import clip_colour
from studio.ui.attention.heatmap import HeatmapPlot
from studio.ui.attention.maps import SpatialMapsRow
from studio.ui.attention.marks import PinMark, direction_marks, pin_at
from studio.ui.timecode import format_timecode

REDRAW_INTERVAL_MS = 33  # ~30 redraws/s at most, however fast frames arrive
MAPS_KEPT = 64  # recent frames' spatial maps kept in memory for scrubbing during a live render
READ_CHUNK = 4096  # frames read per call in load_record


def legend_html(names: list[str]) -> str:
    """A colour swatch and the name of each clip, in the palette of the rows, the timeline and the overlay."""
    return "&nbsp;&nbsp;".join(
        f"<span style='color: rgb{clip_colour(k)}'>&#9632;</span>&nbsp;{html.escape(name)}"
        for k, name in enumerate(names)
    )


class AttentionPanel(QWidget):
    """Heatmap (time × clip) + current frame's maps + overlay opacity slider."""

    seekRequested = Signal(int)
    overlayOpacityChanged = Signal(float)
    visibleTimeChanged = Signal(float, float)  # output seconds at the heatmap's left and right edges

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionHeatmap")
        self.setAccessibleName("attentionHeatmap")
        self._fps = 24.0
        self._names: list[str] = []
        self._pins: list[PinMark] = []  # the project's pins in frames (set_direction): the hover names them
        self._buffer = np.full((1, 1), np.nan, np.float32)
        self._maps: OrderedDict[int, np.ndarray] = OrderedDict()
        self._reader: Any = None
        self._playhead = 0
        self._pending_current: tuple[int, np.ndarray | None, np.ndarray | None] | None = None
        self._dirty = False
        self._opacity = 0.5
        self._hover_text = ""

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("#1e1e1e")
        self.plot = HeatmapPlot()
        self.plot_widget.addItem(self.plot)
        self._showing_range = False
        self.plot.vb.sigXRangeChanged.connect(self._on_x_range)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.plot_widget.viewport().installEventFilter(self)  # to clear the hover text when the mouse leaves
        self.maps_row = SpatialMapsRow()
        self.hover_label = QLabel(" ")
        self.hover_label.setObjectName("attentionHover")
        self.legend = QLabel("")
        self.legend.setObjectName("attentionLegend")
        self.legend.setToolTip("Each clip's row and map: dark = no share, its full colour = all of the frame")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setObjectName("overlayOpacity")
        self.opacity_slider.setAccessibleName("Overlay opacity")
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(self._opacity * 100))
        self.opacity_slider.setToolTip("Opacity of the dominant-source overlay on the viewer")
        self.opacity_slider.valueChanged.connect(lambda v: self.set_overlay_opacity(v / 100.0))

        bottom = QHBoxLayout()
        bottom.addWidget(self.legend)
        bottom.addWidget(self.hover_label, 1)
        bottom.addWidget(QLabel("Overlay"))
        bottom.addWidget(self.opacity_slider)
        # A splitter, not fixed stretch: in a short dock the maps were a few pixels tall; the user decides.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.plot_widget)
        self.splitter.addWidget(self.maps_row)
        self.splitter.setStretchFactor(0, 1)  # maps as tall as the heatmap: they must be readable
        self.splitter.setStretchFactor(1, 1)
        self.maps_row.setMinimumHeight(96)
        self.maps_row.setToolTip("Where in the frame each clip was used; click a map to see it alone")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)

    # ----- filling in -----
    def reset(self, n_frames: int, clip_names: list[str], fps: float = 24.0) -> None:
        """Start an empty record of ``n_frames`` for these clips (all frames "not rendered yet")."""
        self._fps = float(fps)
        self._names = list(clip_names)
        self._buffer = np.full((max(1, len(self._names)), max(1, int(n_frames))), np.nan, np.float32)
        self._maps.clear()
        self._reader = None
        self._pending_current = None
        self.plot.set_fps(self._fps)
        self._showing_range = True  # a new record fits its own axis; it is not the user zooming
        try:
            self.plot.set_buffer(self._buffer, self._names)
        finally:
            self._showing_range = False
        self.maps_row.set_clips(self._names)
        self.legend.setText(legend_html(self._names))
        self.maps_row.show_maps(self._playhead, None)
        self._dirty = False

    def forget(self, first: int, last: int) -> None:
        """Frames ``first``..``last`` are "not rendered yet" again (an edit changed only them, a painted
        mask); the rest of the record stays as it was."""
        first, stop = max(0, int(first)), min(self._buffer.shape[1], int(last) + 1)
        if stop <= first:
            return
        self._buffer[:, first:stop] = np.nan
        for n in [n for n in self._maps if first <= n < stop]:
            del self._maps[n]
        self._schedule()

    def set_direction(self, project: Any) -> None:
        """Draw the project's pins and mask keys over the rows (``marks.direction_marks``)."""
        self._pins, masks = direction_marks(project)
        self.plot.set_marks(self._pins, masks)

    def add_frame(self, n: int, shares: np.ndarray, maps: np.ndarray | None = None) -> None:
        """Record frame n's shares (and maps); the screen catches up on the next timer tick."""
        if not 0 <= n < self._buffer.shape[1]:
            return  # a late frame from a render of another length: nothing to show it on
        values = np.asarray(shares, dtype=np.float32)[: self._buffer.shape[0]]
        self._buffer[: len(values), n] = values
        if maps is not None:
            self._maps[n] = maps
            self._maps.move_to_end(n)
            while len(self._maps) > MAPS_KEPT:
                self._maps.popitem(last=False)
            if n == self._playhead:
                self._pending_current = (n, maps, values)
        self._schedule()

    def load_record(self, reader: Any) -> None:
        """Fill the heatmap from an attention record on disk, finished or still being written.

        Reads every row, not just the first ``frames_written``: frames may be written in any order (a preview
        that seeks), and unwritten rows are NaN already, which is exactly "not rendered yet" here.
        """
        names = list(getattr(reader, "clip_names", self._names))
        total = int(
            getattr(reader, "frames", 0) or getattr(reader, "frame_count", 0) or reader.frames_written
        )
        self.reset(total, names, float(getattr(reader, "fps", self._fps)))
        self._reader = reader
        for a in range(0, total, READ_CHUNK):
            block = np.asarray(reader.shares(a, min(total, a + READ_CHUNK)), dtype=np.float32)  # (rows, C)
            block = np.where(block < 0, np.nan, block)  # -1 also means "not written" to this panel
            self._buffer[: block.shape[1], a : a + block.shape[0]] = block.T
        self._dirty = True
        self.set_playhead(self._playhead)
        self.flush()

    def set_current(self, n: int, maps: np.ndarray | None, shares: np.ndarray | None = None) -> None:
        """Show frame n's spatial maps (drawn on the next timer tick, like the heatmap)."""
        self._pending_current = (n, maps, shares)
        self._schedule()

    def set_playhead(self, n: int) -> None:
        self._playhead = int(n)
        self.plot.playhead.setValue(self._playhead + 0.5)  # centre of the frame's column
        maps = self._maps_for(self._playhead)
        if maps is not None or self.maps_row.frame is not None:
            self.set_current(self._playhead, maps, self._shares_for(self._playhead))

    def flush(self) -> None:
        """Draw whatever changed since the last draw, now."""
        self._timer.stop()
        if self._dirty:
            self.plot.redraw(self._buffer)
            self._dirty = False
        if self._pending_current is not None:
            n, maps, shares = self._pending_current
            self._pending_current = None
            self.maps_row.show_maps(n, maps, shares)

    def _schedule(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _maps_for(self, n: int) -> np.ndarray | None:
        if n in self._maps:
            return self._maps[n]
        if self._reader is not None and 0 <= n < self._buffer.shape[1]:
            maps = self._reader.maps(n)  # None while frame n is not written
            return None if maps is None else np.asarray(maps)
        return None

    def _shares_for(self, n: int) -> np.ndarray | None:
        if not 0 <= n < self._buffer.shape[1] or np.isnan(self._buffer[:, n]).all():
            return None
        return self._buffer[:, n].copy()

    # ----- reading it -----
    @property
    def buffer(self) -> np.ndarray:
        """The (clips × frames) float32 shares, NaN where not rendered yet (read-only view for callers)."""
        view = self._buffer.view()
        view.flags.writeable = False
        return view

    @property
    def hover_text(self) -> str:
        return self._hover_text

    def text_at(self, n: int, row: int) -> str:
        """What hovering frame n of clip row ``row`` says."""
        if not (0 <= row < len(self._names) and 0 <= n < self._buffer.shape[1]):
            return ""
        value = self._buffer[row, n]
        share = "not rendered yet" if np.isnan(value) else f"share {value:.0%}"
        pin = pin_at(self._pins, n, row)
        pinned = f" · pinned {pin.label}" if pin is not None else ""
        return f"{self._names[row]} · {format_timecode(n, self._fps)} · {share}{pinned}"

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        cell = self.plot.cell_at(scene_pos)
        self._hover_text = self.text_at(*cell) if cell else ""
        self.hover_label.setText(self._hover_text or " ")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Leave:
            self._hover_text = ""
            self.hover_label.setText(" ")
        return False

    def _on_mouse_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.plot.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.seekRequested.emit(cell[0])

    # ----- the visible time, shared with the timeline -----
    def show_time_range(self, t0: float, t1: float) -> None:
        """Show output seconds ``t0``..``t1`` (the timeline was zoomed or scrolled): one time axis."""
        if t1 - t0 <= 1e-6 or self._showing_range:
            return
        self._showing_range = True
        try:
            self.plot.setXRange(t0 * self._fps, t1 * self._fps, padding=0)
        finally:
            self._showing_range = False

    def _on_x_range(self, _box: object, x_range: tuple[float, float]) -> None:
        if not self._showing_range:
            self.visibleTimeChanged.emit(x_range[0] / self._fps, x_range[1] / self._fps)

    # ----- overlay opacity -----
    def get_overlay_opacity(self) -> float:
        return self._opacity

    def set_overlay_opacity(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        if abs(value - self._opacity) < 1e-9:
            return
        self._opacity = value
        if self.opacity_slider.value() != round(value * 100):
            self.opacity_slider.blockSignals(True)
            self.opacity_slider.setValue(round(value * 100))
            self.opacity_slider.blockSignals(False)
        self.overlayOpacityChanged.emit(value)

    overlay_opacity = Property(float, get_overlay_opacity, set_overlay_opacity, notify=overlayOpacityChanged)
