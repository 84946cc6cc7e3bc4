"""The window's "Paint mask…": open the painter on the frame at the playhead, and make its Save one undo step.

The frame painted on is the one the preview shows (the viewer's, at the playhead); the key is set at the
playhead's time in the placement, replacing a key already there. The picture is written beside the project
(``studio.project.masks.store_mask_png``: temp name + rename) before the edit is pushed, so an undo finds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtGui import QImage

from studio.errors import ProjectError
from studio.project import SetMasks
from studio.project.masks import MaskKey, key_at, mask_file, store_mask_png, with_key
from studio.ui.masks.painter import MaskPainter, PaintedMask

if TYPE_CHECKING:
    from studio.ui.app.main_window import MainWindow


class MaskActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.painter: MaskPainter | None = None  # the one open (tests, and a second request raises it)
        self._frame_n = -1  # the output frame it paints on
        window.playback.frameShown.connect(self.on_frame_shown)

    def paint(self, placement_id: str) -> MaskPainter | None:
        """Open the painter for ``placement_id`` at the playhead; None (and one line said) when it cannot."""
        w = self.window
        project = w.project
        if project.path is None:
            w.show_message("Save the project first: its masks are stored beside the project file")
            return None
        try:
            placement = project.placement(placement_id)
        except KeyError:
            return None
        fps = float(project.settings.fps)
        n = int(w.playback.position)
        t = max(0.0, n / fps - placement.start)
        if not n / fps >= placement.start - 1e-9 or t >= placement.duration:
            w.show_message("Move the playhead onto the clip to paint its mask on that frame")
            return None
        if self.painter is not None and self.painter.isVisible():
            self.painter.raise_()
            return self.painter
        index = key_at(placement.masks, t)
        start = placement.masks[index] if index is not None else None
        picture = None
        if start is not None and (path := mask_file(project.path, start)) is not None and path.is_file():
            picture = QImage(str(path))  # go on from the mask in force here
        clip = project.clip(placement.clip_id).name
        self.painter = MaskPainter(
            self._frame(project),
            lambda painted: self.save(placement_id, t, painted),
            title=f"Paint mask — {clip} at {n / fps:.2f} s",
            start=start,
            picture=None if picture is None or picture.isNull() else picture,
            parent=w,
        )
        self._frame_n = n
        self.painter.show()
        self.window.playback.pause()  # one frame is painted on: it stays under the playhead
        self.window.playback.refresh()  # and its newest render (the final quality too) reaches the painter
        return self.painter

    def on_frame_shown(self, n: int, record: Any) -> None:
        """The preview's frame at the painter's time (the one on screen may have been older): show it."""
        painter = self.painter
        frame = getattr(record, "frame", None)
        if painter is not None and painter.isVisible() and n == self._frame_n and frame is not None:
            painter.set_frame(frame)

    def _frame(self, project: Any) -> np.ndarray:
        """The output frame on screen, or a dark frame of the output size when there is none yet."""
        size = (int(project.settings.height), int(project.settings.width))
        frame = self.window.viewer.view.frame
        if frame is None or frame.shape[:2] != size:
            return np.full((*size, 3), 40, np.uint8)
        return np.array(frame, copy=True)

    def save(self, placement_id: str, t: float, painted: PaintedMask) -> bool:
        """Write the picture and push the placement's new masks: one undo step. False (and one line said)
        when refused."""
        w = self.window
        project = w.project
        try:
            path = store_mask_png(project.path, placement_id, painted.png)
            key = MaskKey(t, path, painted.mode, painted.strength, painted.feather, painted.motion)  # type: ignore[arg-type]
            masks = with_key(project.placement(placement_id).masks, key)
        except (ProjectError, KeyError) as exc:
            w.show_message(f"mask not saved: {exc}")
            return False
        return w.document.push(SetMasks(placement_id, masks, f"Paint mask ({painted.mode})"))
