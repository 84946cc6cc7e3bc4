"""Importance curves: keyframed automation, like an NLE's volume line, drawn per placement.

A keyframe's ``interp`` says how the curve travels from that key to the next one, so a curve is fully
described by its keys (no tangents to store). Every mode stays inside the range of its two keys, which keeps
the curve >= 0 when the keys are (the engine takes ``log`` of it).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Interp = Literal["linear", "smooth", "hold"]
INTERPS: tuple[str, ...] = ("linear", "smooth", "hold")


@dataclass(frozen=True)
class Keyframe:
    time: float  # seconds, relative to the placement's start
    value: float  # >= 0
    interp: Interp = "linear"  # how to go from this key to the next one


def _blend(a: float, b: float, x: float, interp: str) -> float:
    """Value between keys a and b at fraction x in [0, 1) of the way, for the left key's interp."""
    if interp == "hold":
        return a
    if interp == "smooth":
        # smoothstep: a cubic Hermite with flat tangents, monotone on [0, 1], so no overshoot.
        x = x * x * (3.0 - 2.0 * x)
    return a + (b - a) * x


@dataclass(frozen=True)
class ImportanceCurve:
    """Keys sorted by time (stable: two keys at the same time make a jump). Empty means constant 1.0."""

    keyframes: tuple[Keyframe, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # Frozen and a tuple, so a curve can be shared between undo states without copying.
        object.__setattr__(self, "keyframes", tuple(sorted(self.keyframes, key=lambda k: k.time)))

    @classmethod
    def constant(cls, value: float) -> ImportanceCurve:
        return cls((Keyframe(0.0, float(value), "hold"),))

    def value_at(self, t_rel: float) -> float:
        keys = self.keyframes
        if not keys:
            return 1.0
        if t_rel <= keys[0].time:
            return max(0.0, keys[0].value)
        if t_rel >= keys[-1].time:
            return max(0.0, keys[-1].value)
        times = [k.time for k in keys]
        i = bisect.bisect_right(times, t_rel) - 1  # keys[i].time <= t_rel < keys[i + 1].time
        a, b = keys[i], keys[i + 1]
        x = (t_rel - a.time) / (b.time - a.time)
        return max(0.0, _blend(a.value, b.value, x, a.interp))

    def values_at(self, t_rel: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`value_at` (float64), for the UI's lanes and the importance matrix."""
        t = np.asarray(t_rel, dtype=np.float64)
        keys = self.keyframes
        if not keys:
            return np.ones_like(t)
        times = np.array([k.time for k in keys])
        values = np.array([k.value for k in keys])
        if len(keys) == 1:
            return np.full_like(t, values[0])
        i = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(keys) - 2)
        span = times[i + 1] - times[i]
        x = np.clip((t - times[i]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
        modes = np.array([INTERPS.index(k.interp) for k in keys])[i]
        x = np.where(modes == INTERPS.index("smooth"), x * x * (3.0 - 2.0 * x), x)
        x = np.where(modes == INTERPS.index("hold"), 0.0, x)
        out = values[i] + (values[i + 1] - values[i]) * x
        out = np.where(t <= times[0], values[0], out)
        out = np.where(t >= times[-1], values[-1], out)
        return np.maximum(out, 0.0)
