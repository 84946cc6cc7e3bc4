"""Motion for the final synthesis: DIS optical flow between a source's consecutive frames, and warping.

The final quality carries the previous output forward along each source's own motion, so "what was here a
frame ago" can be compared with what every source offers now (the temporal term), and the previous
correspondences can seed the next frame's search. Flow is computed on the CPU (OpenCV's DIS; there is no
GPU DIS in the stack) at a reduced size, then scaled: coarse motion is all the temporal term needs.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F


class FlowField:
    """DIS flows ``current -> previous`` for many pairs; one OpenCV object per instance (not thread-safe)."""

    def __init__(self) -> None:
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)

    def backward(self, current: np.ndarray, previous: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """(H, W, 2) float32 flow at output ``size`` (width, height): pixel p of ``current`` shows what was
        at p + flow(p) in ``previous``. Inputs: :func:`~studio.engine.flow.flow_grey` images of one shape."""
        if np.array_equal(current, previous):  # a held frame: nothing moved (and DIS would add noise)
            return np.zeros((size[1], size[0], 2), np.float32)
        flow = self._dis.calc(current, previous, None)
        scale = size[0] / current.shape[1]
        if scale == 1.0:
            return flow
        return cv2.resize(flow, size, interpolation=cv2.INTER_LINEAR) * np.float32(scale)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample ``image`` (N, C, H, W) at p + ``flow`` (N, H, W, 2) pixels, bilinear, borders clamped."""
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=image.device, dtype=torch.float32),
        torch.arange(w, device=image.device, dtype=torch.float32),
        indexing="ij",
    )
    gx = (xs + flow[..., 0]) * (2.0 / max(w - 1, 1)) - 1.0
    gy = (ys + flow[..., 1]) * (2.0 / max(h - 1, 1)) - 1.0
    grid = torch.stack([gx, gy], -1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
