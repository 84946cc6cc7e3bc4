"""Click a pixel of the preview, see where it came from: the viewer's side of the correspondence.

The preview engine hands every frame with its correspondence (``RenderedFrame.trace``: per patch the top
sources, ``studio.project.trace``); the viewer keeps the one on screen here. A click looks the pixel up (a
few microseconds: no decoding on the GUI thread), opens the popover at once and lets the loader decode the
source frames behind it. What turns clip columns into files (names, paths, frame rates, the output size and
fit) comes from ``context_for``, which the window sets to read its project.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QWidget

from studio.project.trace import Contribution, TraceContext, contributions_at
from studio.ui.timecode import format_timecode
from studio.ui.viewer.source_frames import SourceFrameLoader
from studio.ui.viewer.trace_popover import SourceFrameDialog, TracePopover


class PixelTracing(QObject):
    """The correspondence of the frame on screen, the popover and the source dialogs of one viewer."""

    def __init__(self, viewer: QWidget) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.context_for: Callable[[], TraceContext | None] = lambda: None
        self.fps = 24.0  # the output's, for the frame's timecode
        self.n = 0
        self.trace: np.ndarray | None = None
        self.loader = SourceFrameLoader(self)
        self._popover: TracePopover | None = None  # made on the first click
        self.dialogs: list[SourceFrameDialog] = []

    @property
    def popover(self) -> TracePopover:
        if self._popover is None:
            self._popover = TracePopover(self.loader, self.viewer)
            self._popover.showSourceRequested.connect(self.open_source)
        return self._popover

    def set_frame(self, n: int, trace: np.ndarray | None) -> None:
        """The frame now on screen (playing or paused) and its correspondence (None: not recorded)."""
        self.n, self.trace = int(n), trace

    def sources_at(self, x: int, y: int) -> tuple[list[Contribution], TraceContext | None, str]:
        """The pixel's sources, the context they were read with, and why there are none (or "")."""
        context = self.context_for()
        if self.trace is None or self.trace.ndim != 3 or context is None:
            return [], context, "This frame carries no correspondence"
        sources = contributions_at(self.trace, context, x, y)
        return sources, context, "" if sources else "No clip is active at this frame"

    def show_at(self, x: int, y: int, at: QPoint) -> None:
        """A click on frame pixel (x, y) at global position ``at``: the popover, filled as frames decode."""
        sources, context, why = self.sources_at(x, y)
        title = f"Frame {self.n} · {format_timecode(self.n, self.fps)} · pixel {x}, {y}"
        self.popover.show_sources(title, sources, context, at, why)

    def open_source(self, source: Contribution) -> SourceFrameDialog | None:
        context = self.popover.context
        if context is None:
            return None
        dialog = SourceFrameDialog(source, context, self.loader, self.viewer.window())
        dialog.destroyed.connect(lambda _o=None, d=dialog: self._forget(d))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def _forget(self, dialog: SourceFrameDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)

    def close(self) -> None:
        if self._popover is not None:
            self._popover.hide()
        self.loader.close()
