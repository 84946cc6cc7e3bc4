"""The contract between the render job and whatever synthesises an output frame from its sources.

The render job gathers, for output frame n, the active sources' frames around their mapped frame and their
importance, and hands them to a :class:`Synthesizer`. The crossfade below is the exact degenerate case
(radius 0, window 0, infinite temperature); the attention generator implements the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class SynthInput:
    frames: (
        np.ndarray
    )  # (K, T, H, W, 3) uint8: K active sources, T = 2*window+1 frames centred on the mapped one
    importance: np.ndarray  # (K,) float32 >= 0, at least one > 0
    guide: np.ndarray | None = None  # (H, W, 3) uint8: the guide clip's frame in guide mode


@dataclass(frozen=True)
class SynthOutput:
    frame: np.ndarray  # (H, W, 3) uint8
    shares: np.ndarray  # (K,) float32, sums to 1: mean of each source's spatial map
    maps: np.ndarray  # (K, h, w) float16 at patch resolution (h = ceil(H / stride)); sums to 1 over K


class Synthesizer(Protocol):
    stride: int  # patch stride of the recorded maps, in output pixels

    def reset(self) -> None:
        """Forget temporal state (previous output frame): called at the start of a render or after a seek."""

    def __call__(self, inp: SynthInput) -> SynthOutput: ...


def map_shape(height: int, width: int, stride: int) -> tuple[int, int]:
    return -(-height // stride), -(-width // stride)


class Crossfade:
    """Importance-weighted average of the sources' centre frames: no attention, no state."""

    def __init__(self, stride: int = 8) -> None:
        self.stride = stride

    def reset(self) -> None:
        pass

    def __call__(self, inp: SynthInput) -> SynthOutput:
        k, t, h, w, _ = inp.frames.shape
        weights = inp.importance.astype(np.float32)
        weights = weights / weights.sum()
        centre = inp.frames[:, t // 2].astype(np.float32)  # (K, H, W, 3)
        frame = np.tensordot(weights, centre, axes=1)
        out = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
        mh, mw = map_shape(h, w, self.stride)
        maps = np.broadcast_to(weights[:, None, None], (k, mh, mw)).astype(np.float16)
        return SynthOutput(frame=out, shares=weights, maps=maps)
