"""The contract between the render job and whatever synthesises an output frame from its sources.

The render job gathers, for output frame n, the active sources' frames around their mapped frame and their
importance, and hands them to a :class:`Synthesizer`. The crossfade below is the exact degenerate case
(radius 0, window 0, infinite temperature); the attention generator implements the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from studio.engine.trace import at_anchor
from studio.project.pins import held_weights


@dataclass(frozen=True)
class SynthInput:
    frames: (
        np.ndarray
    )  # (K, T, H, W, 3) uint8: K active sources, T = 2*window+1 frames centred on the mapped one
    importance: np.ndarray  # (K,) float32 >= 0, at least one > 0
    guide: np.ndarray | None = None  # (H, W, 3) uint8: the guide clip's frame in guide mode
    # (K,) placement ids of the sources, in order: lets a stateful synthesizer see that different clips
    # swapped in even when their number stays the same. None: unknown (tests, benchmarks, old callers).
    sources: tuple[str, ...] | None = None
    # (K, 4) int32: x0, y0, x1, y1 of each source's real pixels; outside is a ``fit`` letterbox / pillarbox
    # (padding, never a key of the final synthesis). None: every pixel is real.
    valid: np.ndarray | None = None
    # (K, 2) float32: the lowest and highest share each source may *show*, from the pins acting at this frame
    # (studio.project.pins); [0, 1] for an unpinned source. None: no pin acts. A stateful synthesizer keeps
    # its temporal state as without them (what it carries to the next frame), so a pin changes no frame
    # past its ramp.
    bounds: np.ndarray | None = None
    # (K, H, W) float32 logits added to each source's attention per output pixel: the painted masks in force
    # (``studio.engine.mask_prior``). None: no mask (the usual case).
    prior: np.ndarray | None = None
    # (K,) bool: the sources that entered another shot of their clip (a scene cut) since the previous output
    # frame. A stateful synthesizer forgets what it carried for them (their pixels and choices belong to the
    # old shot); every source new is a full reset. None: no source crossed a cut.
    new_shot: np.ndarray | None = None


@dataclass(frozen=True)
class SynthOutput:
    frame: np.ndarray  # (H, W, 3) uint8
    shares: np.ndarray  # (K,) float32, sums to 1: mean of each source's spatial map
    maps: np.ndarray  # (K, h, w) float16 at patch resolution (h = ceil(H / stride)); sums to 1 over K
    # (TOP, h, w) TRACE_DTYPE in source terms (clip = k, frame = t of the window): where each patch came from
    # (``studio.engine.trace``). None: a synthesizer that does not say.
    trace: np.ndarray | None = None
    # (K, H, W) float32, sums to 1 over K: the per-pixel mix, from a synthesizer that mixes per pixel and was
    # asked to (``keep_pixel_weights``: the mattes want it, the preview does not pay for it). None otherwise.
    pixel_weights: np.ndarray | None = None


class Synthesizer(Protocol):
    stride: int  # patch stride of the recorded maps, in output pixels

    def reset(self) -> None:
        """Forget temporal state (previous output frame): called at the start of a render or after a seek."""

    def __call__(self, inp: SynthInput) -> SynthOutput: ...


def map_shape(height: int, width: int, stride: int) -> tuple[int, int]:
    return -(-height // stride), -(-width // stride)


class Crossfade:
    """Importance-weighted average of the sources' centre frames: no attention, no state."""

    device = "cpu"  # numpy: whatever GPU the machine has, this runs (and is reported) on the CPU

    def __init__(self, stride: int = 8) -> None:
        self.stride = stride

    def reset(self) -> None:
        pass

    def __call__(self, inp: SynthInput) -> SynthOutput:
        k, t, h, w, _ = inp.frames.shape
        weights = inp.importance.astype(np.float32)
        weights = weights / weights.sum()
        if inp.bounds is not None:  # pins: its weights are its shares
            weights = held_weights(weights, inp.bounds).astype(np.float32)
        out = weighted_sum([np.ascontiguousarray(inp.frames[i, t // 2]) for i in range(k)], weights)
        mh, mw = map_shape(h, w, self.stride)
        maps = np.broadcast_to(weights[:, None, None], (k, mh, mw)).astype(np.float16)
        trace = at_anchor(np.broadcast_to(weights[:, None, None], (k, mh, mw)), t // 2, self.stride, h, w)
        return SynthOutput(frame=out, shares=weights, maps=maps, trace=trace)


def weighted_sum(frames: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """sum_i weights_i * frames_i, rounded to uint8 (within 1/2 grey of the exact average).

    OpenCV's SIMD ``addWeighted`` instead of converting every frame to float32 in numpy (5-20 ms/frame at
    640x360 for 2-8 clips; this is 0.1-1.4 ms): two clips in one uint8 call (it rounds once), more clips
    accumulated in float32 and rounded at the end.
    """
    if len(frames) == 1:
        return frames[0].copy()
    w = [float(x) for x in weights]
    if len(frames) == 2:
        return cv2.addWeighted(frames[0], w[0], frames[1], w[1], 0.0)
    acc = cv2.addWeighted(frames[0], w[0], frames[1], w[1], 0.0, dtype=cv2.CV_32F)
    for frame, weight in zip(frames[2:], w[2:], strict=True):
        acc = cv2.addWeighted(acc, 1.0, frame, weight, 0.0, dtype=cv2.CV_32F)
    return np.clip(np.rint(acc), 0, 255).astype(np.uint8)
