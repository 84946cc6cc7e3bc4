"""Pixels from attention: overlapping feathered patches, so no block seams.

Every patch p pastes a 2s x 2s window centred on itself (hop s, so each pixel is covered by 4 windows). The
window's pixels are, per clip i, the clip's chosen candidate (frame delta, offset: whole patches) weighted by
the clip's mass at p; the clips' windows are summed, multiplied by a raised-cosine feather and overlap-added.
The feather sin^2(pi (u + 1/2) / 2s) sums to exactly 1 over the 4 windows covering a pixel (sin^2 + cos^2),
and the sum is divided by the summed feather anyway, which makes the frame border exact too. Hence:

- one clip, offset 0 everywhere -> the clip itself, bit for bit (up to float rounding);
- radius 0, window 0 -> sum_i mass_i * clip_i, which is the crossfade when the masses are the importances;
- where clip i's mass is 1 on all 4 covering patches, the pixel is clip i's pixel: the record explains it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


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
    # replicate padding as a clamped gather: stays uint8 (F.pad's replicate mode wants float)
    ys = torch.arange(-patch, (h + 1) * patch, device=frames.device).clamp_(0, height - 1)
    xs = torch.arange(-patch, (w + 1) * patch, device=frames.device).clamp_(0, width - 1)
    return x.index_select(2, ys).index_select(3, xs).contiguous()


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
        py = torch.arange(y0, y0 + rows, device=mass.device)[None, :, None]
        px = torch.arange(w, device=mass.device)[None, None, :]
        half = s // 2  # windows start s/2 before their patch; the padding adds s
        top = (py + offset[..., 0]) * s - half + s
        left = (px + offset[..., 1]) * s - half + s
        frame = torch.arange(k, device=mass.device)[:, None, None] * t + delta
        picked = windows[frame, top, left]  # (K, rows, w, 3, 2s, 2s) uint8: the one gather of the step
        blended = torch.einsum("kpx,kp->px", picked.reshape(k, rows * w, -1).float(), mass.reshape(k, -1))
        cols = (blended.view(rows * w, c, 2 * s, 2 * s) * self.window).reshape(rows * w, -1).t()
        band = F.fold(cols[None], ((rows + 1) * s, (w + 1) * s), 2 * s, stride=s)[0]
        self.canvas[:, y0 * s : (y0 + rows + 1) * s] += band

    def finish(self) -> torch.Tensor:
        """(H, W, 3) uint8: the canvas divided by the summed feather, cropped to the frame."""
        half = self.patch // 2
        out = (self.canvas / self.norm)[:, half : half + self.height, half : half + self.width]
        return out.round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0)
