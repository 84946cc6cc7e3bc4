"""Generating at the clip's own size with the native-resolution models (:mod:`studio.models.interp`).

Interpolation never blends across a scene cut: between the last frame of a shot and the first of the next,
the in-between frames repeat the nearer of the two (as Flowframes does), so a cut stays a cut.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from studio.errors import StudioError
from studio.media.cuts import detect_cuts
from studio.models.data import ClipSource, decode_clip
from studio.models.interp import FlowInterpolator, interpolate
from studio.models.native import native_size


def interpolate_frames(
    model: FlowInterpolator | None,
    frames: np.ndarray,
    factor: int,
    cuts: list[int],
    device: torch.device | str = "cpu",
    cancel: Any = None,
) -> np.ndarray:
    """(T, H, W, 3) uint8 frames → ((T - 1) * factor + 1, H, W, 3): every frame kept, ``factor - 1`` new ones
    between each pair (none blended across a cut at ``cuts``: a new shot starts at each of those frames)."""
    cut_set = set(cuts)
    out = [frames[0]]
    for i in range(len(frames) - 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        a, b = frames[i], frames[i + 1]
        for j in range(1, factor):
            t = j / factor
            if i + 1 in cut_set:
                out.append(a if t < 0.5 else b)
            else:
                out.append(interpolate(model, a, b, t, device))
        out.append(b)
    return np.stack(out)


def interpolate_clip(
    model: FlowInterpolator | None,
    src: ClipSource,
    factor: int,
    device: torch.device | str,
    cancel: Any = None,
) -> np.ndarray:
    """The clip (its in/out range) at its own size with ``factor`` x the frames."""
    if factor < 2:
        raise StudioError("the interpolation factor must be 2 or more")
    frames = decode_clip(src, native_size(src))
    return interpolate_frames(model, frames, factor, detect_cuts(frames), device, cancel)
