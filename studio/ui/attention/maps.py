"""The current frame's spatial attention maps: one small image per clip, under the heatmap.

Map k shows, for every patch of the output frame, the weight the generator gave clip k there (the maps sum
to 1 over clips), so the row reads as "where in the picture each clip was used". Same LUT and fixed levels
(0, 1) as the heatmap, so a colour means the same share in both places.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from studio.ui.attention.heatmap import lookup_table


class SpatialMapsRow(pg.GraphicsLayoutWidget):
    """K view boxes side by side, each with the clip's name and its share of the frame as a title."""

    def __init__(self, parent: pg.QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionMaps")
        self.setBackground("#1e1e1e")
        self.ci.layout.setSpacing(4)
        self._lut = lookup_table()
        self._names: list[str] = []
        self.images: list[pg.ImageItem] = []
        self.titles: list[pg.LabelItem] = []
        self.frame: int | None = None

    def set_clips(self, clip_names: list[str]) -> None:
        """One (empty) map per clip; rebuilt only when the clip list changes."""
        if clip_names == self._names and self.images:
            return
        self.clear()
        self._names = list(clip_names)
        self.images, self.titles = [], []
        for col, name in enumerate(self._names):
            title = pg.LabelItem(name, size="8pt", color="#c8c8c8")
            self.addItem(title, row=0, col=col)
            box = self.addViewBox(row=1, col=col, lockAspect=True, enableMouse=False, enableMenu=False)
            box.invertY(True)  # image row 0 is the top of the frame
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(self._lut)
            image.setLevels((0.0, 1.0))
            box.addItem(image)
            self.images.append(image)
            self.titles.append(title)
        self.frame = None

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
