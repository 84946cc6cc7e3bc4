"""Holding pinned shares: the last step of the balance, when pins act on a frame (``SynthInput.bounds``).

The balance (``clip_mass.clip_logits``, ``seamless.regions.balance_bias``) moves the clips' shares toward the
importance weights, which the gatherer has already set to the pins' targets (``studio.project.pins``). It
stops within a tolerance and, in the final quality, counts only the frame's centre, so a pin could still be
missed by a few percent. This step makes it exact: a source whose share is outside its bounds is moved to
the bound and the others rescaled in proportion (their shares as the frame has them), each by the extra
logit ``b`` (the same for all its pixels) that puts its share on that target, found by Newton's method (the
share is a smooth increasing function of ``b``), the softmax over clips renormalising every pixel. It is
the balance's own bias, one more step: borders move, nothing is blended in. The sources are taken in turn,
a few rounds, since each step moves the others' shares a little. Everything is done on logits, so a pixel a
clip holds at a weight of 1 - 1e-30 still gives way.

The synthesizers apply it to what they show, not to what they carry to the next frame: their temporal
state evolves as without the pins, so a pin changes no frame past its ramp.
"""

from __future__ import annotations

import numpy as np
import torch

from studio.project.pins import pin_targets

PIN_MARGIN = 0.002  # aim this far inside a bound (the record keeps the maps as float16)
UNMET = 0.02  # a share further than this outside its bound counts as a pin that could not be met
ROUNDS = 6  # passes over the sources
TOLERANCE = 1e-3  # a source this near its target is left alone
NEWTON_STEPS = 16
MAX_LOGIT = 200.0  # |b| at most


def pinned_sources(bounds: np.ndarray | None, k: int) -> list[int]:
    if bounds is None or k < 2:
        return []
    b = np.asarray(bounds, np.float64).reshape(k, 2)
    return [i for i in range(k) if b[i, 0] > 0.0 or b[i, 1] < 1.0]


def shares_of(logits: torch.Tensor, measure: torch.Tensor | None = None) -> np.ndarray:
    """(K,) mean of softmax over K of (K, N) logits, ``measure``-weighted (N,) when given."""
    w = torch.softmax(logits, 0)
    if measure is None:
        return (w.sum(1, dtype=torch.float64) / w.shape[1]).cpu().numpy()
    return (w * measure).sum(1, dtype=torch.float64).cpu().numpy()


def _solve(z: torch.Tensor, measure: torch.Tensor | None, target: float) -> float:
    """The b with mean(sigmoid(z + b)) = target (``measure``-weighted); z (N,) the clip's log-odds."""

    n = z.numel()

    def share(b: float) -> tuple[float, float]:
        s = torch.sigmoid(z + b)
        d = s * (1.0 - s)
        if measure is None:
            return float(s.sum(dtype=torch.float64)) / n, float(d.sum(dtype=torch.float64)) / n
        return float((s * measure).sum(dtype=torch.float64)), float((d * measure).sum(dtype=torch.float64))

    lo, hi = -MAX_LOGIT, MAX_LOGIT
    b = 0.0
    for _ in range(NEWTON_STEPS):
        value, slope = share(b)
        error = value - target
        if abs(error) < 2e-4:
            break
        if error > 0:
            hi = b
        else:
            lo = b
        step = b - error / slope if slope > 1e-12 else (lo + hi) / 2
        b = step if lo < step < hi else (lo + hi) / 2
    return b


def hold_shares(
    logits: torch.Tensor, bounds: np.ndarray | None, measure: torch.Tensor | None = None
) -> torch.Tensor:
    """The extra logit (K,) per source that brings each source's share of ``softmax(logits + extra)`` into
    ``bounds`` (K, 2); ``logits`` (K, ...) (``-inf`` where a source may not go), ``measure`` (...) weights
    summing to 1 (None: the plain mean). Zeros when ``bounds`` is None or every share is already within.

    A share outside its bounds goes to the bound and the other sources keep their proportions among
    themselves (``studio.project.pins.pin_targets`` on the shares as they are): each source in turn gets
    the bias that puts it on that target, the pinned ones last, so theirs is the one that holds exactly."""
    k = logits.shape[0]
    extra = torch.zeros(k, dtype=torch.float32, device=logits.device)
    pinned = pinned_sources(bounds, k)
    if not pinned:
        return extra
    b = np.asarray(bounds, np.float64).reshape(k, 2)
    flat = logits.reshape(k, -1).float()
    m = None if measure is None else measure.reshape(-1).to(flat.device, torch.float32)
    current = shares_of(flat, m)
    if np.all((current >= b[:, 0] - PIN_MARGIN / 2) & (current <= b[:, 1] + PIN_MARGIN / 2)):
        return extra  # the pins hold as it is: nothing moves
    # aim a hair inside the bounds, so float16 maps and the last rounds' drift stay within them
    lo = np.where(b[:, 0] > 0, np.minimum(b[:, 0] + PIN_MARGIN, (b[:, 0] + b[:, 1]) / 2), 0.0)
    hi = np.where(b[:, 1] < 1, np.maximum(b[:, 1] - PIN_MARGIN, (b[:, 0] + b[:, 1]) / 2), 1.0)
    target = pin_targets(current, lo, hi, active=np.ones(k, bool))
    order = [i for i in range(k) if i not in pinned] + pinned
    for _ in range(ROUNDS):
        moved = False
        for i in order:
            if abs(current[i] - target[i]) < TOLERANCE:
                continue
            biased = flat + extra[:, None]
            others = torch.cat([biased[:i], biased[i + 1 :]]).logsumexp(0)
            z = torch.nan_to_num(biased[i] - others, nan=0.0, posinf=1e4, neginf=-1e4)
            extra[i] += _solve(z, m, float(target[i]))
            moved = True
            current = shares_of(flat + extra[:, None], m)
        if not moved:
            break
    return extra


def unmet(shares: np.ndarray, bounds: np.ndarray | None) -> tuple[int, float, float] | None:
    """(source, share, bound) of the pin missed by the most (more than :data:`UNMET`), or None."""
    if bounds is None:
        return None
    b = np.asarray(bounds, np.float64).reshape(-1, 2)
    s = np.asarray(shares, np.float64).reshape(-1)
    below, above = b[:, 0] - s, s - b[:, 1]
    worst = np.maximum(below, above)
    i = int(np.argmax(worst))
    if worst[i] <= UNMET:
        return None
    return i, float(s[i]), float(b[i, 0] if below[i] >= above[i] else b[i, 1])


def unmet_message(miss: tuple[int, float, float], why: str) -> str:
    _, got, bound = miss
    return f"a pinned share could not be met ({got:.0%} against a bound of {bound:.0%}): {why}"
