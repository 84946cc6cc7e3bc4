"""The viewer panel: the preview frame, the transport (start, step, play/pause, end, loop), timecode, the
live generation fps and the dominant-source overlay's opacity.

It only displays and emits intentions; the playback controller decides what frame to show and when. A click
on the picture shows where that pixel came from (``tracing.py``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.timecode import format_timecode
from studio.ui.viewer.frame_view import FrameView
from studio.ui.viewer.tracing import PixelTracing

QUALITY_TEXT = {"draft": "draft", "refining": "refining…", "final": "final"}


def _button(icon: QStyle.StandardPixmap | None, tip: str, text: str = "") -> QToolButton:
    button = QToolButton()
    if icon is not None:  # the style's icons: media glyphs are missing from many fonts
        button.setIcon(QApplication.style().standardIcon(icon))
    else:
        button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    return button


class ViewerPanel(QWidget):
    playToggled = Signal()
    stepRequested = Signal(int)  # -1 / +1 frames
    startRequested = Signal()
    endRequested = Signal()
    loopChanged = Signal(bool)
    overlayOpacityChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setAccessibleName("viewer")
        self.view = FrameView(self)
        self.view.setAccessibleName("preview frame")
        self.tracing = PixelTracing(self)  # click a pixel: where it came from (the window sets its context)
        self.view.pixelClicked.connect(self.tracing.show_at)
        self._fps = 24.0
        self._n = 0
        self._total = 0

        sp = QStyle.StandardPixmap
        self.start_button = _button(sp.SP_MediaSkipBackward, "Go to start (Home)")
        self.back_button = _button(sp.SP_MediaSeekBackward, "Previous frame (Left)")
        self.play_button = _button(sp.SP_MediaPlay, "Play / pause (Space)")
        self.forward_button = _button(sp.SP_MediaSeekForward, "Next frame (Right)")
        self.end_button = _button(sp.SP_MediaSkipForward, "Go to end (End)")
        self.loop_button = _button(None, "Loop playback", "Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setChecked(True)
        self.timecode = QLabel()
        self.timecode.setObjectName("timecode")
        self.timecode.setStyleSheet("font-family: monospace; font-size: 13px;")
        self.fps_label = QLabel("")
        self.fps_label.setObjectName("generationFps")
        self.fps_label.setToolTip("Frames per second the engine generates live")
        self.quality_label = QLabel("")
        self.quality_label.setObjectName("previewQuality")
        self.quality_label.setStyleSheet("color: #8a8a8a; font-size: 11px;")
        self.quality_label.setToolTip(
            "Preview quality: draft while playing or scrubbing; a paused frame refines to final"
        )
        self.overlay_slider = QSlider(Qt.Orientation.Horizontal)
        self.overlay_slider.setRange(0, 100)
        self.overlay_slider.setValue(0)
        self.overlay_slider.setFixedWidth(90)
        self.overlay_slider.setToolTip("Dominant-source overlay: each area tinted by the clip it came from")
        self.overlay_slider.setAccessibleName("overlay opacity")

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        transport = (self.start_button, self.back_button, self.play_button, self.forward_button)
        for b in (*transport, self.end_button, self.loop_button):
            bar.addWidget(b)
        bar.addSpacing(8)
        bar.addWidget(self.timecode)
        bar.addStretch(1)
        bar.addWidget(self.quality_label)
        bar.addSpacing(8)
        bar.addWidget(self.fps_label)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Overlay"))
        bar.addWidget(self.overlay_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)

        self.play_button.clicked.connect(self.playToggled)
        self.back_button.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.forward_button.clicked.connect(lambda: self.stepRequested.emit(1))
        self.start_button.clicked.connect(self.startRequested)
        self.end_button.clicked.connect(self.endRequested)
        self.loop_button.toggled.connect(self.loopChanged)
        self.overlay_slider.valueChanged.connect(self._opacity_moved)
        self._show_position()

    # ---- state from the controller ----------------------------------------------------------------------
    def set_timing(self, fps: float, total_frames: int) -> None:
        self._fps = self.tracing.fps = fps
        self._total = total_frames
        self._show_position()

    def set_position(self, n: int) -> None:
        self._n = n
        self._show_position()

    def show_frame(
        self,
        n: int,
        frame: np.ndarray,
        maps: np.ndarray | None,
        quality: str | None = None,
        trace: np.ndarray | None = None,  # the frame's correspondence (RenderedFrame.trace)
    ) -> None:
        self.view.set_frame(frame, maps)
        self.tracing.set_frame(n, trace)
        self.set_position(n)
        self.set_quality(quality)

    def set_quality(self, quality: str | None) -> None:
        """What the preview shows: "draft", "refining" (its final version underway), "final"; None: none."""
        self.quality_label.setText(QUALITY_TEXT.get(quality or "", ""))

    def set_notice(self, text: str) -> None:
        """A line under the preview's placeholder (the engine starting, a play held until it is ready)."""
        self.view.notice = text
        self.view.update()

    def set_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(QApplication.style().standardIcon(icon))
        self.play_button.setProperty("playing", playing)

    def set_generation_fps(self, fps: float | None) -> None:
        self.fps_label.setText("" if fps is None else f"{fps:.1f} gen fps")

    def set_overlay_opacity(self, opacity: float) -> None:
        self.overlay_slider.setValue(round(opacity * 100))

    @property
    def loop(self) -> bool:
        return self.loop_button.isChecked()

    def _opacity_moved(self, value: int) -> None:
        self.view.set_overlay_opacity(value / 100)
        self.overlayOpacityChanged.emit(value / 100)

    def _show_position(self) -> None:
        last = max(self._total - 1, 0)
        self.timecode.setText(f"{format_timecode(self._n, self._fps)} / {format_timecode(last, self._fps)}")
