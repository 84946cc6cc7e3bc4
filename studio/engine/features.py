"""Patch features φ: what the generator compares when it asks "which source patch looks like this one?".

One feature vector per patch (stride s at output resolution), 9 numbers in two groups:

- colour (3): opponent colour of the patch mean — luma L=(R+G+B)/3, a=(R-G)/2, b=(R+G-2B)/4. Opponent
  colour is linear in RGB (so pooling commutes with it) and nearly as perceptual as Lab for matching.
- structure (6): a 2x2 Haar split of the patch's luma (horizontal, vertical, diagonal contrast: where the
  light is inside the patch) and the pooled structure tensor of Sobel gradients on a finer grid (gradient
  energy plus the orientation vector weighted by how oriented the texture is).

Every feature is in units of "intensity in [0, 1]" times ``GAIN``, so a squared distance of 1 means
roughly a 25-grey-level edge or a 10-grey-level colour shift per channel; the default temperature 0.1 is
picked against that unit. The module is an ``nn.Module`` with a fixed output layout (``DIM``, ``COLOUR``,
``STRUCTURE``) so a learned encoder can replace it without touching the attention code.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DIM = 9
COLOUR = slice(0, 3)
STRUCTURE = slice(3, 9)
GAIN = 10.0  # global scale: ties the feature unit to the temperature's meaning
_TENSOR_SCALE = 2.0  # gradient features are per fine-grid pixel; this brings an edge to about its contrast


def grid_shape(height: int, width: int, stride: int) -> tuple[int, int]:
    """Patch grid of a frame: ceil division, the last row/column of patches may hang over the edge."""
    return -(-height // stride), -(-width // stride)


def patch_areas(grid: tuple[int, int], height: int, width: int, stride: int) -> torch.Tensor:
    """(h, w) float64 weights summing to 1: the share of the frame's pixels each patch of the grid covers.
    The last row or column of patches may hang over the edge (``grid_shape``) and covers less."""
    h, w = grid
    rows = (height - torch.arange(h, dtype=torch.float64) * stride).clamp(0, stride)
    cols = (width - torch.arange(w, dtype=torch.float64) * stride).clamp(0, stride)
    area = rows[:, None] * cols[None, :]
    return area / area.sum()


def area_shares(maps: torch.Tensor, height: int, width: int, stride: int) -> torch.Tensor:
    """(K,) float64: each clip's share of the frame's pixels from its (K, h, w) patch maps, each patch counted
    by the pixels it covers (``patch_areas``): counted whole, an overhanging row would tilt the shares
    toward the clips there, away from what the mattes show."""
    area = patch_areas(maps.shape[-2:], height, width, stride).to(maps.device)
    total = (maps.double() * area).sum((1, 2))
    return total / total.sum()


class PatchFeatures(nn.Module):
    """uint8 RGB frames (N, H, W, 3) -> features (N, DIM, h, w), float32, on the frames' device."""

    def __init__(self, patch: int) -> None:
        super().__init__()
        self.patch = patch
        self.fine = min(4, patch)  # fine grid: `fine` cells per patch side, where gradients are taken

    @torch.no_grad()
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        h, w = grid_shape(frames.shape[1], frames.shape[2], self.patch)
        rgb_fine = self.fine_grid(frames, h, w)  # (N, 3, h*f, w*f) float32 in [0, 1]
        # the channel mean as two adds: ``mean(1)`` on the CPU's channels-last cells is ~5x slower
        luma_fine = (rgb_fine[:, 0:1] + rgb_fine[:, 1:2] + rgb_fine[:, 2:3]) * (1.0 / 3.0)
        rgb = _pool(rgb_fine, h, w)  # (N, 3, h, w) patch means
        r, g, b = rgb.unbind(1)
        colour = torch.stack([(r + g + b) / 3.0, (r - g) / 2.0, (r + g - 2.0 * b) / 4.0], 1)

        half = _pool(luma_fine, 2 * h, 2 * w)  # (N, 1, 2h, 2w): 2x2 cells per patch
        tl, tr = half[..., 0::2, 0::2], half[..., 0::2, 1::2]
        bl, br = half[..., 1::2, 0::2], half[..., 1::2, 1::2]
        haar = torch.cat([(tl + bl - tr - br) / 2.0, (tl + tr - bl - br) / 2.0, (tl + br - tr - bl) / 2.0], 1)

        gx, gy = _sobel(luma_fine)
        tensor = _pool(torch.cat([gx * gx, gy * gy, gx * gy], 1), h, w)  # pooled structure tensor
        jxx, jyy, jxy = tensor.unbind(1)
        energy = jxx + jyy
        norm = torch.rsqrt(energy + 1e-8)
        structure = torch.stack([energy.sqrt(), (jxx - jyy) * norm, 2.0 * jxy * norm], 1) * _TENSOR_SCALE
        return torch.cat([colour, haar, structure], 1).mul_(GAIN)

    def fine_grid(self, frames: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """Area-average the frames to `fine` cells per patch side: the one pass over full-resolution pixels.

        On the CPU OpenCV's SIMD area resize of the uint8 frames is several times faster than converting them
        to float for torch (rounding the cell means to integers moves features by < 1/510: immaterial).
        """
        n, height, width, _ = frames.shape
        f, s = self.fine, self.patch
        pad_h, pad_w = h * s - height, w * s - width
        if frames.device.type == "cpu":
            cells = np.empty((n, h * f, w * f, 3), np.uint8)
            for i, frame in enumerate(frames.numpy()):
                if pad_h or pad_w:  # overhanging patches see the edge pixels repeated, not black
                    frame = cv2.copyMakeBorder(frame, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
                cells[i] = cv2.resize(frame, (w * f, h * f), interpolation=cv2.INTER_AREA)
            return torch.from_numpy(cells).permute(0, 3, 1, 2).float().mul_(1.0 / 255.0)
        x = frames.permute(0, 3, 1, 2).float()  # (N, 3, H, W), 0..255
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        return _pool(x, h * f, w * f) * (1.0 / 255.0)


def _sobel(luma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sobel x/y gradients (scaled by 1/8: intensity per cell), edges replicated, as separable slices.

    A 3x3 conv2d with two output channels is slow on the CPU (oneDNN set-up per call); slices are not, and
    OpenCV's Sobel (the same kernels and border) is ~4x faster again than the replicate pad + slices.
    """
    if luma.device.type == "cpu" and luma.dtype == torch.float32:
        cells = luma[:, 0].contiguous().numpy()
        gx, gy = np.empty_like(cells), np.empty_like(cells)
        for i, image in enumerate(cells):
            cv2.Sobel(
                image, cv2.CV_32F, 1, 0, dst=gx[i], ksize=3, scale=0.125, borderType=cv2.BORDER_REPLICATE
            )
            cv2.Sobel(
                image, cv2.CV_32F, 0, 1, dst=gy[i], ksize=3, scale=0.125, borderType=cv2.BORDER_REPLICATE
            )
        return torch.from_numpy(gx)[:, None], torch.from_numpy(gy)[:, None]
    p = F.pad(luma, (1, 1, 1, 1), mode="replicate")
    dx = p[..., :, 2:] - p[..., :, :-2]  # (N, 1, H+2, W)
    dy = p[..., 2:, :] - p[..., :-2, :]  # (N, 1, H, W+2)
    gx = (dx[..., :-2, :] + 2.0 * dx[..., 1:-1, :] + dx[..., 2:, :]) * 0.125
    gy = (dy[..., :, :-2] + 2.0 * dy[..., :, 1:-1] + dy[..., :, 2:]) * 0.125
    return gx, gy


def _pool(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Area average to (h, w): a plain strided average when the size divides, adaptive otherwise."""
    kh, kw = x.shape[-2] // h, x.shape[-1] // w
    if kh * h == x.shape[-2] and kw * w == x.shape[-1]:
        if kh == kw == 1:
            return x
        if x.device.type == "cpu" and x.dtype == torch.float32:
            return _area_cv2(x, h, w)
        return F.avg_pool2d(x, (kh, kw))
    return F.adaptive_avg_pool2d(x, (h, w))


def _area_cv2(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, h, w) block means by OpenCV's area resize (an exact box mean for integer
    factors), channels-last: 2-4x faster than ``avg_pool2d`` on the CPU, whose input here is channels-last.
    """
    n, c = x.shape[:2]
    cells = x.permute(0, 2, 3, 1).contiguous().numpy()  # a view when x is channels-last already
    out = np.empty((n, h, w, c), np.float32)
    for i in range(n):
        out[i] = cv2.resize(cells[i], (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, c)
    return torch.from_numpy(out).permute(0, 3, 1, 2)


class FeatureCache:
    """Reuses the features of byte-identical frames from the previous call.

    The temporal window slides by one source frame per output frame, so with T = 3 two of every source's
    three frames were already seen; a held or slowed-down clip repeats frames outright. A byte comparison
    (~0.2 ms for a 640x360 frame) is far cheaper than the features (~1.5 ms on a core). Frames are compared
    where they already are: on a GPU the last call's uploaded frames are kept there (no second upload, no
    25 MB host copy per 1080p frame with 4 clips); on the CPU they are copied, since a caller may reuse its
    buffers.
    """

    def __init__(self) -> None:
        self._frames: torch.Tensor | None = None  # (K, T, H, W, 3) uint8: the last call's input
        self._feats: torch.Tensor | None = None  # (K, T, D, h, w)
        self._extractor: object | None = None
        # (i, j) -> (i', j') of the last call: frame j of source i was frame j' of source i' the call before
        # (the generator reuses its per-frame pixel blocks by the same map)
        self.reused: dict[tuple[int, int], tuple[int, int]] = {}

    def clear(self) -> None:
        self._frames, self._feats = None, None
        self.reused = {}

    def __call__(
        self,
        extractor: Callable[[torch.Tensor], torch.Tensor],
        frames: np.ndarray | torch.Tensor,
        device: torch.device,
    ) -> torch.Tensor:
        """Features (K, T, D, h, w) of (K, T, H, W, 3) uint8 frames (numpy, or a tensor already on
        ``device``), computing only the new ones."""
        src = torch.from_numpy(frames).to(device) if isinstance(frames, np.ndarray) else frames
        k, t = src.shape[:2]
        if extractor is not self._extractor:  # a swapped-in encoder: nothing cached is valid
            self.clear()
            self._extractor = extractor
        found: dict[tuple[int, int], tuple[int, int]] = {}
        old = self._frames
        if old is not None and old.shape[2:] == src.shape[2:] and old.device == src.device:
            for i in range(min(k, old.shape[0])):
                for j in range(t):
                    for jj in (j + 1, j, *range(old.shape[1])):  # a slide by one, a hold, anything else
                        if 0 <= jj < old.shape[1] and _same(src[i, j], old[i, jj]):
                            found[(i, j)] = (i, jj)
                            break
        todo = [(i, j) for i in range(k) for j in range(t) if (i, j) not in found]
        new = None
        if todo:
            # all new (no window, or a cut): a view; else a stack (uint8 fancy indexing is ~10x slower on CPU)
            batch = src.flatten(0, 1) if len(todo) == k * t else torch.stack([src[i, j] for i, j in todo])
            new = extractor(batch)
        like = new if new is not None else self._feats
        feats = torch.empty((k, t, *like.shape[-3:]), device=device)
        for n, (i, j) in enumerate(todo):
            feats[i, j] = new[n]
        for (i, j), (oi, oj) in found.items():
            feats[i, j] = self._feats[oi, oj]
        # on the CPU ``src`` may share the caller's buffer (from_numpy): keep a copy of it
        self._frames, self._feats = (src.clone() if src.device.type == "cpu" else src), feats
        self.reused = found
        return feats


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Byte-identical frames; a strided sample rejects most different frames before the full compare."""
    if a.device.type == "meta":  # shapes without data (tests stand a meta device in for a GPU): nothing equal
        return False
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    return torch.equal(flat_a[::997], flat_b[::997]) and torch.equal(flat_a, flat_b)
