"""The "where did each pixel come from" video: the output frame tinted by its dominant source.

Each pixel takes the colour of the clip with the largest attention weight there (a fixed palette, one
colour per project clip, so a clip keeps its colour for the whole video), blended over the output frame so
the picture stays recognisable; a small legend names the clips.
Frames where nothing is active (all-zero maps) stay untinted.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.palette import clip_colour


def dominant_map(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) int16: the index of the dominant clip per output pixel, -1 where no clip has weight.

    ``maps`` is (n_clips, h, w) at patch resolution; the index map is upsampled nearest-neighbour (indices
    cannot be interpolated), which shows the patch grid honestly.
    """
    w, h = size
    weights = maps.astype(np.float32)
    index = np.argmax(weights, axis=0).astype(np.int16)
    index[weights.max(axis=0) <= 0] = -1
    return cv2.resize(index, (w, h), interpolation=cv2.INTER_NEAREST)


class MapsOverlay:
    """Draws the dominant-source tint and the legend; the legend is rendered once and pasted on each frame."""

    def __init__(self, clip_names: list[str], size: tuple[int, int], alpha: float = 0.5) -> None:
        self.size = size
        self.alpha = float(alpha)
        self._colours = np.array([clip_colour(i) for i in range(len(clip_names))], np.float32).reshape(-1, 3)
        self._legend, self._legend_mask = _legend(clip_names, size)

    def __call__(self, frame: np.ndarray, maps: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8: ``frame`` with each pixel blended toward its dominant clip's colour."""
        index = dominant_map(maps, self.size)
        out = frame.astype(np.float32)
        active = index >= 0
        if active.any():
            tint = self._colours[np.maximum(index, 0)]  # (H, W, 3)
            blended = out * (1.0 - self.alpha) + tint * self.alpha
            out = np.where(active[..., None], blended, out)
        result = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        lh, lw = self._legend_mask.shape
        region = result[:lh, :lw]
        np.copyto(region, self._legend, where=self._legend_mask[..., None])
        return result


def _legend(names: list[str], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A legend (image, mask) for the top-left corner: a colour swatch and the clip name per line."""
    w, h = size
    scale = max(0.3, min(0.6, h / 720))
    thickness = 1
    (_, text_h), baseline = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    line = text_h + baseline + 4
    swatch = text_h + 2
    widths = [cv2.getTextSize(n, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)[0][0] for n in names] or [0]
    box_w = min(w, 8 + swatch + 6 + max(widths) + 8)
    box_h = min(h, 6 + line * len(names) + 2)
    image = np.zeros((box_h, box_w, 3), np.uint8)
    image[:] = (24, 24, 24)
    for i, name in enumerate(names):
        y = 6 + i * line
        cv2.rectangle(image, (8, y), (8 + swatch, y + swatch), clip_colour(i), thickness=-1)
        cv2.putText(
            image,
            name,
            (8 + swatch + 6, y + text_h),
            cv2.FONT_HERSHEY_SIMPLEX,
            scale,
            (235, 235, 235),
            thickness,
            cv2.LINE_AA,
        )
    mask = np.ones((box_h, box_w), bool)
    return image, mask
