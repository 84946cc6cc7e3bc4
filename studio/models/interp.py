"""The native-resolution interpolator: a frame at any time t in (0, 1) between two frames, at their own size.

An intermediate-flow network in the spirit of RIFE's IFNet, built on the classical estimate it must beat:

1. DIS optical flow both ways at full resolution (``baselines.flow``) gives the flows to time t,
   ``-t * f_ab`` (where each output pixel is in a) and ``-(1 - t) * f_ba`` (in b), and the blend weight
   ``1 - t`` of a's warp: exactly the classical "dis-flow" interpolation (:func:`classical`).
2. Flow blocks at 1/4 and 1/2 size (coarse to fine) look at both warps, the flows and t and add residuals
   to both flows and to the blend weight (the fusion / occlusion mask).
3. A small refinement net at full size adds a residual to the colours.

Every residual head is zero-initialised, so an untrained model *is* the classical interpolation, bit for
bit, and training can only start from it. All warps sample the *whole* frame, so a tile (or a training
crop) sees the pixels its flows point to outside it: tiles with a small overlap equal one pass.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.models.baselines import flow as dis_flow

TILE = 512  # inference tile (px) when a frame has more pixels than MAX_PIXELS
OVERLAP = 32  # tiles overlap by this much; the overlap is feathered
MAX_PIXELS = 1920 * 1088  # one pass up to about 1080p


@dataclass
class InterpConfig:
    channels: int = 48  # width of the flow blocks
    refine_channels: int = 24  # width of the full-size refinement net
    scales: tuple[int, ...] = (4, 2)  # the flow blocks' downscale factors, coarse to fine

    def __post_init__(self) -> None:
        self.scales = tuple(int(s) for s in self.scales)  # JSON gives a list


def sample(image: torch.Tensor, origin: tuple[int, int], flow: torch.Tensor, scale: int = 1) -> torch.Tensor:
    """``image`` (N, C, H', W') — the whole frame at 1/``scale`` — sampled at a tile's pixels plus ``flow``
    (N, 2, h, w, in full-size px), the tile's top-left corner at ``origin`` (full-size px). Bilinear,
    borders clamped."""
    n, _, h, w = flow.shape
    big_h, big_w = image.shape[-2:]
    oy, ox = origin[0] / scale, origin[1] / scale
    ys = torch.arange(h, device=flow.device, dtype=flow.dtype) + oy
    xs = torch.arange(w, device=flow.device, dtype=flow.dtype) + ox
    gx = (xs[None, None, :] + flow[:, 0] / scale) * (2.0 / max(big_w - 1, 1)) - 1.0
    gy = (ys[None, :, None] + flow[:, 1] / scale) * (2.0 / max(big_h - 1, 1)) - 1.0
    grid = torch.stack([gx, gy], -1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)


def classical(
    a: torch.Tensor, b: torch.Tensor, f_ab: torch.Tensor, f_ba: torch.Tensor, t: float
) -> torch.Tensor:
    """DIS-flow interpolation (the baseline) with the same arithmetic as the untrained model: whole frames
    (N, 3, H, W) in [0, 1], flows (N, 2, H, W) px."""
    weight = torch.full_like(f_ab[:, :1], 1.0 - t)
    from_a = sample(a, (0, 0), -t * f_ab)
    from_b = sample(b, (0, 0), -(1.0 - t) * f_ba)
    return weight * from_a + (1.0 - weight) * from_b


def _zero(conv: nn.Conv2d) -> nn.Conv2d:
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class FlowBlock(nn.Module):
    """At one scale: (both warps, |difference|, both flows, t) -> residuals of both flows and the mask."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.body = nn.Sequential(
            nn.Conv2d(14, c, 3, padding=1), nn.PReLU(c),
            nn.Conv2d(c, c, 3, padding=1), nn.PReLU(c),
            nn.Conv2d(c, c, 3, padding=2, dilation=2), nn.PReLU(c),
            nn.Conv2d(c, c, 3, padding=1), nn.PReLU(c),
        )  # fmt: skip
        self.head = _zero(nn.Conv2d(c, 5, 3, padding=1))

    def forward(self, wa, wb, fa, fb, t_map, scale: int) -> torch.Tensor:
        x = torch.cat([wa, wb, (wa - wb).abs(), fa / (4.0 * scale), fb / (4.0 * scale), t_map], 1)
        return self.head(self.body(x))


class FlowInterpolator(nn.Module):
    """See the module doc. ``forward`` works on one tile of whole frames; :func:`interpolate` on frames."""

    kind = "interp"

    def __init__(self, cfg: InterpConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.blocks = nn.ModuleList(FlowBlock(cfg.channels) for _ in cfg.scales)
        r = cfg.refine_channels
        self.refine = nn.Sequential(
            nn.Conv2d(16, r, 3, padding=1), nn.PReLU(r),
            nn.Conv2d(r, r, 3, padding=1), nn.PReLU(r),
            _zero(nn.Conv2d(r, 3, 3, padding=1)),
        )  # fmt: skip

    def forward(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        f_ab: torch.Tensor,
        f_ba: torch.Tensor,
        t: float,
        origin: tuple[int, int] = (0, 0),
    ) -> torch.Tensor:
        """The frame at ``t`` over one tile: ``a``, ``b`` whole frames (N, 3, H, W) in [0, 1]; ``f_ab``,
        ``f_ba`` the DIS flows over the tile (N, 2, h, w) px; the tile's corner at ``origin`` (multiples of
        the largest scale). Returns (N, 3, h, w), not clamped."""
        n, _, h, w = f_ab.shape
        fa, fb = -t * f_ab, -(1.0 - t) * f_ba
        mask = torch.full_like(f_ab[:, :1], 1.0 - t)
        for block, s in zip(self.blocks, self.cfg.scales, strict=True):
            small = (max(1, h // s), max(1, w // s))
            a_s, b_s = F.avg_pool2d(a, s, ceil_mode=True), F.avg_pool2d(b, s, ceil_mode=True)
            fa_s, fb_s = F.interpolate(fa, small, mode="area"), F.interpolate(fb, small, mode="area")
            wa, wb = sample(a_s, origin, fa_s, s), sample(b_s, origin, fb_s, s)
            t_map = torch.full_like(fa_s[:, :1], t)
            res = F.interpolate(block(wa, wb, fa_s, fb_s, t_map, s), (h, w), mode="bilinear")
            fa = fa + res[:, 0:2] * s
            fb = fb + res[:, 2:4] * s
            mask = mask + res[:, 4:5]
        mask = mask.clamp(0.0, 1.0)
        wa, wb = sample(a, origin, fa), sample(b, origin, fb)
        out = mask * wa + (1.0 - mask) * wb
        y0, x0 = origin
        crop_a, crop_b = a[..., y0 : y0 + h, x0 : x0 + w], b[..., y0 : y0 + h, x0 : x0 + w]
        return out + self.refine(torch.cat([crop_a, crop_b, wa, wb, out, mask], 1))


_FLOW_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dis-flow")


def flows(a: np.ndarray, b: np.ndarray, device: torch.device | str = "cpu") -> tuple[torch.Tensor, ...]:
    """The DIS flows a->b and b->a of two uint8 (H, W, 3) frames as (1, 2, H, W) tensors. The two
    directions run at once (OpenCV releases the GIL; DIS is mostly serial), 1.2-1.3x faster on 2 cores."""
    pending = [_FLOW_THREADS.submit(dis_flow, x, y) for x, y in ((a, b), (b, a))]
    return tuple(torch.from_numpy(f.result()).permute(2, 0, 1)[None].to(device) for f in pending)


def to_frame(x: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).to(device).permute(2, 0, 1)[None].float() / 255.0


def to_uint8(x: torch.Tensor) -> np.ndarray:
    return (x[0].clamp(0, 1) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def tiles(height: int, width: int, tile: int, overlap: int, align: int) -> list[tuple[int, int, int, int]]:
    """(y0, x0, h, w) tiles covering the frame, corners on multiples of ``align``, overlapping by about
    ``overlap``; one tile when the frame fits."""

    def starts(size: int) -> list[int]:
        if size <= tile:
            return [0]
        step = max(align, (tile - overlap) // align * align)
        out = list(range(0, size - tile, step)) + [max(0, (size - tile) // align * align)]
        return sorted(set(out))

    return [
        (y, x, min(tile, height - y), min(tile, width - x)) for y in starts(height) for x in starts(width)
    ]


@dataclass
class Pair:
    """Two frames ready to interpolate between: on the device, with their DIS flows (computed once, used
    for every t and by every model asked about this pair)."""

    a: np.ndarray
    b: np.ndarray
    ta: torch.Tensor
    tb: torch.Tensor
    fa: torch.Tensor
    fb: torch.Tensor


def pair(a: np.ndarray, b: np.ndarray, device: torch.device | str = "cpu") -> Pair:
    fa, fb = flows(a, b, device)
    return Pair(a, b, to_frame(a, device), to_frame(b, device), fa, fb)


@torch.no_grad()
def between(model: FlowInterpolator | None, p: Pair, t: float, tile: int | None = None) -> np.ndarray:
    """The uint8 frame at ``t`` of a :class:`Pair`. ``model`` None: the classical interpolation. ``tile``:
    force tiles of this size (default: tiles only past MAX_PIXELS)."""
    if t <= 0.0:
        return p.a.copy()
    if t >= 1.0:
        return p.b.copy()
    if model is None:
        return to_uint8(classical(p.ta, p.tb, p.fa, p.fb, t))
    model.eval()
    height, width = p.a.shape[:2]
    if tile is None and height * width <= MAX_PIXELS:
        return to_uint8(model(p.ta, p.tb, p.fa, p.fb, t))
    size = tile or TILE
    align = max(model.cfg.scales)
    out = torch.zeros((1, 3, height, width), device=p.ta.device)
    total = torch.zeros((1, 1, height, width), device=p.ta.device)
    for y0, x0, h, w in tiles(height, width, size, OVERLAP, align):
        crop = (..., slice(y0, y0 + h), slice(x0, x0 + w))
        part = model(p.ta, p.tb, p.fa[crop], p.fb[crop], t, (y0, x0))
        weight = _feather(h, w, OVERLAP, y0 > 0, x0 > 0, y0 + h < height, x0 + w < width, p.ta.device)
        out[crop] += part * weight
        total[crop] += weight
    return to_uint8(out / total)


def interpolate(
    model: FlowInterpolator | None,
    a: np.ndarray,
    b: np.ndarray,
    t: float,
    device: torch.device | str = "cpu",
    tile: int | None = None,
) -> np.ndarray:
    """The uint8 frame at ``t`` between uint8 frames ``a`` and ``b`` (H, W, 3): :func:`between` of one
    :func:`pair` (several t, or several models, on one pair: build the pair once)."""
    if t <= 0.0 or t >= 1.0:
        return (a if t <= 0.0 else b).copy()
    return between(model, pair(a, b, device), t, tile)


def _feather(h, w, overlap, top, left, bottom, right, device) -> torch.Tensor:
    """(1, 1, h, w) weights ramping up over ``overlap`` px on the sides that overlap a neighbour."""

    def ramp(n: int, start: bool, end: bool) -> torch.Tensor:
        r = torch.ones(n, device=device)
        k = min(overlap, n // 2)
        edge = (torch.arange(k, device=device, dtype=torch.float32) + 0.5) / k
        if start and k:
            r[:k] = edge
        if end and k:
            r[n - k :] = edge.flip(0)
        return r

    return (ramp(h, top, bottom)[:, None] * ramp(w, left, right)[None, :])[None, None]
