"""The mask painter's canvas: an output frame, scaled to fit, with the mask painted over it.

The mask is a QImage at the output resolution (premultiplied ARGB: its alpha is the mask, its colour the
mode's, for the eye only). Every mouse move draws one line segment into it with a QPainter and repaints only
that segment's rectangle: no numpy and no full-frame work per move, so painting stays smooth at 1080p.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MASK_OPACITY = 0.55  # how strongly the mask tints the frame on screen (the file holds the real alpha)


class MaskCanvas(QWidget):
    """Paints ``frame`` letterboxed and ``mask`` over it; a left drag paints (brush) or erases (eraser)."""

    stroked = Signal()  # a stroke ended: the mask changed

    def __init__(self, frame: QImage, mask: QImage | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)  # the brush outline follows the pointer
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.frame = frame
        self.mask = QImage(frame.size(), QImage.Format.Format_ARGB32_Premultiplied)
        self.mask.fill(Qt.GlobalColor.transparent)
        self.colour = QColor(230, 70, 60)
        self.brush_size = 32.0  # diameter, in output pixels
        self.erasing = False
        self._last: QPointF | None = None  # image position of the stroke so far
        self._pointer: QPointF | None = None  # widget position (brush outline)
        if mask is not None:
            self.set_mask(mask)

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    # -- the mask --------------------------------------------------------------------------------------------
    def set_mask(self, mask: QImage) -> None:
        """Start from ``mask`` (its alpha), at the frame's size."""
        if mask.size() != self.frame.size():
            mask = mask.scaled(self.frame.size(), Qt.AspectRatioMode.IgnoreAspectRatio)
        self.mask = mask.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self.set_colour(self.colour)

    def set_colour(self, colour: QColor) -> None:
        """Show the mask in ``colour`` (the mode's); its alpha stays as painted."""
        self.colour = QColor(colour)
        painter = QPainter(self.mask)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(self.mask.rect(), self.colour)
        painter.end()
        self.update()

    def clear(self) -> None:
        self.mask.fill(Qt.GlobalColor.transparent)
        self.update()
        self.stroked.emit()

    def png_bytes(self) -> bytes:
        """The mask as a lossless PNG (RGBA, 8-bit alpha) at the output resolution."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.mask.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    # -- geometry --------------------------------------------------------------------------------------------
    def target_rect(self) -> QRectF:
        """Where the frame is drawn: as large as fits, centred, aspect kept."""
        w, h = self.frame.width(), self.frame.height()
        scale = min(self.width() / max(1, w), self.height() / max(1, h))
        x, y = (self.width() - w * scale) / 2, (self.height() - h * scale) / 2
        return QRectF(x, y, w * scale, h * scale)

    def to_image(self, pos: QPointF) -> QPointF:
        rect = self.target_rect()
        scale = self.frame.width() / max(1e-9, rect.width())
        return QPointF((pos.x() - rect.x()) * scale, (pos.y() - rect.y()) * scale)

    def _on_screen(self, a: QPointF, b: QPointF) -> QRect:
        """The widget rectangle a segment between image points a and b touches (pen included)."""
        rect = self.target_rect()
        scale = rect.width() / max(1, self.frame.width())
        pad = self.brush_size / 2 + 2
        left, top = min(a.x(), b.x()) - pad, min(a.y(), b.y()) - pad
        right, bottom = max(a.x(), b.x()) + pad, max(a.y(), b.y()) + pad
        box = QRectF(
            rect.x() + left * scale, rect.y() + top * scale, (right - left) * scale, (bottom - top) * scale
        )
        return box.toAlignedRect().adjusted(-2, -2, 2, 2)

    # -- painting --------------------------------------------------------------------------------------------
    def _stroke(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self.mask)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.erasing:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        pen = QPen(self.colour, self.brush_size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(a, b)
        painter.end()
        self.update(self._on_screen(a, b))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._last = self.to_image(event.position())
        self._stroke(self._last, self._last)  # a click paints a dot

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        old = self._pointer
        self._pointer = event.position()
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            here = self.to_image(event.position())
            self._stroke(self._last, here)
            self._last = here
        outline = self._outline_rect(self._pointer)
        self.update(outline if old is None else outline.united(self._outline_rect(old)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._last is not None:
            self._last = None
            self.stroked.emit()

    def leaveEvent(self, event: object) -> None:  # noqa: N802
        if self._pointer is not None:
            self.update(self._outline_rect(self._pointer))
        self._pointer = None

    def _outline_rect(self, pos: QPointF) -> QRect:
        radius = self.brush_size / 2 * self.target_rect().width() / max(1, self.frame.width()) + 3
        return QRectF(pos.x() - radius, pos.y() - radius, 2 * radius, 2 * radius).toAlignedRect()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(20, 20, 20))
        rect = self.target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self.frame)
        painter.setOpacity(MASK_OPACITY)
        painter.drawImage(rect, self.mask)
        painter.setOpacity(1.0)
        if self._pointer is not None:  # the brush's size, where it would paint
            radius = self.brush_size / 2 * rect.width() / max(1, self.frame.width())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1, Qt.PenStyle.DashLine))
            painter.drawEllipse(self._pointer, radius, radius)
        painter.end()
