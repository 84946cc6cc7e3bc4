"""The current frame's spatial attention maps: one small image per clip, under the heatmap.

Map k shows, for every patch of the output frame, the weight the generator gave clip k there (the maps sum
to 1 over clips), so the row reads as "where in the picture each clip was used". Same LUT and fixed levels
(0, 1) as the clip's heatmap row (black to the clip's colour), so a colour means the same clip and share in
both places. Up to three maps sit in a row; more are laid out in a grid so each stays large enough to read.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from studio.palette import clip_colour
from studio.ui.attention.heatmap import clip_lookup_table


class SpatialMapsRow(pg.GraphicsLayoutWidget):
    """K view boxes in a row or a grid, each with the clip's name and its share of the frame as a title.
    A click on a map shows that one alone, as large as the area allows; another click shows them all."""

    def __init__(self, parent: pg.QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionMaps")
        self.setBackground("#1e1e1e")
        self.ci.layout.setSpacing(4)
        self._names: list[str] = []
        self.images: list[pg.ImageItem] = []
        self.titles: list[pg.LabelItem] = []
        self.boxes: list[pg.ViewBox] = []
        self.solo: int | None = None  # the one map shown alone, or None for all
        self.frame: int | None = None
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_clips(self, clip_names: list[str]) -> None:
        """One (empty) map per clip; rebuilt only when the clip list changes."""
        if clip_names == self._names and self.images:
            return
        self.clear()
        self._names = list(clip_names)
        self.images, self.titles, self.boxes = [], [], []
        self.solo = None
        for k, name in enumerate(self._names):
            title = pg.LabelItem(name, size="9pt", color=pg.mkColor(clip_colour(k)))
            box = pg.ViewBox(lockAspect=True, enableMouse=False, enableMenu=False)
            box.invertY(True)  # image row 0 is the top of the frame
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(clip_lookup_table(k))
            image.setLevels((0.0, 1.0))
            box.addItem(image)
            self.images.append(image)
            self.titles.append(title)
            self.boxes.append(box)
        self._lay_out()
        self.frame = None

    def set_solo(self, index: int | None) -> None:
        """Show map ``index`` alone (None: all of them)."""
        self.solo = index if index is not None and 0 <= index < len(self.boxes) else None
        self._lay_out()

    def _lay_out(self) -> None:
        for item in (*self.titles, *self.boxes):
            if item.scene() is not None:
                self.ci.removeItem(item)
        shown = [self.solo] if self.solo is not None else list(range(len(self.boxes)))
        columns = len(shown) if len(shown) <= 3 else math.ceil(math.sqrt(len(shown)))
        for i, k in enumerate(shown):
            row, col = divmod(i, columns)
            self.ci.addItem(self.titles[k], row=2 * row, col=col)
            self.ci.addItem(self.boxes[k], row=2 * row + 1, col=col)
        for k in shown:
            if self.images[k].image is not None:
                self.boxes[k].autoRange(padding=0)

    def _on_click(self, event: object) -> None:
        pos = event.scenePos()
        for k, box in enumerate(self.boxes):
            if box.scene() is not None and box.sceneBoundingRect().contains(pos):
                self.set_solo(None if self.solo == k else k)
                event.accept()
                return

    def show_maps(self, frame: int, maps: np.ndarray | None, shares: np.ndarray | None = None) -> None:
        """Draw ``maps`` (K, h, w) for output frame ``frame``; None clears them (frame not rendered yet)."""
        self.frame = frame if maps is not None else None
        for k, (image, title) in enumerate(zip(self.images, self.titles, strict=True)):
            name = self._names[k]
            if maps is None or k >= len(maps):
                image.clear()
                title.setText(name)
                continue
            data = np.asarray(maps[k], dtype=np.float32)
            first = image.image is None or image.image.shape != data.shape
            image.setImage(data, autoLevels=False, levels=(0.0, 1.0))
            if first:
                image.getViewBox().autoRange(padding=0)
            share = float(shares[k]) if shares is not None and k < len(shares) else float(np.nanmean(data))
            title.setText(f"{name} · {share:.0%}")
