"""Pixels from attention: overlapping feathered patches, so no block seams.

Every patch p pastes a 2s x 2s window centred on itself (hop s, so each pixel is covered by 4 windows). The
window's pixels are, per clip i, the clip's chosen candidate (frame delta, offset: whole patches) weighted by
the clip's mass at p; the clips' windows are summed, multiplied by a raised-cosine feather and overlap-added.
The feather sin^2(pi (u + 1/2) / 2s) sums to exactly 1 over the 4 windows covering a pixel (sin^2 + cos^2),
and the sum is divided by the summed feather anyway, which makes the frame border exact too. Hence:

- one clip, offset 0 everywhere -> the clip itself, bit for bit (up to float rounding);
- radius 0, window 0 -> sum_i mass_i * clip_i, which is the crossfade when the masses are the importances
  (a clip whose mass at a patch is below MIN_MASS is skipped there and the rest renormalised: < 0.5 grey);
- where clip i's mass is 1 on all 4 covering patches, the pixel is clip i's pixel: the record explains it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MIN_MASS = 1.0 / 512.0  # a clip with less mass than this at a patch is not pasted there


def feather(patch: int, device: torch.device) -> torch.Tensor:
    """(2s, 2s) float32 raised-cosine window; shifted copies at hop s sum to 1."""
    u = torch.arange(2 * patch, dtype=torch.float32, device=device)
    ramp = torch.sin(math.pi * (u + 0.5) / (2 * patch)).square()
    return ramp[:, None] * ramp[None, :]


def pad_sources(frames: torch.Tensor, patch: int, h: int, w: int) -> torch.Tensor:
    """(K, T, H, W, 3) uint8 -> (K*T, 3, h*s + 2s, w*s + 2s) uint8, edge pixels repeated.

    A margin of one patch on each side holds every window of an in-grid candidate (windows reach s/2 out).
    """
    k, t, height, width, _ = frames.shape
    x = frames.reshape(k * t, height, width, 3).permute(0, 3, 1, 2)
    bottom, right = (h + 1) * patch - height, (w + 1) * patch - width
    # one copy into a zero-padded canvas, then the thin margins filled with the edge pixels (replicate
    # padding proper wants float, and a clamped index_select would copy the frames twice)
    out = F.pad(x, (patch, right, patch, bottom))
    out[:, :, :patch] = out[:, :, patch : patch + 1]
    out[:, :, patch + height :] = out[:, :, patch + height - 1 : patch + height]
    out[:, :, :, :patch] = out[:, :, :, patch : patch + 1]
    out[:, :, :, patch + width :] = out[:, :, :, patch + width - 1 : patch + width]
    return out


class FeatherCanvas:
    """Accumulates bands of pasted windows and returns the finished (H, W, 3) uint8 frame."""

    def __init__(self, patch: int, h: int, w: int, height: int, width: int, device: torch.device) -> None:
        self.patch, self.h, self.w, self.height, self.width = patch, h, w, height, width
        self.window = feather(patch, device)
        self.canvas = torch.zeros((3, (h + 1) * patch, (w + 1) * patch), device=device)
        ones = self.window.reshape(1, -1, 1).expand(1, -1, h * w)
        self.norm = F.fold(ones, self.canvas.shape[1:], 2 * patch, stride=patch)[0]  # (1, Hc, Wc)

    def paste(
        self,
        sources: torch.Tensor,  # (K*T, 3, Hp, Wp) uint8 from pad_sources
        t: int,
        mass: torch.Tensor,  # (K, rows, w) float32
        delta: torch.Tensor,  # (K, rows, w) int64 frame index in 0..T-1
        offset: torch.Tensor,  # (K, rows, w, 2) int64 (dy, dx) in patches
        y0: int,
    ) -> None:
        s, w = self.patch, self.w
        k, rows, _ = mass.shape
        kt, c, hp, wp = sources.shape
        # all 2s x 2s windows of every padded frame, as a view: (K*T, Hp-2s+1, Wp-2s+1, 3, 2s, 2s)
        st = sources.stride()
        windows = sources.as_strided(
            (kt, hp - 2 * s + 1, wp - 2 * s + 1, c, 2 * s, 2 * s), (st[0], st[2], st[3], st[1], st[2], st[3])
        )
        # only (clip, patch) pairs that carry weight: regions are mostly one clip, so this is ~1 window per
        # patch instead of K; the dropped mass (< MIN_MASS each) is renormalised away (< 1/2 grey level)
        kk, yy, xx = torch.nonzero(mass > MIN_MASS, as_tuple=True)
        weight = mass[kk, yy, xx]
        patch_index = yy * w + xx
        total = torch.zeros(rows * w, device=mass.device).index_add_(0, patch_index, weight)
        weight = weight / total[patch_index]
        top = (yy + y0 + offset[kk, yy, xx, 0]) * s - s // 2 + s  # windows start s/2 before their patch;
        left = (xx + offset[kk, yy, xx, 1]) * s - s // 2 + s  # the padding adds s
        picked = windows[kk * t + delta[kk, yy, xx], top, left]  # (M, 3, 2s, 2s) uint8: the one gather
        picked = picked.reshape(len(kk), -1)
        blended = torch.zeros((rows * w, c * 4 * s * s), device=mass.device)
        # clip by clip, so no patch is added to twice in one call: deterministic on the GPU too (no atomics)
        bounds = torch.searchsorted(kk, torch.arange(k + 1, device=kk.device)).tolist()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b > a:
                blended[patch_index[a:b]] += picked[a:b].float() * weight[a:b, None]
        cols = (blended.view(rows * w, c, 2 * s, 2 * s) * self.window).reshape(rows * w, -1).t()
        band = F.fold(cols[None], ((rows + 1) * s, (w + 1) * s), 2 * s, stride=s)[0]
        self.canvas[:, y0 * s : (y0 + rows + 1) * s] += band

    def finish(self) -> torch.Tensor:
        """(H, W, 3) uint8: the canvas divided by the summed feather, cropped to the frame."""
        half = self.patch // 2
        out = (self.canvas / self.norm)[:, half : half + self.height, half : half + self.width]
        return out.round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0)
