"""Guide mode of the final quality: the guide's structure, made of the sources' pixels (EbSynth-like).

Every output pixel p holds a correspondence (clip k, source position s) found PatchMatch-style over a
pyramid (1/4, 1/2, full size): candidates come from the coarser level, from the previous frame's field carried
along the guide's motion, from the neighbours (propagation at distances 1, 2 and 4), from random search in
shrinking windows, and from the other clips at the same position. A candidate's energy is

    w_g |Dg(p) - Ds_k(s)|^2            structure: local luma layout and gradients, normalised per frame
  + w_a |A(p) - As_k(s)|^2             appearance against the current output (the previous output carried
                                       forward on the first pass): coherence, temporal steadiness
  + usage                              uniformity: a source area already used by many pixels costs more
  - T log w_k                          importance
  + prior |s - p|^2                    stay near the same place (within ``RADIUS``)

and the output is a dense vote: every pixel averages the colours its 3x3 neighbours' correspondences put
there, weighted by exp(-energy / T) (the attention weights, recorded per clip), search and vote iterated.
Descriptors (a few blurred channels per pixel) stand for 5x5 patches, so one gather evaluates a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from studio.engine.pins import hold_shares
from studio.engine.seamless.motion import warp
from studio.engine.seamless.regions import blur, luma, resize

RADIUS = 32  # search window at full size, px (a correspondence stays within it of its own position)
LEVELS = ((4, 4), (2, 2), (1, 1))  # (downscale, search-vote iterations)
W_STRUCTURE, W_APPEARANCE = 1.0, 0.6
USAGE = 0.05  # energy per unit of over-use of a source area (its use / the fair use)
PRIOR = 0.02  # energy per (RADIUS px)^2 of displacement
STABLE = 0.08  # energy bonus for keeping the previous frame's correspondence (temporal steadiness)
VOTE_T = 0.05  # temperature of the vote's weights
SEED = 0


@dataclass
class Field:
    """Correspondences at one size: clip, row and column of the source pixel for each output pixel."""

    k: torch.Tensor  # (H, W) int64
    y: torch.Tensor  # (H, W) int64
    x: torch.Tensor  # (H, W) int64
    energy: torch.Tensor  # (H, W) float32

    def upsample(self, size: tuple[int, int], factor: int) -> Field:
        h, w = size
        ys = torch.arange(h, device=self.k.device) // factor
        xs = torch.arange(w, device=self.k.device) // factor
        ys, xs = ys.clamp(max=self.k.shape[0] - 1), xs.clamp(max=self.k.shape[1] - 1)
        pick = (ys[:, None], xs[None, :])
        oy = torch.arange(h, device=self.k.device)[:, None] % factor
        ox = torch.arange(w, device=self.k.device)[None, :] % factor
        # a coarse correspondence on the last row / column maps past an odd-sized finer level: clamp it
        y = (self.y[pick] * factor + oy).clamp(max=h - 1)
        x = (self.x[pick] * factor + ox).clamp(max=w - 1)
        return Field(self.k[pick], y, x, self.energy[pick])


def descriptors(rgb: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) in [0, 1] -> (N, 6, H, W) structure: normalised luma and its gradients, two scales."""
    y = luma(rgb)
    m = valid[:, None].float()
    count = m.sum((2, 3), keepdim=True).clamp(min=1)
    mean = (y * m).sum((2, 3), keepdim=True) / count
    std = (((y - mean) ** 2 * m).sum((2, 3), keepdim=True) / count).sqrt().clamp(min=0.02)
    y = (y - mean) / std * 0.25  # the structure, not the brightness: a dark guide can steer bright clips
    out = []
    for sigma in (1.0, 2.5):
        b = blur(y, sigma)
        gy = F.pad(b[..., 2:, :] - b[..., :-2, :], (0, 0, 1, 1), mode="replicate")
        gx = F.pad(b[..., :, 2:] - b[..., :, :-2], (1, 1, 0, 0), mode="replicate")
        out += [b, gx * 2.0, gy * 2.0]
    return torch.cat(out, 1)


class Level:
    """The sources and the guide at one pyramid size, flattened for gathers."""

    def __init__(
        self,
        src: torch.Tensor,
        valid: torch.Tensor,
        guide: torch.Tensor,
        target: torch.Tensor | None,
        prior: torch.Tensor | None = None,
    ):
        self.k, _, self.h, self.w = src.shape
        self.prior = prior  # (K, h, w) the painted masks' logits at this size, or None
        self.rgb = src  # (K, 3, h, w)
        self.valid = valid  # (K, h, w) bool
        self.src_desc = descriptors(src, valid)  # (K, 6, h, w)
        self.guide_desc = descriptors(guide[None], torch.ones_like(valid[:1]))[0]  # (6, h, w)
        self.src_app = blur(src, 1.0)
        self.target = target  # (3, h, w) appearance target or None
        # rows of (pixel, channels): one gather of contiguous rows per candidate
        self.flat_desc = self.src_desc.permute(0, 2, 3, 1).reshape(-1, self.src_desc.shape[1]).contiguous()
        self.flat_app = self.src_app.permute(0, 2, 3, 1).reshape(-1, 3).contiguous()
        self.flat_rgb = src.permute(0, 2, 3, 1).reshape(-1, 3).contiguous()
        self.guide_rows = self.guide_desc.permute(1, 2, 0).reshape(-1, self.guide_desc.shape[0])
        self.target_rows = None if target is None else target.permute(1, 2, 0).reshape(-1, 3)
        self.usage = torch.zeros((self.k, self.h, self.w), device=src.device)
        ys, xs = torch.meshgrid(
            torch.arange(self.h, device=src.device), torch.arange(self.w, device=src.device), indexing="ij"
        )
        self.py, self.px = ys, xs

    def set_target(self, target: torch.Tensor) -> None:
        self.target = target
        self.target_rows = target.permute(1, 2, 0).reshape(-1, 3)

    def index(self, k: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return (k * self.h + y) * self.w + x

    def clamp(self, k: torch.Tensor, y: torch.Tensor, x: torch.Tensor, radius: int):
        y = torch.minimum(torch.maximum(y, self.py - radius), self.py + radius).clamp(0, self.h - 1)
        x = torch.minimum(torch.maximum(x, self.px - radius), self.px + radius).clamp(0, self.w - 1)
        return k, y, x


def energy(
    lv: Level,
    k: torch.Tensor,
    y: torch.Tensor,
    x: torch.Tensor,
    log_w: torch.Tensor,
    radius: int,
    carried: Field | None,
) -> torch.Tensor:
    idx = lv.index(k, y, x).flatten()
    e = (lv.flat_desc[idx] - lv.guide_rows).square().sum(1).view(lv.h, lv.w) * W_STRUCTURE
    if lv.target_rows is not None:
        app = (lv.flat_app[idx] - lv.target_rows).square().sum(1).view(lv.h, lv.w)
        e = e + app * (W_APPEARANCE * 4.0)
    fair = lv.usage.mean().clamp(min=1e-6)
    e = e + USAGE * (lv.usage.flatten()[idx].view(lv.h, lv.w) / fair - 1.0).clamp(min=0)
    e = e - VOTE_T * log_w[k]
    if lv.prior is not None:  # painted masks: the candidate clip's logit at its output pixel
        e = e - VOTE_T * lv.prior.gather(0, k[None])[0]
    d2 = ((y - lv.py).square() + (x - lv.px).square()).float() / float(max(radius, 1) ** 2)
    e = e + PRIOR * d2
    invalid = ~lv.valid.flatten()[idx].view(lv.h, lv.w)
    e = e.masked_fill(invalid, 1e3)
    if carried is not None:
        same = (k == carried.k) & ((y - carried.y).abs() <= 1) & ((x - carried.x).abs() <= 1)
        e = e - STABLE * same.float()
    return e


def improve(f: Field, lv: Level, k, y, x, log_w, radius, carried) -> Field:
    k, y, x = lv.clamp(k, y, x, radius)
    e = energy(lv, k, y, x, log_w, radius, carried)
    better = e < f.energy
    return Field(
        torch.where(better, k, f.k),
        torch.where(better, y, f.y),
        torch.where(better, x, f.x),
        torch.where(better, e, f.energy),
    )


def search(
    f: Field, lv: Level, log_w, radius: int, carried: Field | None, gen: torch.Generator, fine: bool
) -> Field:
    """One PatchMatch pass: propagation (the neighbours' offsets), random search, clip switches. At full
    size (``fine``) the coarse levels have found the layout: short jumps and small windows only."""
    for step in (1,) if fine else (1, 2, 4):
        for dy, dx in ((0, step), (0, -step), (step, 0), (-step, 0)):
            # the neighbour at p + (dy, dx) maps to s'; the same offset at p is s' - (dy, dx)
            nk = _shift(f.k, dy, dx)
            f = improve(f, lv, nk, _shift(f.y, dy, dx) - dy, _shift(f.x, dy, dx) - dx, log_w, radius, carried)
    r = min(radius, 4) if fine else radius
    while r >= 1:
        jy = torch.randint(-r, r + 1, f.y.shape, generator=gen, device="cpu").to(f.y.device)
        jx = torch.randint(-r, r + 1, f.x.shape, generator=gen, device="cpu").to(f.x.device)
        f = improve(f, lv, f.k, f.y + jy, f.x + jx, log_w, radius, carried)
        r //= 2
    for shift in range(1, lv.k):
        f = improve(f, lv, (f.k + shift) % lv.k, f.y, f.x, log_w, radius, carried)
    return f


def _shift(t: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """t sampled at p + (dy, dx), edges replicated."""
    h, w = t.shape
    ys = (torch.arange(h, device=t.device) + dy).clamp(0, h - 1)
    xs = (torch.arange(w, device=t.device) + dx).clamp(0, w - 1)
    return t[ys[:, None], xs[None, :]]


def vote(f: Field, lv: Level, by_clip: list[torch.Tensor] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Dense voting over 3x3 neighbourhoods: (3, h, w) colours and (K, h, w) clip weights (sum 1).
    ``by_clip``: a list that receives the unnormalised (K, 3, h, w) colour and (K, h, w) weight sums per
    clip (so the clips' weights can be rescaled afterwards, see :func:`hold_votes`)."""
    colour = torch.zeros((3, lv.h, lv.w), device=lv.rgb.device)
    colours = torch.zeros((lv.k, 3, lv.h, lv.w), device=lv.rgb.device) if by_clip is not None else None
    clip = torch.zeros((lv.k, lv.h, lv.w), device=lv.rgb.device)
    total = torch.zeros((lv.h, lv.w), device=lv.rgb.device)
    best = f.energy.min()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            # neighbour q = p + (dy, dx) says: at p, put the pixel at s(q) - (dy, dx)
            k, y, x = _shift(f.k, dy, dx), _shift(f.y, dy, dx) - dy, _shift(f.x, dy, dx) - dx
            k, y, x = lv.clamp(k, y, x, lv.h + lv.w)
            weight = torch.exp(-(_shift(f.energy, dy, dx) - best) / VOTE_T).clamp(min=1e-12)
            idx = lv.index(k, y, x).flatten()
            voted = lv.flat_rgb[idx].view(lv.h, lv.w, 3).permute(2, 0, 1) * weight
            colour += voted
            if colours is not None:
                colours.scatter_add_(0, k[None, None].expand(1, 3, -1, -1), voted[None])
            clip.scatter_add_(0, k[None], weight[None])
            total += weight
    lv.usage.zero_()
    lv.usage.view(-1).scatter_add_(
        0, lv.index(f.k, f.y, f.x).flatten(), torch.ones(f.k.numel(), device=lv.rgb.device)
    )
    lv.usage.copy_(F.avg_pool2d(lv.usage[:, None], 9, 1, 4, count_include_pad=False)[:, 0])
    if by_clip is not None:
        by_clip[:] = [colours, clip]
    return colour / total, clip / total


def hold_votes(
    colours: torch.Tensor, clip: torch.Tensor, bounds: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """The vote with each clip's votes scaled by the factor that holds its share within the pins' bounds
    (``studio.engine.pins``): (3, h, w) output and (K, h, w) clip weights, the pixels made of exactly those
    weights. A clip gets weight only where a correspondence names it, so a min pin may fall short here."""
    logits = torch.log(clip)  # -inf where no correspondence names the clip
    weights = torch.softmax(logits + hold_shares(logits, bounds)[:, None, None], 0)
    mean = colours / clip.clamp(min=1e-30)[:, None]  # each clip's voted colour
    return torch.einsum("khw,kchw->chw", weights, mean), weights


def synthesize(
    rgb: torch.Tensor,
    valid: torch.Tensor,
    guide: torch.Tensor,
    weights: torch.Tensor,
    previous_output: torch.Tensor | None,
    previous_field: Field | None,
    guide_flow: torch.Tensor | None,
    seed: int = SEED,
    bounds: np.ndarray | None = None,
    shown: list[torch.Tensor] | None = None,
    prior: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, Field]:
    """(3, H, W) output in [0, 1], (K, H, W) clip weights, and the full-size field (for the next frame).
    ``bounds`` (K, 2): the pins acting on this frame, held on the last vote (:func:`hold_votes`): that
    output and its weights go into ``shown`` when given (what is returned stays the frame without them,
    for the next frame's state), else they are returned. ``prior`` (K, H, W): the painted masks' logits
    (``studio.engine.mask_prior``), in the correspondences' energy like the importance: a "never" region's
    candidates from its clip cost ~50 (the others ~1), a "must" region's gain 5; so the field, and the next
    frame's state, keep them."""
    k, _, height, width = rgb.shape
    log_w = torch.log(weights.clamp(min=1e-12))
    gen = torch.Generator().manual_seed(seed)
    carried_full = None
    target_full = None
    if previous_output is not None and guide_flow is not None:
        target_full = warp(previous_output[None], guide_flow[None])[0]
        if previous_field is not None:
            carried_full = _carry(previous_field, guide_flow)
    f: Field | None = None
    out = clip = None
    for down, iterations in LEVELS:
        size = (max(1, -(-height // down)), max(1, -(-width // down)))
        target = resize(target_full[None], size)[0] if target_full is not None else None
        lv = Level(
            resize(rgb, size),
            resize(valid[:, None].float(), size)[:, 0] > 0.5,
            resize(guide[None], size)[0],
            target,
            None if prior is None else resize(prior[:, None], size)[:, 0],
        )
        radius = max(1, RADIUS // down)
        carried = _scaled(carried_full, size, down) if carried_full is not None else None
        f = _initial(lv, carried) if f is None else f.upsample(size, 2)
        f.energy = energy(lv, f.k, f.y, f.x, log_w, radius, carried)
        for i in range(iterations):
            f = search(f, lv, log_w, radius, carried, gen, fine=down == 1)
            last = down == LEVELS[-1][0] and i == iterations - 1
            by_clip: list[torch.Tensor] | None = [] if last and bounds is not None else None
            out, clip = vote(f, lv, by_clip)
            if by_clip:
                held = hold_votes(*by_clip, bounds)
                if shown is None:
                    out, clip = held
                else:
                    shown[:] = held
            lv.set_target(out if target is None else 0.5 * (out + target))
            f.energy = energy(lv, f.k, f.y, f.x, log_w, radius, carried)
    assert out is not None and clip is not None and f is not None
    return out, clip, f


def _initial(lv: Level, carried: Field | None) -> Field:
    if carried is not None:
        return Field(
            carried.k.clone(), carried.y.clone(), carried.x.clone(), torch.zeros_like(carried.y).float()
        )
    zeros = torch.zeros((lv.h, lv.w), dtype=torch.int64, device=lv.rgb.device)
    return Field(zeros, lv.py.clone(), lv.px.clone(), zeros.float())


def _carry(f: Field, flow: torch.Tensor) -> Field:
    """The previous field at p + flow(p) (nearest), keeping its offsets: it follows the guide's motion."""
    h, w = f.k.shape
    ys = torch.arange(h, device=f.k.device)[:, None]
    xs = torch.arange(w, device=f.k.device)[None, :]
    sy = (ys + flow[..., 1].round().long()).clamp(0, h - 1)
    sx = (xs + flow[..., 0].round().long()).clamp(0, w - 1)
    k = f.k[sy, sx]
    y = (f.y[sy, sx] - (sy - ys)).clamp(0, h - 1)
    x = (f.x[sy, sx] - (sx - xs)).clamp(0, w - 1)
    return Field(k, y, x, f.energy[sy, sx])


def _scaled(f: Field, size: tuple[int, int], down: int) -> Field:
    if down == 1:
        return f
    sl = (slice(0, None, down), slice(0, None, down))
    k, y, x = (
        f.k[sl][: size[0], : size[1]],
        f.y[sl][: size[0], : size[1]] // down,
        f.x[sl][: size[0], : size[1]] // down,
    )
    return Field(k, y.clamp(max=size[0] - 1), x.clamp(max=size[1] - 1), f.energy[sl][: size[0], : size[1]])
