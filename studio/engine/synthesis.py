"""Pixels from attention: overlapping feathered patches, so no block seams.

Every patch p pastes a 2s x 2s window centred on itself (hop s, so each pixel is covered by 4 windows):
its clips' chosen candidates (frame delta, offset in whole patches), each weighted by the clip's mass at p,
times a raised-cosine feather, overlap-added. The feather sin^2(pi (u + 1/2) / 2s) sums to exactly 1 over
the 4 windows covering a pixel (sin^2 + cos^2), and the sum is divided by the summed feather anyway, which
makes the frame border exact too. Hence:

- one clip, offset 0 everywhere -> the clip itself, bit for bit (up to float rounding);
- radius 0, window 0 -> sum_i mass_i * clip_i, which is the crossfade when the masses are the importances
  (a clip whose mass at a patch is below MIN_MASS is skipped there and the rest renormalised: < 0.5 grey);
- where clip i's mass is 1 on all 4 covering patches, the pixel is clip i's pixel: the record explains it.

Everything is done in *block layout*: frames cut into s x s blocks on a grid that starts s/2 before the
frame, so a window is exactly 2 x 2 blocks, the gather is one ``index_select`` of contiguous rows, and the
overlap-add is four shifted block additions (``F.fold`` and per-pixel gathers were ~10x slower on the CPU).
"""

from __future__ import annotations

import math

import cv2
import torch
import torch.nn.functional as F

MIN_MASS = 1.0 / 512.0  # a clip with less mass than this at a patch is not pasted there


def feather(patch: int, device: torch.device) -> torch.Tensor:
    """(2, 2, s, s, 1) float32 raised-cosine window in block layout; shifted copies at hop s sum to 1."""
    u = torch.arange(2 * patch, dtype=torch.float32, device=device)
    ramp = torch.sin(math.pi * (u + 0.5) / (2 * patch)).square()
    window = ramp[:, None] * ramp[None, :]  # (2s, 2s)
    return window.view(2, patch, 2, patch).permute(0, 2, 1, 3)[..., None].contiguous()


def source_blocks(frames: torch.Tensor, patch: int, h: int, w: int) -> torch.Tensor:
    """(K, T, H, W, 3) uint8 -> (K*T*(h+1)*(w+1), s*s*3) uint8: every frame cut into s x s blocks.

    The block grid starts s/2 before the frame (where patch 0's window starts), so every candidate's window
    is exactly 2 x 2 blocks and the gather is one ``index_select`` of contiguous rows (a per-pixel gather
    is ~50x slower on the CPU). The frame is padded to the grid with its edge pixels repeated.
    """
    k, t, height, width, _ = frames.shape
    top = patch // 2
    bottom, right = (h + 1) * patch - height - top, (w + 1) * patch - width - top
    x = F.pad(frames.reshape(k * t, height, width, 3), (0, 0, top, right, top, bottom))
    x[:, :top] = x[:, top : top + 1]
    x[:, top + height :] = x[:, top + height - 1 : top + height]
    x[:, :, :top] = x[:, :, top : top + 1]
    x[:, :, top + width :] = x[:, :, top + width - 1 : top + width]
    blocks = x.view(k * t, h + 1, patch, w + 1, patch, 3).permute(0, 1, 3, 2, 4, 5)
    return blocks.reshape(-1, patch * patch * 3)


def cut_blocks(frame: torch.Tensor, patch: int, h: int, w: int, out: torch.Tensor) -> None:
    """One (H, W, 3) uint8 frame into ``out`` ((h+1)*(w+1), s*s*3), as ``source_blocks`` cuts it.

    On the CPU the edge padding is OpenCV's (one SIMD pass) and the block order one copy into ``out``.
    """
    if frame.device.type != "cpu":
        out.copy_(source_blocks(frame[None, None], patch, h, w))
        return
    height, width, _ = frame.shape
    top = patch // 2
    bottom, right = (h + 1) * patch - height - top, (w + 1) * patch - width - top
    padded = cv2.copyMakeBorder(frame.numpy(), top, bottom, top, right, cv2.BORDER_REPLICATE)
    image = torch.from_numpy(padded).view(h + 1, patch, w + 1, patch, 3)
    out.view(h + 1, w + 1, patch, patch, 3).copy_(image.permute(0, 2, 1, 3, 4))


class FeatherCanvas:
    """Accumulates bands of pasted windows in block layout and returns the finished (H, W, 3) uint8 frame."""

    def __init__(
        self,
        patch: int,
        h: int,
        w: int,
        height: int,
        width: int,
        device: torch.device,
        norms: dict[tuple[int, ...], torch.Tensor],  # the owner's cache of summed feathers, by geometry
    ) -> None:
        self.patch, self.h, self.w, self.height, self.width = patch, h, w, height, width
        self.window = feather(patch, device)
        # the feather per colour channel, flat: a contiguous multiplier vectorises, a broadcast over 3 not
        self.window_rgb = self.window.expand(2, 2, patch, patch, 3).reshape(-1)
        self.canvas = torch.zeros((h + 1, w + 1, patch, patch, 3), device=device)
        key = (patch, h, w)
        if key not in norms:  # the summed feather: 1 inside, less at the border; the same every frame
            norm = torch.zeros((h + 1, w + 1, patch, patch, 1), device=device)
            _overlap_add(norm, self.window.expand(h, w, 2, 2, patch, patch, 1))
            norms[key] = norm
        self.norm = norms[key]

    def paste(
        self,
        blocks: torch.Tensor,  # (N*(h+1)*(w+1), s*s*3) uint8: N frames from source_blocks
        frame_slot: torch.Tensor,  # (K, T) int64: which of the N frames is clip k's frame delta
        mass: torch.Tensor,  # (K, rows, w) float32
        delta: torch.Tensor,  # (K, rows, w) int64 frame index in 0..T-1
        offset: torch.Tensor,  # (K, rows, w, 2) int64 (dy, dx) in patches
        y0: int,
    ) -> None:
        s, h, w = self.patch, self.h, self.w
        k, rows, _ = mass.shape
        # Each patch pastes its heaviest clip's window (a dense layer: no scatter) plus, where regions meet,
        # the other clips whose mass reaches MIN_MASS; smaller masses are dropped and the rest renormalised
        # (< 1/2 grey level). Regions are mostly one clip, so this is ~1 window per patch instead of K.
        top = mass.argmax(0).view(-1)  # (rows*w,)
        kept = mass > MIN_MASS
        kept.view(k, -1)[top, torch.arange(rows * w, device=mass.device)] = False
        kk, yy, xx = torch.nonzero(kept, as_tuple=True)  # the extra (clip, patch) pairs, sorted by clip
        kk = torch.cat([top, kk])
        patch_index = torch.cat([torch.arange(rows * w, device=mass.device), yy * w + xx])
        yy, xx = patch_index // w, patch_index % w
        weight = mass[kk, yy, xx]
        total = torch.zeros(rows * w, device=mass.device).index_add_(0, patch_index, weight)
        weight = weight / total[patch_index]
        by = yy + y0 + offset[kk, yy, xx, 0]  # the window's top-left block
        bx = xx + offset[kk, yy, xx, 1]
        first = (frame_slot[kk, delta[kk, yy, xx]] * (h + 1) + by) * (w + 1) + bx
        corners = torch.tensor([0, 1, w + 1, w + 2], device=mass.device)
        picked = blocks.index_select(0, (first[:, None] + corners).reshape(-1))  # the one gather
        contrib = (
            picked.view(-1, self.window_rgb.numel()).float().mul_(self.window_rgb).mul_(weight[:, None])
        )  # (M, 2*2*s*s*3)
        contrib = contrib.view(-1, 2, 2, s, s, 3)  # (a mixed-dtype mul is slower)
        windows = contrib[: rows * w]
        extra = kk[rows * w :]
        # clip by clip, so no patch is added to twice in one call: deterministic on the GPU too (no atomics)
        bounds = (torch.searchsorted(extra, torch.arange(k + 1, device=kk.device)) + rows * w).tolist()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b > a:
                windows.index_add_(0, patch_index[a:b], contrib[a:b])
        _overlap_add(self.canvas[y0 : y0 + rows + 1], windows.view(rows, w, 2, 2, s, s, 3))

    def finish(self) -> torch.Tensor:
        """(H, W, 3) uint8: the canvas divided by the summed feather, cropped to the frame."""
        s, top = self.patch, self.patch // 2
        out = self.canvas.div_(self.norm).round_().clamp_(0, 255).to(torch.uint8)
        image = out.permute(0, 2, 1, 3, 4).reshape((self.h + 1) * s, (self.w + 1) * s, 3)
        return image[top : top + self.height, top : top + self.width]


def _overlap_add(canvas: torch.Tensor, windows: torch.Tensor) -> None:
    """Add (rows, w, 2, 2, s, s, C) windows into (rows+1, w+1, s, s, C) blocks: each quadrant to its block."""
    canvas[:-1, :-1] += windows[:, :, 0, 0]
    canvas[:-1, 1:] += windows[:, :, 0, 1]
    canvas[1:, :-1] += windows[:, :, 1, 0]
    canvas[1:, 1:] += windows[:, :, 1, 1]
