"""The widget that paints one preview frame, scaled to fit, with the dominant-source overlay on top.

Why a plain QWidget and not a QLabel/QGraphicsView: one drawImage per paint is the cheapest path for video,
and the overlay is a tiny (patch-resolution) image scaled by the painter, not a full-size blend in numpy. The
overlay is ``studio.engine.overlay.dominant_overlay``'s, the one the exported maps video composites the same
way (smooth scaling, the opacity slider's value: ``studio.engine.maps_video.composite``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.engine.overlay import dominant_overlay  # numpy only: the maps video draws the same


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """A QImage over the array's memory; the caller keeps the array alive as long as the image."""
    frame = np.ascontiguousarray(frame)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_RGB888)


class FrameView(QWidget):
    """Paints the latest frame letterboxed in the widget; holds the numpy arrays its QImages point into."""

    framePainted = Signal()  # a frame reached the screen (latency benchmarks, tests)
    pixelClicked = Signal(int, int, QPoint)  # frame pixel x, y and the global position of the click

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setFocusPolicy(
            Qt.FocusPolicy.StrongFocus
        )  # the window's keyboard home: transport keys work here
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self._overlay_rgba: np.ndarray | None = None
        self._overlay: QImage | None = None
        self._maps: np.ndarray | None = None
        self.overlay_opacity = 0.0
        self.placeholder = "No preview yet"
        self.notice = ""  # a line under the placeholder: "Starting the engine…" while torch loads
        self.frames_painted = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def set_frame(self, frame: np.ndarray | None, maps: np.ndarray | None = None) -> None:
        self._frame = None if frame is None else np.ascontiguousarray(frame)
        self._image = None if self._frame is None else rgb_to_qimage(self._frame)
        self._maps = maps if maps is not None and maps.ndim == 3 else None
        self._overlay_rgba = None  # made on the next paint that shows it (not at all while it is off)
        self._overlay = None
        self.update()

    def _overlay_image(self) -> QImage | None:
        if self._overlay is None and self._maps is not None:
            self._overlay_rgba = np.ascontiguousarray(dominant_overlay(self._maps))
            h, w, _ = self._overlay_rgba.shape
            self._overlay = QImage(self._overlay_rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888)
        return self._overlay

    def set_overlay_opacity(self, opacity: float) -> None:
        self.overlay_opacity = float(min(max(opacity, 0.0), 1.0))
        self.update()

    @property
    def frame(self) -> np.ndarray | None:
        return self._frame

    def target_rect(self) -> QRectF:
        """Where the frame lands: as large as fits, aspect kept, centred."""
        if self._image is None:
            return QRectF(self.rect())
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def frame_pixel(self, pos: QPointF) -> tuple[int, int] | None:
        """The frame pixel under widget position ``pos``; None off the picture (or with no frame)."""
        if self._image is None:
            return None
        target = self.target_rect()
        if not target.contains(pos) or target.width() <= 0 or target.height() <= 0:
            return None
        x = int((pos.x() - target.left()) * self._image.width() / target.width())
        y = int((pos.y() - target.top()) * self._image.height() / target.height())
        return min(x, self._image.width() - 1), min(y, self._image.height() - 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        super().mousePressEvent(event)
        pixel = self.frame_pixel(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if pixel is not None:
            self.pixelClicked.emit(pixel[0], pixel[1], event.globalPosition().toPoint())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self._image is None:
            painter.setPen(QColor("#8a8a8a"))
            text = f"{self.placeholder}\n{self.notice}" if self.notice else self.placeholder
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
            return
        target = self.target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, self._image)
        overlay = self._overlay_image() if self.overlay_opacity > 0 else None
        if overlay is not None:
            painter.setOpacity(self.overlay_opacity)
            painter.drawImage(target, overlay)
        painter.end()
        self.frames_painted += 1
        self.framePainted.emit()
