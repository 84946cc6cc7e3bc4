"""The timeline's visible time, shared with the attention heatmap: zoom or scroll either and the other
follows, so both show the same output seconds (one time axis, one playhead). Mixed into ``TimelineView``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.ui.timeline.geometry import LEFT_PAD

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

    _Base = TimelineView
else:
    _Base = object


class VisibleTime(_Base):
    def visible_time(self) -> tuple[float, float]:
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        return self.scale.t(visible.left() + LEFT_PAD), self.scale.t(visible.right())

    def show_time_range(self, t0: float, t1: float) -> None:
        """Zoom and scroll so output seconds ``t0``..``t1`` fill the viewport (the heatmap was zoomed)."""
        if t1 - t0 <= 1e-6 or self._showing_range:
            return
        self._showing_range = True
        try:
            width = max(self.viewport().width() - LEFT_PAD, 1)
            if abs(self.scale.px_per_s - width / (t1 - t0)) > 1e-6:
                self.set_zoom(width / (t1 - t0))
            self.horizontalScrollBar().setValue(round(self.scale.x(t0) - LEFT_PAD))
        finally:
            self._showing_range = False

    def _emit_visible_time(self, *_: object) -> None:
        if not self._showing_range:
            self.visibleTimeChanged.emit(*self.visible_time())
