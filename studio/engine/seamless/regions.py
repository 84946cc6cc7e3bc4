"""Free mode of the final quality: which clip owns each output pixel, with borders that follow the picture.

Attention over clips, per pixel. Clip a's logit at pixel p is

    E_a(p) = scale * (content_a(p) + temporal_a(p) + carry_a(p) - seams_a(p)) + log w_a + bias_a

- content: how much structure clip a has around p against the others (log ratio of blurred gradient energy):
  on the first frame, clips take the places where they have something to show;
- temporal (the feature distance of the attention): the patch distance between clip a at p and the previous
  *output* frame carried forward along clip a's own motion. Low where clip a was shown a frame ago, so
  regions move with their content instead of popping;
- carry: the previous frame's weights, carried the same way (keeps the layout where sources look alike);
- seams: a minimum-error-boundary Potts term solved by mean-field iterations, coarse to fine (1/16 ... full
  size, each level starting from the coarser one's layout). Two neighbours owned by different clips a, b
  cost lambda0 + |S_a - S_b|: a border is cheap where the two clips agree, so it runs along the content the
  two share (a sky into a sky, a dark into a dark) and hides. Borders were also made cheap along edges of
  either clip at first; that made the warp error worse (W 1.29 against 1.18 on pan + zoom): a border on an
  edge moves with one side while the other side's texture slides under it, which reads as popping;
- log w + bias: importance, and the per-clip bias that makes the frame's shares follow it (``balance``),
  plus, where pins act, the bias that holds the pinned shares exactly (``studio.engine.pins``);
- scale = 0.1 / temperature: a huge temperature leaves only the importance, i.e. the exact crossfade.

Padding (a ``fit`` letterbox) is never a key: a clip gets no weight outside its real pixels while any other
clip has one there. The weights that come out are what the pixels use: out = sum_a W_a * S_a.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from studio.engine.pins import hold_shares
from studio.engine.seamless.motion import warp

CONTENT = 0.3  # weight of the structure term (log ratio of detail): a first layout, not a cutter
CONTENT_SCALE = 32.0  # the structure term is blurred over (frame width / this): regions, not details
DETAIL_FLOOR = 0.02  # gradient energy under this counts as flat: flat clips tie instead of exploding a ratio
TEMPORAL_SIGMA = 0.06  # RMS difference (of 1) that costs one logit against the carried-forward output
TEMPORAL_CAP = 12.0
CARRY = 3.0  # logits for having owned the pixel a frame ago
SEAM = 2.0  # lambda: weight of the seam term
SEAM_FLOOR = 6.0  # lambda0: every border costs, so regions stay compact (short borders pop least)
SEAM_UNIT = 0.1  # colour difference (RMS, of 1) that costs one unit across a border
SHARPEN = 3.0  # extra steepness of the final weights: narrow transitions, no double exposure
# (downscale, mean-field iterations, box radius), coarse to fine
LEVELS = ((16, 20, 2), (8, 6, 2), (4, 4, 2), (2, 3, 2), (1, 1, 1))
COARSE_PRIOR = 1.0  # weight of the coarser level's log-weights at the next: borders refine locally
BALANCE_TOLERANCE = 0.01
BALANCE_SAMPLES = 16384
# Shares are balanced where the picture is looked at: the outer 15% of each side does not count, so a clip
# is not "present" by owning the frame's rim while another fills its centre.
BALANCE_MARGIN = 0.15
INVALID = -1e4
MASK_ITERATIONS, MASK_REACH = 4, 4  # painted masks: extra full-size iterations, and how far (px) they act


@dataclass
class RegionResult:
    weights: torch.Tensor  # (K, H, W) float32, sums to 1 over K: the clips' attention per pixel
    carry: torch.Tensor  # (K, H/2, W/2): the weights at half size, for the next frame's carry term
    bias: torch.Tensor  # (K,): the balance bias used
    # (K, H, W): the weights to show: ``weights`` with the pins held (``weights`` itself, and what the next
    # frame carries, are the layout without them, so a pin changes no frame past its ramp)
    shown: torch.Tensor | None = None


def luma(rgb: torch.Tensor) -> torch.Tensor:
    """(K, 3, H, W) -> (K, 1, H, W)"""
    return rgb[:, 0:1] * 0.299 + rgb[:, 1:2] * 0.587 + rgb[:, 2:3] * 0.114


def gradient(rgb: torch.Tensor) -> torch.Tensor:
    """(K, 1, H, W) luma gradient magnitude (central differences, borders replicated)."""
    y = F.pad(luma(rgb), (1, 1, 1, 1), mode="replicate")
    gx = (y[..., 1:-1, 2:] - y[..., 1:-1, :-2]) * 0.5
    gy = (y[..., 2:, 1:-1] - y[..., :-2, 1:-1]) * 0.5
    return (gx.square() + gy.square()).sqrt()


def box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, borders replicated (N, C, H, W)."""
    if radius <= 0:
        return x
    n = 2 * radius + 1
    if x.device.type == "cpu":  # OpenCV's SIMD box filter: 12x torch's CPU avg_pool2d on 320x180 maps
        return _per_map(x, lambda m: cv2.blur(m, (n, n), borderType=cv2.BORDER_REPLICATE))
    return F.avg_pool2d(F.pad(x, (radius,) * 4, mode="replicate"), n, 1)


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of (N, C, H, W), borders replicated."""
    r = max(1, int(3 * sigma))
    if x.device.type == "cpu":
        size = 2 * r + 1
        edge = cv2.BORDER_REPLICATE
        return _per_map(x, lambda m: cv2.GaussianBlur(m, (size, size), sigma, borderType=edge))
    t = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (r, r, 0, 0), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1).contiguous(), groups=c)
    x = F.pad(x, (0, 0, r, r), mode="replicate")
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1).contiguous(), groups=c)


def _per_map(x: torch.Tensor, f: Callable[[np.ndarray], np.ndarray]) -> torch.Tensor:
    """Apply an OpenCV filter to every (H, W) map of a CPU float32 tensor."""
    maps = x.detach().float().contiguous().numpy().reshape(-1, *x.shape[-2:])
    return torch.from_numpy(np.stack([f(m) for m in maps]).reshape(x.shape))


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, C, h, w) to (H, W): area when shrinking, bilinear when enlarging."""
    if tuple(x.shape[-2:]) == size:
        return x
    if size[0] < x.shape[-2]:
        return F.interpolate(x, size=size, mode="area")
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def seam_costs(rgb: torch.Tensor) -> torch.Tensor:
    """(K, K, H, W): the cost of a border between clips a and b at each pixel (0 on the diagonal): the
    minimum-error boundary's cost, lambda0 + their RMS colour difference there. Symmetric: each pair once."""
    k = rgb.shape[0]
    cost = torch.zeros((k, k, *rgb.shape[-2:]), device=rgb.device)
    for a in range(k):
        for b in range(a + 1, k):
            pair = (rgb[a] - rgb[b]).square().mean(0).sqrt_().mul_(1.0 / SEAM_UNIT).add_(SEAM_FLOOR)
            cost[a, b] = pair
            cost[b, a] = pair
    return cost


def seam_message(q: torch.Tensor, cost: torch.Tensor, radius: int) -> torch.Tensor:
    """(K, H, W): for each clip a, the expected border cost with the neighbourhood's current owners,
    half on each side of the border (cost at p and at the neighbour q)."""
    near = box(q[None], radius)[0]  # (K, H, W): owners around p
    here = torch.einsum("abhw,bhw->ahw", cost, near)
    there = box(torch.einsum("abhw,bhw->ahw", cost, q)[None], radius)[0]
    return 0.5 * (here + there)


def balance_bias(
    logits: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor, strength: float, rounds: int = 2
) -> torch.Tensor:
    """Per-clip bias so that each clip's share of the pixels it wins is its importance share.

    Each clip in turn gets the bias that puts the (1 - w_i) quantile of its margin over the best other
    clip at 0; a clip whose soft share is already within tolerance is left alone (the crossfade stays exact).
    """
    live = torch.nonzero(weights > 0).flatten().tolist()
    if strength <= 0 or len(live) < 2:
        return bias
    h, w = logits.shape[-2:]
    dy, dx = round(h * BALANCE_MARGIN), round(w * BALANCE_MARGIN)
    flat = logits[:, dy : h - dy or None, dx : w - dx or None].flatten(1)
    if flat.shape[1] > BALANCE_SAMPLES:  # quantiles of a regular subsample: the same to a fraction of 1%
        flat = flat[:, :: flat.shape[1] // BALANCE_SAMPLES]
    bias = bias.clone()
    for _ in range(rounds):
        shares = torch.softmax(flat + bias[:, None], 0).mean(1)
        if float((shares - weights).abs().max()) < BALANCE_TOLERANCE:
            break  # every clip within tolerance (the crossfade limit stays exact)
        for i in live:
            biased = flat + bias[:, None]
            others = torch.cat([biased[:i], biased[i + 1 :]]).max(0).values
            margin = biased[i] - others
            bias[i] -= strength * torch.quantile(margin, float(1.0 - weights[i]))
    return bias


@dataclass
class Previous:
    """What the last frame left: its output and the clips' weights, carried to this frame per clip."""

    output: torch.Tensor  # (3, h, w) at half size
    carry: torch.Tensor  # (K, h, w): each clip's weight a frame ago, already warped along its motion
    flows: torch.Tensor  # (K, h, w, 2): each clip's backward flow at half size (0 for a clip that is new)


def unary(
    rgb_half: torch.Tensor, valid_half: torch.Tensor, previous: Previous | None, stability: float
) -> torch.Tensor:
    """(K, h, w) energies at half size, before the seam term, importance and scale."""
    detail = blur(gradient(rgb_half), sigma=max(2.0, rgb_half.shape[-1] / CONTENT_SCALE))[:, 0] * valid_half
    content = CONTENT * torch.log((detail + DETAIL_FLOOR) / (detail.mean(0, keepdim=True) + DETAIL_FLOOR))
    if previous is None or stability <= 0:
        return content
    k = rgb_half.shape[0]
    carried = warp(previous.output[None].expand(k, -1, -1, -1), previous.flows)  # (K, 3, h, w)
    dist = box((rgb_half - carried).square().mean(1, keepdim=True), 2)[:, 0]  # patch distance, 5x5
    temporal = (dist / TEMPORAL_SIGMA**2).clamp(max=TEMPORAL_CAP)
    weight = stability / 0.5  # the project's stability (0.5 default) scales the whole temporal side
    return content + weight * (CARRY * previous.carry - temporal)


def _pyramid(rgb: torch.Tensor, downs: list[int]) -> dict[int, torch.Tensor]:
    """The frames at each downscale, each level area-resized from the next finer one (not from full size)."""
    height, width = rgb.shape[-2:]
    levels, current = {}, rgb
    for down in sorted(downs):
        size = (max(1, -(-height // down)), max(1, -(-width // down)))
        current = resize(current, size)
        levels[down] = current
    return levels


def masked_logits(
    base: torch.Tensor,
    masks: torch.Tensor,
    layout: torch.Tensor,
    cost: torch.Tensor,
    radius: int,
    bias: torch.Tensor,
) -> torch.Tensor:
    """The full-size logits with the painted masks' bias: from the layout the free solution's last
    iteration started from, a few more iterations let borders settle along the seam term near the masks.
    Only pixels within ``MASK_REACH`` of a mask may change, and the balance is not redone, so the frame
    beyond (reach + the seam term's radius) is exactly the free one: no mask moves anything far away."""
    touched = (masks.abs().amax(0) > 0).float()[None, None]
    near = box(touched, MASK_REACH)[0, 0] > 0
    q = layout
    for _ in range(MASK_ITERATIONS):
        logits = base + masks - seam_message(q, cost, radius)
        q = torch.where(near, torch.softmax(logits + bias[:, None, None], 0), layout)
    return logits


def solve(
    rgb: torch.Tensor,
    valid: torch.Tensor,
    weights: torch.Tensor,
    energy_half: torch.Tensor,
    *,
    temperature: float,
    balance: float,
    bias: torch.Tensor | None = None,
    bounds: np.ndarray | None = None,
    masks: torch.Tensor | None = None,
) -> RegionResult:
    """Mean-field over the pyramid; ``rgb`` (K, 3, H, W) in [0, 1], ``valid`` (K, H, W) bool,
    ``energy_half`` from :func:`unary`. Returns the per-pixel weights at full size. ``bounds`` (K, 2): the
    pins acting on this frame, held exactly on the shown weights (their mean over the pixels: the record's
    share) by one more bias per pinned clip (``studio.engine.pins``); the returned ``bias``, weights and
    carry are the frame's without them.
    ``masks`` (K, H, W): the painted masks' logits (``studio.engine.mask_prior``), worked in at full size
    from the free layout (:func:`masked_logits`): only ``shown`` has them, the carry is the free layout's."""
    k, _, height, width = rgb.shape
    scale = 0.1 / temperature
    log_w = torch.log(weights.clamp(min=1e-12)).masked_fill(weights <= 0, INVALID)[:, None, None]
    bias = torch.zeros(k, device=rgb.device) if bias is None else bias.clone()
    any_valid = valid.any(0, keepdim=True)
    q = None
    pyramid = _pyramid(rgb, [d for d, _, _ in LEVELS])
    for level, (down, iterations, radius) in enumerate(LEVELS):
        size = (max(1, -(-height // down)), max(1, -(-width // down)))
        rgb_l = pyramid[down]
        cost = seam_costs(rgb_l) * (SEAM * scale)
        base = resize(energy_half[None], size)[0] * scale + log_w
        ok = resize(valid[None].float(), size)[0] > 0.5
        ok |= ~(resize(any_valid[None].float(), size)[0] > 0.5)  # nothing real here: every clip may serve
        base = base.masked_fill(~ok, INVALID)
        if q is None:
            q = torch.softmax(base + bias[:, None, None], 0)
        else:  # the coarse layout stays; only its borders move, toward edges and agreement
            q = resize(q[None], size)[0]
            # what the coarse level found beyond the importance prior (0 in the crossfade limit)
            prior = torch.log_softmax(log_w + bias[:, None, None], 0)
            base = base + COARSE_PRIOR * (torch.log(q.clamp(min=1e-6)) - prior)
        for i in range(iterations):
            layout = q  # what this iteration's logits come from (the masks start from the last one's)
            logits = base - seam_message(q, cost, radius)
            if i == 0 or level == 0:  # the smoothing moves borders: re-balance as it goes
                bias = balance_bias(logits, weights, bias, balance)
            q = torch.softmax(logits + bias[:, None, None], 0)
        if level == len(LEVELS) - 1:
            sharp = 1.0 + SHARPEN * scale / (scale + 0.1)  # -> 1 with the temperature: the crossfade
            final_logits = (logits + bias[:, None, None]) * sharp
            final = torch.softmax(final_logits, 0)
            half = resize(final[None], (max(1, -(-height // 2)), max(1, -(-width // 2))))[0]
            shown = final
            if masks is not None:  # painted masks on what is shown; the carry stays the free layout's
                final_logits = (
                    masked_logits(base, masks, layout, cost, radius, bias) + bias[:, None, None]
                ) * sharp
                shown = torch.softmax(final_logits, 0)
            if bounds is not None:  # the pins held on what is shown; the carry stays the unpinned layout's
                held = hold_shares(final_logits, bounds)
                shown = torch.softmax(final_logits + held[:, None, None], 0)
            return RegionResult(weights=final, carry=half, bias=bias, shown=shown)
    raise AssertionError("unreachable")
