"""The "where did each pixel come from" video: the output frame with the dominant-source overlay on it.

The overlay is the preview's (:func:`studio.engine.overlay.dominant_overlay`: each patch in its clip's colour,
as opaque as that clip dominates it), scaled to the frame and drawn at an opacity the way the preview's
painter draws it (:func:`composite`), so the exported video shows what the viewer showed; a small legend names
the clips. Frames where nothing is active (all-zero maps) stay untinted.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.engine.overlay import dominant, dominant_overlay
from studio.palette import clip_colour

OPACITY = 0.5  # the attention panel's default overlay opacity


def dominant_map(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) int16: the index of the dominant clip per output pixel, -1 where no clip has weight.

    ``maps`` is (n_clips, h, w) at patch resolution; the index map is upsampled nearest-neighbour (indices
    cannot be interpolated), which shows the patch grid honestly.
    """
    w, h = size
    return cv2.resize(dominant(maps)[0], (w, h), interpolation=cv2.INTER_NEAREST)


def composite(frame: np.ndarray, rgba: np.ndarray, opacity: float) -> np.ndarray:
    """(H, W, 3) uint8: ``frame`` with the (h, w, 4) straight-alpha overlay ``rgba`` drawn over it at
    ``opacity``, scaled up bilinearly on premultiplied colour: the preview's ``QPainter`` (smooth scaling,
    ``setOpacity``, source-over) in numpy."""
    h, w = frame.shape[:2]
    alpha = rgba[..., 3:4].astype(np.float32) * (1.0 / 255.0)
    premultiplied = np.concatenate([rgba[..., :3].astype(np.float32) * alpha, alpha], axis=2)
    up = cv2.resize(premultiplied, (w, h), interpolation=cv2.INTER_LINEAR)
    cover = up[..., 3:4] * float(opacity)
    out = frame.astype(np.float32) * (1.0 - cover) + up[..., :3] * float(opacity)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class MapsOverlay:
    """Draws the dominant-source overlay and the legend (rendered once, pasted on each frame)."""

    def __init__(self, clip_names: list[str], size: tuple[int, int], opacity: float = OPACITY) -> None:
        self.size = size
        self.opacity = float(opacity)
        self._legend, self._legend_mask = _legend(clip_names, size)

    def __call__(self, frame: np.ndarray, maps: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8: ``frame`` with the overlay of ``maps`` over it, then the legend."""
        result = composite(frame, dominant_overlay(maps), self.opacity)
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
