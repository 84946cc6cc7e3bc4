"""The timeline's graphics items: a clip block and the importance lane under it, one pair per placement.
The lane also shows the placement's pins: a band over each pin's time range between its min and max share
(shares run 0..1 over the lane's height), labelled "≥30 %".

Items only paint and answer geometric questions ("which keyframe is under this point?"); every interaction is
run by the view's drag objects (``timeline_drags``), which *preview* on these items while the mouse moves and
turn the result into one undoable command at release. So an item never edits the project, and rebuilding the
items after an undo cannot lose an edit in flight.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.project import Clip, ImportanceCurve, Keyframe, Pin, Placement
from studio.ui.audio.waveforms import paint_waveform
from studio.ui.timeline.geometry import (
    CLIP_H,
    KEY_HIT_PX,
    KEY_RADIUS,
    LANE_PAD,
    TimeScale,
    block_rect,
    lane_max,
    lane_rect,
    share_to_y,
    value_to_y,
)

TEXT = QColor(235, 235, 235)
LANE_BG = QColor(42, 42, 48)
OFFLINE = QColor(224, 96, 79)
SELECTED = QColor(255, 255, 255)
SAMPLE_PX = 2.0  # curve sampled every 2 px: smooth on screen, cheap for a long placement
PIN = QColor(236, 236, 244)  # pins: near-white, apart from every clip colour (studio.palette)
CUT = QColor(250, 250, 250, 170)  # scene cuts: a thin light line across the block, over any clip colour


class ClipItem(QGraphicsItem):
    """A placement's block: clip colour, thumbnail, name, speed, its sound's waveform; trimmed/moved by the
    view's drags."""

    def __init__(self, placement: Placement, clip: Clip, row: int, scale: TimeScale, colour: QColor) -> None:
        super().__init__()
        self.placement, self.clip, self.row, self.scale = placement, clip, row, scale
        self.colour = colour
        self.thumbnail: QPixmap | None = None
        self.waveform: np.ndarray | None = None  # (2, buckets) min/max per 10 ms of the clip's sound
        self._waveform_image: dict = {}  # the last drawn (paint_waveform's cache)
        self.cut_marks: tuple[float, ...] = ()  # seconds from the placement's start where the picture cuts
        self.selected = False
        self.start, self.duration = placement.start, placement.duration
        self._rect = block_rect(row, self.start, self.duration, scale)
        self.setZValue(1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # the waveform: visible part

    @property
    def placement_id(self) -> str:
        return self.placement.id

    def set_span(self, start: float, duration: float) -> None:
        """Preview a move/trim (the project is untouched until release)."""
        self.prepareGeometryChange()
        self.start, self.duration = start, duration
        self._rect = block_rect(self.row, start, duration, self.scale)

    def set_thumbnail(self, pixmap: QPixmap | None) -> None:
        self.thumbnail = pixmap
        self.update()

    def set_waveform(self, waveform: np.ndarray | None) -> None:
        self.waveform = waveform
        self.update()

    def set_cut_marks(self, times: tuple[float, ...]) -> None:
        """Where the placement's picture cuts to another shot (``studio.project.shots.cut_times``)."""
        self.cut_marks = tuple(times)
        self.update()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        r = self._rect
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        offline = not self.clip.online
        body = OFFLINE.darker(220) if offline else self.colour.darker(260)
        painter.setPen(
            QPen(SELECTED if self.selected else self.colour.darker(130), 2 if self.selected else 1)
        )
        painter.setBrush(QBrush(body))
        painter.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        if offline:
            painter.setBrush(QBrush(OFFLINE.darker(150), Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(r, 4, 4)
        painter.fillRect(QRectF(r.left() + 1, r.top() + 1, 4, r.height() - 2), self.colour)  # colour stripe
        painter.setClipRect(r.adjusted(1, 1, -1, -1))
        if self.waveform is not None:  # lower half; a left trim leaves the sound in place, a move carries it
            left_trim = abs(self.start + self.duration - self.placement.end) < 1e-9
            band = QRectF(r.left() + 6, r.top() + CLIP_H * 0.42, r.width() - 7, CLIP_H * 0.54)
            band = band.intersected(option.exposedRect) if not option.exposedRect.isEmpty() else band
            wave = QColor(self.colour.lighter(150))
            wave.setAlpha(150)
            origin = self.placement.start if left_trim else self.start
            shown = (self.waveform, self.clip, self.placement, origin, self.scale, wave, self._waveform_image)
            paint_waveform(painter, band, *shown)
        x = r.left() + 8
        if self.thumbnail is not None and not self.thumbnail.isNull() and r.width() > 60:
            target_h = CLIP_H - 8
            w = self.thumbnail.width() * target_h / max(1, self.thumbnail.height())
            painter.drawPixmap(
                QRectF(x, r.top() + 4, w, target_h), self.thumbnail, QRectF(self.thumbnail.rect())
            )
            x += w + 6
        painter.setPen(TEXT)
        font = QFont(painter.font())
        font.setPointSizeF(9)
        painter.setFont(font)
        label = self.clip.name + (" (offline)" if offline else "")
        if abs(self.placement.speed - 1.0) > 1e-9:
            label += f"  {self.placement.speed:g}×"
        text_rect = QRectF(x, r.top() + 3, max(0.0, r.right() - x - 6), r.height() - 6)
        elided = painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)
        for edge in (r.left() + 1, r.right() - 4):  # trim grips, so the edges look grabbable
            painter.fillRect(QRectF(edge, r.top() + CLIP_H / 3, 3, CLIP_H / 3), self.colour.lighter(120))
        self._paint_cuts(painter, r)

    def _paint_cuts(self, painter: QPainter, r: QRectF) -> None:
        """A thin line at each cut inside the block, with a notch at the top: where a new shot starts."""
        if not self.cut_marks:
            return
        left_trim = abs(self.start + self.duration - self.placement.end) < 1e-9  # the source stays in place
        origin = self.placement.start if left_trim else self.start
        painter.setPen(QPen(CUT, 1))
        painter.setBrush(CUT)
        for t in self.cut_marks:
            x = round(self.scale.x(origin + t)) + 0.5
            if r.left() + 6 < x < r.right() - 5:
                painter.drawLine(QPointF(x, r.top() + 2), QPointF(x, r.bottom() - 2))
                notch = [QPointF(x - 3, r.top() + 1), QPointF(x + 3, r.top() + 1), QPointF(x, r.top() + 5)]
                painter.drawPolygon(QPolygonF(notch))


class LaneItem(QGraphicsItem):
    """A placement's importance lane: the curve as the engine evaluates it, and its keyframe handles."""

    def __init__(self, placement: Placement, row: int, scale: TimeScale, colour: QColor) -> None:
        super().__init__()
        self.placement, self.row, self.scale, self.colour = placement, row, scale, colour
        self.keys: tuple[Keyframe, ...] = placement.importance.keyframes
        self.pins: tuple[Pin, ...] = placement.pins
        self.start, self.duration = placement.start, placement.duration
        self.selected_key: int | None = None
        self.setZValue(1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # fills option.exposedRect

    @property
    def placement_id(self) -> str:
        return self.placement.id

    # ----- preview -----
    def set_preview(self, keys: tuple[Keyframe, ...] | None = None, start: float | None = None,
                    duration: float | None = None, pins: tuple[Pin, ...] | None = None) -> None:  # fmt: skip
        self.prepareGeometryChange()
        if keys is not None:
            self.keys = tuple(sorted(keys, key=lambda k: k.time))
        if pins is not None:
            self.pins = tuple(pins)
        if start is not None:
            self.start = start
        if duration is not None:
            self.duration = duration
        self.update()

    def curve(self) -> ImportanceCurve:
        return ImportanceCurve(self.keys)

    # ----- geometry -----
    def rect(self) -> QRectF:
        return lane_rect(self.row, self.start, self.duration, self.scale)

    def vmax(self) -> float:
        return lane_max(k.value for k in self.keys)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.rect().adjusted(-KEY_RADIUS - 2, -2, KEY_RADIUS + 2, 2)

    def key_pos(self, index: int) -> QPointF:
        key = self.keys[index]
        r = self.rect()
        return QPointF(r.left() + self.scale.px(key.time), value_to_y(key.value, r, self.vmax()))

    def key_at(self, scene_pos: QPointF) -> int | None:
        """The handle under a point (the nearest one within reach), or None."""
        best, best_d = None, float(KEY_HIT_PX)
        for i in range(len(self.keys)):
            if not 0.0 <= self.keys[i].time <= self.duration:
                continue  # trimmed out of view: not grabbable
            p = self.key_pos(i)
            d = max(abs(p.x() - scene_pos.x()), abs(p.y() - scene_pos.y()))
            if d <= best_d:
                best, best_d = i, d
        return best

    def pin_rect(self, index: int) -> QRectF:
        """The band pin ``index`` is drawn as: its time range (within the placement) between its min and max
        share (0 and 1 where it has none); empty when the pin lies past the placement's end."""
        pin, r = self.pins[index], self.rect()
        x0 = r.left() + self.scale.px(max(0.0, pin.start))
        x1 = r.left() + self.scale.px(min(self.duration, pin.end))
        top = share_to_y(1.0 if pin.max_share is None else pin.max_share, r)
        bottom = share_to_y(0.0 if pin.min_share is None else pin.min_share, r)
        return QRectF(x0, top, max(0.0, x1 - x0), max(1.0, bottom - top))

    def pin_at(self, scene_pos: QPointF) -> int | None:
        """The pin whose time range is under a point's x (the last drawn, if they overlap), or None."""
        t = self.scale.secs(scene_pos.x() - self.rect().left())
        hits = [i for i, p in enumerate(self.pins) if p.start <= t < min(p.end, self.duration)]
        return hits[-1] if hits else None

    def curve_samples(self, t0: float = 0.0, t1: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(times relative to the placement start, values) over [t0, t1] (default: all of it): every ~2 px
        plus each key (and just before it, so a hold's step is vertical), evaluated by
        ``ImportanceCurve.values_at`` — what the engine uses."""
        t0 = max(0.0, t0)
        t1 = self.duration if t1 is None else min(self.duration, t1)
        step = SAMPLE_PX / self.scale.px_per_s
        times = [np.arange(t0, t1, step), [t0, t1]]
        key_times = np.array([k.time for k in self.keys if t0 <= k.time <= t1])
        if key_times.size:
            times += [key_times, np.maximum(key_times - 1e-6, 0.0)]
        t = np.unique(np.concatenate(times))
        return t, self.curve().values_at(t)

    # ----- painting -----
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        r = self.rect()
        vmax = self.vmax()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(r, LANE_BG)
        painter.setPen(QPen(QColor(90, 90, 96), 1, Qt.PenStyle.DotLine))
        one = value_to_y(1.0, r, vmax)
        painter.drawLine(QPointF(r.left(), one), QPointF(r.right(), one))
        # Only the exposed part: a minute-long placement zoomed in is tens of thousands of pixels wide.
        exposed = option.exposedRect.intersected(r) if not option.exposedRect.isEmpty() else r
        t0 = self.scale.secs(exposed.left() - r.left() - SAMPLE_PX)
        t, v = self.curve_samples(t0, self.scale.secs(exposed.right() - r.left() + SAMPLE_PX))
        xs = r.left() + t * self.scale.px_per_s
        ys = r.bottom() - LANE_PAD - v / vmax * (r.height() - 2 * LANE_PAD)  # value_to_y, vectorised
        points = [QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
        line = QPolygonF(points)
        area = QPainterPath()
        area.moveTo(QPointF(points[0].x(), r.bottom()))
        for (
            point
        ) in points:  # lineTo, not addPolygon: that would start a new subpath and fill the wrong shape
            area.lineTo(point)
        area.lineTo(QPointF(points[-1].x(), r.bottom()))
        area.closeSubpath()
        fill = QColor(self.colour)
        fill.setAlpha(70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(area)
        self._paint_pins(painter)
        painter.setPen(QPen(self.colour.lighter(130), 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(line)
        for i, key in enumerate(self.keys):
            if 0.0 <= key.time <= self.duration:
                self._paint_handle(painter, self.key_pos(i), key.interp, i == self.selected_key)
        self._paint_pin_labels(painter)

    def _paint_pins(self, painter: QPainter) -> None:
        """Each pin: a translucent band between its bounds, a solid line at its min, a dashed one at its
        max."""
        fill, hatch = QColor(PIN), QColor(PIN)
        fill.setAlpha(40)
        hatch.setAlpha(70)
        for i, pin in enumerate(self.pins):
            band = self.pin_rect(i)
            if band.width() <= 0:
                continue
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRect(band)
            painter.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))  # reads over any curve's fill
            painter.drawRect(band)
            painter.setPen(QPen(hatch, 1, Qt.PenStyle.DotLine))
            for x in (band.left(), band.right()):
                painter.drawLine(QPointF(x, band.top()), QPointF(x, band.bottom()))
            lines = ((pin.min_share, Qt.PenStyle.SolidLine), (pin.max_share, Qt.PenStyle.DashLine))
            for share, style in lines:
                if share is not None:
                    y = share_to_y(share, self.rect())
                    painter.setPen(QPen(PIN, 1.5, style))
                    painter.drawLine(QPointF(band.left(), y), QPointF(band.right(), y))

    def _paint_pin_labels(self, painter: QPainter) -> None:
        """Each pin's label ("≥30 %") at the band's bound, on a dark chip so it reads over the curve."""
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        r = self.rect()
        for i, pin in enumerate(self.pins):
            band = self.pin_rect(i)
            if band.width() <= 0:
                continue
            text = pin.label
            w, h = metrics.horizontalAdvance(text) + 6, metrics.height()
            level = pin.min_share if pin.min_share is not None else pin.max_share
            y = share_to_y(level, r) - h - 1 if pin.min_share is not None else share_to_y(level, r) + 1
            y = min(max(y, r.top() + 1), r.bottom() - h - 1)
            chip = QRectF(band.left() + 2, y, min(w, max(0.0, band.width() - 4)), h)
            if chip.width() < 8:
                continue
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(20, 20, 24, 200))
            painter.drawRoundedRect(chip, 3, 3)
            painter.setPen(PIN)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_handle(self, painter: QPainter, p: QPointF, interp: str, selected: bool) -> None:
        """Shape says the interpolation: diamond = linear, circle = smooth, square = hold."""
        painter.setPen(QPen(SELECTED if selected else QColor(20, 20, 20), 1.5))
        painter.setBrush(QBrush(SELECTED if selected else self.colour.lighter(140)))
        s = KEY_RADIUS
        if interp == "smooth":
            painter.drawEllipse(p, s, s)
        elif interp == "hold":
            painter.drawRect(QRectF(p.x() - s + 1, p.y() - s + 1, 2 * s - 2, 2 * s - 2))
        else:
            diamond = [QPointF(p.x(), p.y() - s), QPointF(p.x() + s, p.y()), QPointF(p.x(), p.y() + s),
                       QPointF(p.x() - s, p.y())]  # fmt: skip
            painter.drawPolygon(QPolygonF(diamond))
