"""Each clip's share of a patch's attention (the clip mass): the clips' scores smoothed over a region,
balanced toward the importance weights, and held within the pins' bounds. The generator's last step before
the pixels; on its own so the balance can be read (and tested) apart from the attention's plumbing."""

from __future__ import annotations

import numpy as np
import torch

from studio.engine.pins import hold_shares

BALANCE_ROUNDS, BALANCE_TOLERANCE = 3, 0.01  # rounds over the clips; share error left alone


def clip_logits(
    score: torch.Tensor,
    weights: torch.Tensor,
    region: int,
    balance: float,
) -> torch.Tensor:
    """(K, h, w) logits of each clip's attention mass (the mass is their softmax over clips): the clips'
    scores, smoothed and balanced.

    - region: scores are averaged over a (2*region+1)^2 patch neighbourhood first. Averaging log-scores is a
      geometric mean of the clips' likelihoods around the patch, so clips own coherent regions instead of a
      patch-sized checkerboard. A constant map (the crossfade limit) is unchanged, border included.
    - balance: a per-clip bias b_i moves the frame's shares toward the importance weights w. Without it the
      clip nearest the blended query takes every region and coherence + stability then lock that in (one
      clip swallows the others within a few frames). With it, importance says *how much* of each clip is
      used and similarity says *where*. Scores differ by tens of logits between clips, so a log-ratio step
      would crawl: each clip in turn gets the bias that puts the (1 - w_i) quantile of its margin over the
      best other clip at 0 (a hard-assignment share of exactly w_i). A clip whose soft share is already
      within ``BALANCE_TOLERANCE`` is left alone, so the crossfade limit (shares = w) stays exact.
    """
    if region > 0:
        size = 2 * region + 1
        score = torch.nn.functional.avg_pool2d(score[None], size, 1, region, count_include_pad=False)[0]
    live = torch.nonzero(weights > 0).flatten().tolist()
    if balance <= 0 or len(live) < 2:
        return score
    flat = score.flatten(1)  # (K, P)
    bias = torch.zeros_like(weights)
    for _ in range(BALANCE_ROUNDS):
        for i in live:
            biased = flat + bias[:, None]
            share = torch.softmax(biased, 0)[i].mean()
            if abs(float(share - weights[i])) < BALANCE_TOLERANCE:
                continue
            others = torch.cat([biased[:i], biased[i + 1 :]]).max(0).values
            margin = biased[i] - others
            bias[i] -= balance * _quantile(margin, float(1.0 - weights[i]))
    return score + bias[:, None, None]


def held_by_pins(score: torch.Tensor, bounds: np.ndarray | None, measure: torch.Tensor | None = None
                 ) -> torch.Tensor:  # fmt: skip
    """The scores with the pins' extra bias (none without pins: the scores as they are); ``measure``: the
    patches' weights in the frame's share (``features.patch_areas``; None: all alike)."""
    return score if bounds is None else score + hold_shares(score, bounds, measure)[:, None, None]


def _quantile(x: torch.Tensor, q: float) -> torch.Tensor:
    """``torch.quantile(x, q)`` (linear interpolation) by two selections instead of a full sort: 3x faster,
    and this runs a few times per clip per frame."""
    n = x.numel()
    pos = q * (n - 1)
    lo = min(int(pos), n - 1)
    low = torch.kthvalue(x, lo + 1).values
    if lo + 1 >= n or pos == lo:
        return low
    return torch.lerp(low, torch.kthvalue(x, lo + 2).values, pos - lo)
