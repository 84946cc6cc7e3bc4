"""Pins: bounds on a clip's share of the output over a time range, turned into per-frame bounds.

A :class:`~studio.project.model.Pin` sits on a placement ("clip B >= 30 % from 0:10 to 0:20"), its times
relative to the placement's start. What the engine needs per output frame is, for each of its sources, the
range its share must stay within (``SynthInput.bounds``); this module works them out, without torch, so the
render job, the preview and the record agree:

- a pin acts at full strength on ``[start, end)`` and fades in over :data:`PIN_RAMP_S` before its start and
  out over as long after its end (smoothstep), so a clip's share never jumps when a pin begins or ends;
  outside that it changes nothing. It acts only while its placement is on the timeline;
- at strength ``a`` a pin's bound moves from the clip's natural share ``w`` (what importance gives it) to
  the pin's: ``lo(a) = a * min + (1 - a) * min(min, w)``, likewise for the max;
- the engine holds the bounds (``studio.engine.pins``): a clip outside them goes to the bound and the others
  are rescaled in proportion so the shares still sum to 1 (:func:`pin_targets`; bounds that cannot all
  hold, mins adding up past 1, are scaled until they can).

Several pins on one clip (on one placement or on several placements of it) combine: the highest min, the
lowest max. Sources of one clip split the clip's bounds in proportion to their importance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.errors import ProjectError
from studio.project.model import Pin, Placement, Project, pin_problem

PIN_RAMP_S = 0.25  # seconds a pin fades in before its start and out after its end
_EPS = 1e-9  # the time map's tolerance (output times are n / fps)


def pin_strength(pin: Pin, t_rel: float, ramp: float = PIN_RAMP_S) -> float:
    """How much of the pin acts at ``t_rel`` (seconds from the placement's start): 1 on [start, end), a
    smoothstep from 0 over ``ramp`` seconds on either side, 0 further out."""
    if pin.start - _EPS <= t_rel < pin.end - _EPS:
        return 1.0
    if ramp <= 0:
        return 0.0
    x = (t_rel - (pin.start - ramp)) / ramp if t_rel < pin.start else (pin.end + ramp - t_rel) / ramp
    x = min(1.0, max(0.0, x))
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class ActivePin:
    """A pin acting at one output frame."""

    placement_id: str
    clip_index: int  # the clip's column (project.clips)
    pin: Pin
    strength: float  # (0, 1]


def frame_pins(project: Project, n: int) -> list[ActivePin]:
    """The pins acting at output frame ``n`` (t = n / fps): their placement is active (the time map's test)
    and ``n`` is within the pin's range or its ramps."""
    t = n / project.settings.fps
    out = []
    columns: dict[str, int] | None = None
    for p in project.placements:
        if not p.pins or not (p.start - _EPS <= t < p.end - _EPS):
            continue
        if columns is None:
            columns = {c.id: i for i, c in enumerate(project.clips)}
        for pin in p.pins:
            a = pin_strength(pin, t - p.start)
            if a > 0:
                out.append(ActivePin(p.id, columns[p.clip_id], pin, a))
    return out


def clip_bounds(active: Sequence[ActivePin], natural: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per clip column at these pins' strengths, given the clips' natural shares (C,)."""
    natural = np.asarray(natural, np.float64)
    lo = np.zeros(len(natural))
    hi = np.ones(len(natural))
    for ap in active:
        c, a, w = ap.clip_index, ap.strength, float(natural[ap.clip_index])
        if ap.pin.min_share is not None:
            m = float(ap.pin.min_share)
            lo[c] = max(lo[c], a * m + (1.0 - a) * min(m, w))
        if ap.pin.max_share is not None:
            m = float(ap.pin.max_share)
            hi[c] = min(hi[c], a * m + (1.0 - a) * max(m, w))
    crossed = lo > hi  # two pins of one clip that disagree: meet halfway
    middle = (lo + hi) / 2
    lo[crossed], hi[crossed] = middle[crossed], middle[crossed]
    return lo, hi


def pin_targets(
    natural: np.ndarray, lo: np.ndarray, hi: np.ndarray, active: np.ndarray | None = None
) -> np.ndarray:
    """Shares (C,) summing to 1 over the ``active`` clips (default: those with a natural share > 0), each
    within [lo, hi] where possible: bounded clips at their bound, the free ones rescaled in proportion to
    their natural shares (equally, when those are all 0). Infeasible bounds are relaxed (the mins scaled down
    so they add up to 1, the maxes up)."""
    w = np.asarray(natural, np.float64)
    live = (w > 0) if active is None else np.asarray(active, bool)
    if not live.any():
        return np.zeros_like(w)
    w = np.where(live, w, 0.0)
    w = w / w.sum() if w.sum() > 0 else live / live.sum()
    lo = np.where(live, np.clip(lo, 0.0, 1.0), 0.0)
    hi = np.where(live, np.clip(hi, 0.0, 1.0), 0.0)
    if lo.sum() > 1.0:
        lo = lo / lo.sum()
    if hi.sum() < 1.0:
        spare = np.where(live, 1.0 - hi, 0.0)
        hi = hi + spare * (1.0 - hi.sum()) / max(spare.sum(), 1e-12)
    hi = np.maximum(hi, lo)
    # s(c) = clamp(c * w, lo, hi) grows with c: the c whose shares add up to 1 rescales every clip that is
    # not at a bound by one factor. A clip of natural share 0 takes a hair, so a max can always be met.
    w = np.where(live, w + 1e-9, 0.0)

    def total(c: float) -> float:
        return float(np.clip(c * w, lo, hi)[live].sum())

    below, above = 0.0, 1.0
    while total(above) < 1.0 - 1e-12 and above < 1e15:
        above *= 2.0
    for _ in range(200):
        middle = (below + above) / 2
        if total(middle) < 1.0:
            below = middle
        else:
            above = middle
        if above - below <= 1e-12 * above:
            break
    s = np.where(live, np.clip(above * w, lo, hi), 0.0)
    return s / s.sum()


@dataclass(frozen=True)
class FramePins:
    """One frame's pins applied to its sources (K of them, in the gatherer's order)."""

    importance: (
        np.ndarray
    )  # (K,) float32: the sources' importance (a clip a min pin brought in: at its bound)
    bounds: np.ndarray  # (K, 2) float32: lowest and highest share each source may get ([0, 1] = free)
    targets: np.ndarray  # (K,) float32: the shares the pins ask for, summing to 1 (:func:`pin_targets`)


def apply_pins(
    active: Sequence[ActivePin], clip_indices: np.ndarray, importance: np.ndarray, n_clips: int
) -> FramePins | None:
    """The sources' share bounds (and target shares) under the acting pins, or None when no pin acts on
    any of these sources' clips (the frame is rendered exactly as without pins).

    The importance stays what the curves say, so the synthesizer's own state (the balance, the layout it
    carries to the next frame) evolves as without pins and the frames after a pin's ramp are those of the
    render without it; the bounds are held on what it shows. Only a source of importance 0 that a min pin
    brings in gets the importance that makes its natural share the bound (it must be searched at all)."""
    clip_indices = np.asarray(clip_indices, np.int64)
    present = set(clip_indices.tolist())
    active = [ap for ap in active if ap.clip_index in present]
    if not active or len(clip_indices) == 0:
        return None
    imp = np.asarray(importance, np.float64).copy()
    per_clip = np.zeros(n_clips)
    np.add.at(per_clip, clip_indices, imp)
    counts = np.bincount(clip_indices, minlength=n_clips).astype(np.float64)
    live = counts > 0
    natural = per_clip / per_clip.sum() if per_clip.sum() > 0 else live / live.sum()
    lo, hi = clip_bounds(active, natural)
    target = pin_targets(natural, lo, hi, active=live)
    lo, hi = np.minimum(lo, target), np.maximum(hi, target)  # what could not hold was relaxed
    # each source's part of its clip: by importance, equal parts when the clip's importance is 0
    clip_total = per_clip[clip_indices]
    part = np.where(clip_total > 0, imp / np.maximum(clip_total, 1e-300), 1.0 / counts[clip_indices])
    pinned = np.zeros(n_clips, bool)
    pinned[[ap.clip_index for ap in active]] = True
    is_pinned = pinned[clip_indices]
    capped = is_pinned & (hi[clip_indices] < 1.0)  # a clip with only a min: its sources have no max
    bounds = np.stack(
        [np.where(is_pinned, lo[clip_indices] * part, 0.0), np.where(capped, hi[clip_indices] * part, 1.0)],
        axis=1,
    )
    brought = (clip_total <= 0) & is_pinned  # a min pin's clip with no importance here
    if brought.any():
        total = imp.sum()
        if total > 0:
            share = np.minimum(target[clip_indices], 0.999)
            imp = np.where(brought, share / (1.0 - share) * total * part, imp)
        else:
            imp = np.where(brought, part, imp)
    return FramePins(
        importance=imp.astype(np.float32),
        bounds=bounds.astype(np.float32),
        targets=(target[clip_indices] * part).astype(np.float32),
    )


def held_weights(weights: np.ndarray, bounds: np.ndarray | None) -> np.ndarray:
    """(K,) weights summing to 1, moved into per-source ``bounds`` (K, 2) the way :func:`pin_targets` moves
    clips (the crossfade's pins: its weights are its shares)."""
    w = np.asarray(weights, np.float64)
    if bounds is None:
        return w / w.sum()
    b = np.asarray(bounds, np.float64).reshape(-1, 2)
    return pin_targets(w / w.sum(), b[:, 0], b[:, 1], active=np.ones(len(w), bool))


def pinned_at_min(active: Sequence[ActivePin]) -> set[int]:
    """Clip columns a min pin asks for at this frame (a source of importance 0 is kept for them)."""
    return {ap.clip_index for ap in active if (ap.pin.min_share or 0.0) > 0}


# -------------------------------------------------------------------------------------------- the record


def pin_frames(placement: Placement, pin: Pin, fps: float, frames: int) -> tuple[int, int]:
    """[first, stop) output frames at full strength: the pin's range in output time, within the placement."""
    a = placement.start + pin.start
    b = min(placement.start + pin.end, placement.end)
    first = max(0, math.ceil((a - _EPS) * fps - 1e-6))
    stop = min(frames, max(first, math.ceil((b - _EPS) * fps - 1e-6)))
    return first, stop


def record_pins(project: Project) -> list[dict[str, Any]]:
    """Every pin as the attention record's metadata stores it: enough for a viewer of the record to draw
    it over the shares, in output frames (JSON-safe)."""
    fps, frames = project.settings.fps, project.settings.frame_count
    columns = {c.id: i for i, c in enumerate(project.clips)}
    out = []
    for p in project.placements:
        for pin in p.pins:
            first, stop = pin_frames(p, pin, fps, frames)
            out.append(
                {
                    "clip": columns[p.clip_id],
                    "clip_id": p.clip_id,
                    "placement": p.id,
                    "frames": [first, stop],
                    "start_s": p.start + pin.start,
                    "end_s": min(p.start + pin.end, p.end),
                    "min": pin.min_share,
                    "max": pin.max_share,
                    "ramp_s": PIN_RAMP_S,
                }
            )
    return out


def pin_warnings(project: Project) -> list[str]:
    """What cannot be honoured, one line each: in guide mode the guide clip gives the structure, not pixels,
    so its own pins cannot be met."""
    engine = project.settings.engine
    if getattr(engine, "mode", "free") != "guide" or engine.guide_clip is None:
        return []
    if any(p.pins for p in project.placements_of(engine.guide_clip)):
        name = project.clip(engine.guide_clip).name
        return [
            f"guide mode: the pins on the guide clip {name!r} cannot be met (it gives structure, not pixels)"
        ]
    return []


# ------------------------------------------------------------------------------------------ the command line

_SPEC = re.compile(r"^(?P<clip>.+):(?P<start>[^:]+)-(?P<end>[^:]+):(?P<min>[^:]*)(?::(?P<max>[^:]*))?$")


@dataclass(frozen=True)
class PinSpec:
    """``CLIP:START-END:MIN[:MAX]`` of ``studio render --pin``: output seconds, shares in [0, 1]."""

    clip: str
    start: float
    end: float
    min_share: float | None
    max_share: float | None


def _share(text: str, spec: str, what: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        raise ProjectError(f"--pin {spec!r}: {what} {text!r} is not a share (0.3 or 30%)") from None
    return value


def parse_pin(spec: str) -> PinSpec:
    """Parse ``B:10-20:0.3``, ``B:10-20::0.5`` (max only), ``B:10-20:0.3:0.6``; one-line ProjectError."""
    m = _SPEC.match(spec.strip())
    if m is None:
        raise ProjectError(f"--pin {spec!r}: expected CLIP:START-END:MIN[:MAX], e.g. B:10-20:0.3")
    try:
        start, end = float(m["start"]), float(m["end"])
    except ValueError:
        raise ProjectError(f"--pin {spec!r}: START-END must be seconds, e.g. 10-20") from None
    low = _share(m["min"], spec, "MIN")
    high = _share(m["max"] or "", spec, "MAX")
    problem = pin_problem(start, end, low, high)
    if problem is not None:
        raise ProjectError(f"--pin {spec!r}: {problem}")
    return PinSpec(m["clip"], start, end, low, high)


def add_pin(project: Project, spec: PinSpec) -> list[tuple[str, tuple[Pin, ...]]]:
    """The placements' new pins (placement id, all its pins) for a pin given in output seconds: added to
    every placement of the clip (by id, else by name) that overlaps the range, cut to that placement.
    A ProjectError (one line) when the clip is unknown or has no placement there."""
    clips = [c for c in project.clips if c.id == spec.clip] or [
        c for c in project.clips if c.name == spec.clip
    ]
    if not clips:
        raise ProjectError(f"--pin: no clip with id or name {spec.clip!r}")
    if len(clips) > 1:
        raise ProjectError(f"--pin: {len(clips)} clips are named {spec.clip!r}: give its id")
    clip = clips[0]
    out = []
    for p in project.placements_of(clip.id):
        start, end = max(spec.start, p.start), min(spec.end, p.end)
        if end - start <= _EPS:
            continue
        pin = Pin(start - p.start, end - p.start, spec.min_share, spec.max_share)
        out.append((p.id, (*p.pins, pin)))
    if not out:
        raise ProjectError(
            f"--pin: clip {clip.name!r} has no placement between {spec.start:g} s and {spec.end:g} s"
        )
    return out
