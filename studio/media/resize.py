"""Fitting a picture into an output size the three ways editors offer (turning it upright:
:mod:`studio.media.orientation`)."""

from __future__ import annotations

import cv2
import numpy as np

FITS = ("fit", "fill", "stretch")


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    if (rgb.shape[1], rgb.shape[0]) == (width, height):
        return rgb
    # INTER_AREA averages when shrinking (no aliasing); it is bilinear-like when enlarging.
    shrinking = width * height < rgb.shape[0] * rgb.shape[1]
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def content_box(
    src_size: tuple[int, int], size: tuple[int, int], fit: str = "fit"
) -> tuple[int, int, int, int]:
    """Where a ``src_size`` (width, height) picture lands in ``size`` after :func:`fit_frame`: (x0, y0, x1,
    y1) of its real pixels; the rest is the letterbox / pillarbox padding (``fit``). The whole frame
    otherwise."""
    width, height = int(size[0]), int(size[1])
    src_w, src_h = int(src_size[0]), int(src_size[1])
    if fit != "fit" or (src_w, src_h) == (width, height):
        return 0, 0, width, height
    new_w, new_h = _fitted(src_w, src_h, width, height, fit)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    return x0, y0, x0 + new_w, y0 + new_h


def _fitted(src_w: int, src_h: int, width: int, height: int, fit: str) -> tuple[int, int]:
    """The scaled picture's size for fit (inside the output) or fill (covering it)."""
    scale = (min if fit == "fit" else max)(width / src_w, height / src_h)
    if fit == "fit":
        return min(width, max(1, round(src_w * scale))), min(height, max(1, round(src_h * scale)))
    return max(width, round(src_w * scale)), max(height, round(src_h * scale))


def fit_frame(rgb: np.ndarray, size: tuple[int, int], fit: str = "fit") -> np.ndarray:
    """``rgb`` (H, W, 3) uint8 into ``size`` (width, height).

    fit: whole picture, letterboxed/pillarboxed with black; fill: covers the output, the overflow cropped
    evenly from both sides; stretch: both axes scaled independently (aspect not kept).
    """
    width, height = int(size[0]), int(size[1])
    if width <= 0 or height <= 0:
        raise ValueError(f"output size must be positive, got {width}x{height}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    src_h, src_w = rgb.shape[:2]
    if (src_w, src_h) == (width, height):
        return rgb
    if fit == "stretch":
        return _resize(rgb, width, height)
    new_w, new_h = _fitted(src_w, src_h, width, height, fit)
    scaled = _resize(rgb, new_w, new_h)
    if fit == "fill":
        x0, y0 = (new_w - width) // 2, (new_h - height) // 2
        return np.ascontiguousarray(scaled[y0 : y0 + height, x0 : x0 + width])
    out = np.zeros((height, width, 3), dtype=rgb.dtype)
    x0, y0 = (width - new_w) // 2, (height - new_h) // 2
    out[y0 : y0 + new_h, x0 : x0 + new_w] = scaled
    return out
