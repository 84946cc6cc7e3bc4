"""Where a clicked pixel came from: a small frameless popover near the cursor, and the source frame itself.

The popover lists the pixel's top sources (``studio.project.trace``), heaviest first: the clip's colour (the
palette the timeline and the overlay use), its name, the source frame and its timecode, the source position,
the weight, and a 1:1 crop of the source around the position with the copied patch outlined. Crops come from
:class:`~studio.ui.viewer.source_frames.SourceFrameLoader` (decoded off the GUI thread, or cached): the
popover opens at once with a placeholder and fills in. It is not modal and takes no focus from the viewer
(keys still drive the transport); Esc or × closes it, "Show source" opens the whole source frame with the
patch outlined (:class:`SourceFrameDialog`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.palette import clip_colour
from studio.project.trace import Contribution, TraceContext
from studio.ui.timecode import format_timecode
from studio.ui.viewer.source_frames import SourceFrameLoader, SourceKey

CROP = 64  # source pixels shown around the position, 1:1 (a patch is 8 px: its neighbourhood shows too)
RING = 14  # px: the circle around the patch in the whole source frame
OUTLINE = QColor("#ffe14d")  # yellow on a black edge: visible on red, on white, on black


def source_key(source: Contribution, context: TraceContext) -> SourceKey:
    return SourceKey(source.clip_path, source.fps, source.frame, context.frame_size, context.fit)


def crop_box(source: Contribution, width: int, height: int, size: int = CROP) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of the ``size`` square around the source position, moved inside the frame."""
    w, h = min(size, width), min(size, height)
    x0 = min(max(source.x - w // 2, 0), width - w)
    y0 = min(max(source.y - h // 2, 0), height - h)
    return x0, y0, x0 + w, y0 + h


def _image(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()  # owns its pixels


def outlined(
    rgb: np.ndarray, source: Contribution, origin: tuple[int, int] = (0, 0), ring: int = 0
) -> QPixmap:
    """The pixels (1:1) with the copied patch outlined in two tones (seen on any colour), the exact source
    pixel marked, and a ``ring`` of that radius around the patch (to find it in a whole frame)."""
    pixmap = QPixmap.fromImage(_image(rgb))
    painter = QPainter(pixmap)
    x0, y0, x1, y1 = source.patch
    ox, oy = origin
    patch = QRect(x0 - ox - 1, y0 - oy - 1, x1 - x0 + 1, y1 - y0 + 1)  # just outside the patch
    painter.setPen(QPen(QColor("#000000"), 1))
    painter.drawRect(patch.adjusted(-1, -1, 1, 1))
    painter.setPen(QPen(OUTLINE, 1))
    painter.drawRect(patch)
    painter.drawPoint(source.x - ox, source.y - oy)
    if ring > 0:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for colour, width in ((QColor("#000000"), 3), (OUTLINE, 1)):
            painter.setPen(QPen(colour, width))
            painter.drawEllipse(patch.center(), ring, ring)
    painter.end()
    return pixmap


def describe(source: Contribution) -> str:
    return (
        f"frame {source.frame} · {format_timecode(source.frame, source.fps)}\n"
        f"at {source.x}, {source.y} · weight {source.weight:.0%}"
    )


class SourceRow(QFrame):
    """One source of the pixel: colour, name, frame, position, weight, crop, "Show source"."""

    def __init__(self, source: Contribution, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.setObjectName("traceSource")
        swatch = QLabel()
        swatch.setFixedSize(12, 12)
        r, g, b = clip_colour(source.column)
        swatch.setStyleSheet(f"background: rgb({r}, {g}, {b}); border-radius: 2px;")
        self.name = QLabel(source.clip_name)
        self.name.setStyleSheet("font-weight: bold;")
        self.name.setToolTip(f"{source.clip_id}: {source.clip_path}")
        self.details = QLabel(describe(source))
        self.details.setStyleSheet("color: #c8c8c8; font-size: 11px;")
        self.crop = QLabel("decoding…")
        self.crop.setObjectName("traceCrop")
        self.crop.setFixedSize(CROP, CROP)
        self.crop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.crop.setStyleSheet("background: #111; color: #777; font-size: 9px;")
        self.crop_pixels: np.ndarray | None = None  # what the crop shows (tests compare it with the source)
        self.show_button = QPushButton("Show source")
        self.show_button.setToolTip("Open the whole source frame with this patch outlined")
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        grid.addWidget(swatch, 0, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(self.details, 1, 1)
        grid.addWidget(self.show_button, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.crop, 0, 2, 3, 1)
        grid.setColumnStretch(1, 1)

    def set_frame(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        x0, y0, x1, y1 = crop_box(self.source, width, height)
        self.crop_pixels = frame[y0:y1, x0:x1]
        self.crop.setPixmap(outlined(self.crop_pixels, self.source, (x0, y0)))

    def set_failed(self, reason: str) -> None:
        self.crop.setText("unreadable")
        self.crop.setToolTip(reason)


class TracePopover(QFrame):
    """The top sources of one output pixel; ``showSourceRequested(Contribution)`` from its buttons."""

    showSourceRequested = Signal(object)

    def __init__(self, loader: SourceFrameLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("tracePopover")
        self.setAccessibleName("pixel sources")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFrameShape(QFrame.Shape.Box)
        self.setStyleSheet("#tracePopover { background: #262626; border: 1px solid #555; }")
        self.loader = loader
        self.context: TraceContext | None = None
        self.rows: list[SourceRow] = []
        self.title = QLabel()
        self.title.setStyleSheet("color: #e0e0e0;")
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        close.clicked.connect(self.hide)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(close)
        self.body = QVBoxLayout()
        self.body.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addLayout(head)
        layout.addLayout(self.body)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)

    def show_sources(
        self,
        title: str,
        sources: list[Contribution],
        context: TraceContext | None,
        at: QPoint,
        note: str = "",
    ) -> None:
        """Fill in and show near global position ``at``; ``note`` replaces the list when there is none."""
        self.context = context
        self.title.setText(title)
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        while self.body.count():
            item = self.body.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not sources or context is None:
            self.body.addWidget(QLabel(note or "No source recorded for this pixel"))
        for source in sources if context is not None else []:
            row = SourceRow(source, self)
            row.show_button.clicked.connect(lambda _c=False, s=source: self.showSourceRequested.emit(s))
            self.rows.append(row)
            self.body.addWidget(row)
            frame = self.loader.get(source_key(source, context))
            if frame is not None:
                row.set_frame(frame)
        self.adjustSize()
        self.move(self._placed(at))
        self.show()
        self.raise_()

    def _placed(self, at: QPoint) -> QPoint:
        """Beside the cursor, kept on the screen."""
        pos = at + QPoint(14, 14)
        screen = QGuiApplication.screenAt(at) or QGuiApplication.primaryScreen()
        if screen is None:
            return pos
        area = screen.availableGeometry()
        x = min(pos.x(), area.right() - self.width())
        y = pos.y() if pos.y() + self.height() <= area.bottom() else at.y() - 14 - self.height()
        return QPoint(max(x, area.left()), max(y, area.top()))

    def _rows_for(self, key: SourceKey) -> list[SourceRow]:
        if self.context is None:
            return []
        return [row for row in self.rows if source_key(row.source, self.context) == key]

    def _on_loaded(self, key: SourceKey, frame: np.ndarray) -> None:
        for row in self._rows_for(key):
            row.set_frame(frame)

    def _on_failed(self, key: SourceKey, reason: str) -> None:
        for row in self._rows_for(key):
            row.set_failed(reason)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)


class SourceFrameDialog(QDialog):
    """The whole source frame (as the render read it) with the copied patch outlined; not modal."""

    def __init__(
        self, source: Contribution, context: TraceContext, loader: SourceFrameLoader, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sourceFrame")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.source = source
        self.key = source_key(source, context)
        tc = format_timecode(source.frame, source.fps)
        self.setWindowTitle(f"Source: {source.clip_name}, frame {source.frame} ({tc})")
        self.picture = QLabel("decoding…")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        width, height = context.frame_size
        self.picture.setMinimumSize(min(width, 960), min(height, 540))
        self.caption = QLabel(
            f"{source.clip_name} · frame {source.frame} · {tc} · patch at {source.x}, {source.y} · "
            f"weight {source.weight:.0%} (the clip as the render read it: {width}×{height}, {context.fit})"
        )
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        self.frame: np.ndarray | None = None
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        frame = loader.get(self.key)
        if frame is not None:
            self._show(frame)

    def _on_loaded(self, key: SourceKey, frame: np.ndarray) -> None:
        if key == self.key and self.frame is None:
            self._show(frame)

    def _on_failed(self, key: SourceKey, reason: str) -> None:
        if key == self.key:
            self.picture.setText(f"Cannot read the source: {reason}")

    def _show(self, frame: np.ndarray) -> None:
        self.frame = frame
        pixmap = outlined(frame, self.source, ring=RING)
        if pixmap.width() > 960 or pixmap.height() > 540:  # a big output: fit the screen, not 1:1
            pixmap = pixmap.scaled(960, 540, Qt.AspectRatioMode.KeepAspectRatio)
        self.picture.setPixmap(pixmap)
