"""The attention step for one band of patch rows: energies -> logits -> per-clip mass and per-clip choice.

Candidates of patch p: every source clip i, every frame delta (T = 2*window+1 of them) and every spatial
offset o within the search radius (O = (2r+1)^2 of them, in whole patches). Energy (one unit: squared
feature distance)

    E = ||q_p - k_{i,d,p+o}||^2 + prior(d, o) - bonus * [o == offset chosen for clip i at the previous frame]
    logit = -E / temperature + log importance_i                       (-inf for candidates outside the frame)

and the attention weights are the softmax of the logits over all (i, d, o) of a patch.

Why not ``scaled_dot_product_attention``: -||q-k||^2 = 2 q.k - ||q||^2 - ||k||^2 is a dot product plus a
bias, but every patch has its *own* K*T*O keys (a sliding window), so SDPA would need the keys gathered per
patch (a K*T*O*D copy, ~100 MB for one 640x360 frame) and it cannot return the weights, which the record
needs.
Instead the energies are computed offset by offset on shifted views (no gather) and the weights come from an
explicit log-sum-exp, so the maps are exactly the weights the synthesis used.

What leaves the band is small: each clip's score (the log-sum-exp of its logits: log of its unnormalised
attention mass), its argmax candidate (what the synthesis copies) and that candidate's offset's share of the
clip's weight (summed over deltas: the next frame's stability bonus). The softmax *over clips* is taken by the
caller on the whole frame, so the clips' scores can first be smoothed across neighbouring patches (regions).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Band:
    """Per-patch results of one band of patch rows [y0, y1)."""

    score: torch.Tensor  # (K, rows, w) float32: log-sum-exp of clip i's logits (-inf: importance 0)
    choice: torch.Tensor  # (K, rows, w) int64: the argmax candidate of each clip, as an index into T*O
    choice_share: (
        torch.Tensor
    )  # (K, rows, w) float32: chosen offset's share of the clip's weight, over deltas


def offsets(radius: int) -> torch.Tensor:
    """(O, 2) int64 (dy, dx) in patches, row-major; the centre (0, 0) is index O // 2."""
    r = torch.arange(-radius, radius + 1)
    return torch.stack(torch.meshgrid(r, r, indexing="ij"), -1).reshape(-1, 2)


def static_bias(
    t: int, radius: int, h: int, w: int, temperature: float, prior: float, device: torch.device
) -> torch.Tensor:
    """(T, O, h, w) float32 logit bias that depends only on geometry: displacement prior and frame border.

    The prior (``prior`` * (|o|^2 + |d|^2), an energy) only breaks ties between equal-looking candidates in
    favour of "same place, same time"; candidates whose patch falls outside the grid get -inf.
    """
    offs = offsets(radius).to(device)
    deltas = torch.arange(t, device=device) - t // 2
    energy = prior * ((offs.square().sum(1)[None, :]) + deltas.square()[:, None]).float()  # (T, O)
    ys = torch.arange(h, device=device)[None, :, None] + offs[:, 0, None, None]
    xs = torch.arange(w, device=device)[None, None, :] + offs[:, 1, None, None]
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)  # (O, h, w)
    bias = (-energy / temperature)[:, :, None, None].expand(t, -1, h, w).clone()
    return bias.masked_fill_(~inside[None], float("-inf"))


def attend_band(
    query: torch.Tensor,  # (D, h, w) compute dtype, feature weights already applied
    keys: torch.Tensor,  # (K, T, D, h + 2r, w + 2r) compute dtype, zero-padded by r patches
    bias: torch.Tensor,  # (T, O, h, w) float32 from static_bias
    log_importance: torch.Tensor,  # (K,) float32, -inf for a zero importance
    y0: int,
    y1: int,
    radius: int,
    temperature: float,
    stable: tuple[torch.Tensor, torch.Tensor] | None,  # previous (offset index (K,h,w), bonus energy (K,h,w))
) -> Band:
    k, t, _, _, wp = keys.shape
    w = wp - 2 * radius
    rows, side = y1 - y0, 2 * radius + 1
    o_count = side * side
    q = query[None, None, :, y0:y1]  # (1, 1, D, rows, w)
    energy = torch.empty((k, t, o_count, rows, w), dtype=torch.float32, device=keys.device)
    for index in range(o_count):  # shifted views: no (K, T, D, O, P) gather is ever materialised
        dy, dx = divmod(index, side)
        shifted = keys[:, :, :, y0 + dy : y1 + dy, dx : dx + w]
        energy[:, :, index] = (shifted - q).square_().sum(2)
    if stable is not None:
        prev_offset, bonus = stable
        index = prev_offset[:, None, None, y0:y1].expand(k, t, 1, rows, w)
        energy.scatter_add_(2, index, -bonus[:, None, None, y0:y1].expand(k, t, 1, rows, w))
    # logits = -E / T + bias + log I, in place: the energy buffer is the band's largest allocation
    logits = energy.mul_(-1.0 / temperature).add_(bias[None, :, :, y0:y1])
    logits.add_(log_importance.view(k, 1, 1, 1, 1))
    flat = logits.view(k, t * o_count, rows, w)
    best, choice = flat.max(1)  # (K, rows, w): each clip's best candidate and its logit
    best = torch.where(torch.isfinite(best), best, torch.zeros_like(best))  # dead clip: exp(-inf) = 0 below
    weights = flat.sub_(best[:, None]).exp_()  # exp(logit - clip's best) <= 1: no overflow
    clip_sum = weights.sum(1)  # (K, rows, w), >= 1 for a live clip, 0 for a dead one
    chosen_offset = (choice % o_count)[:, None]  # (K, 1, rows, w)
    per_offset = weights.view(k, t, o_count, rows, w).sum(1)  # (K, O, rows, w): summed over deltas
    share = per_offset.gather(1, chosen_offset)[:, 0] / clip_sum.clamp_min(1.0)
    return Band(score=best + clip_sum.log(), choice=choice, choice_share=share)
