"""Generating at the clip's own size with the native-resolution models (:mod:`studio.models.interp`).

Interpolation never blends across a scene cut: between the last frame of a shot and the first of the next,
the in-between frames repeat the nearer of the two (as Flowframes does), so a cut stays a cut. The cuts are
the file's known ones when it has them (``studio.media.shot_cache``: those the library shows and the engine's
preview and render respect), else found in the frames here.

Extension (:func:`extrapolate`) continues the motion of the clip's last frames at full size: the velocity
is the mean of the DIS flows from the last frame to the two before it (per frame), and each new frame
samples the *last real frame* at the pixel's path traced back through that velocity field (the field moves
with the content: Eulerian constant velocity), so frames stay sharp (one resampling, never a warp of a
warp). Only the last shot is used (the context never reaches across a cut). Where a traced path leaves the
picture there is nothing real to show; :func:`trustworthy_frames` says how far ahead most of the picture
still comes from inside the frame.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch

from studio.errors import StudioError
from studio.media.cuts import detect_cuts
from studio.models.baselines import flow
from studio.models.data import ClipSource, decode_clip
from studio.models.interp import FlowInterpolator, between, interpolate, pair
from studio.models.native import native_size

MAX_INTERPOLATE = 2000  # source frames one interpolation holds in memory (640x360: 1.4 GB)
CONTEXT_FRAMES = 48  # frames before the out point read to extend (the last shot's start is found in them)
TRUST_INSIDE = 0.97  # a frame is trustworthy while this share of its pixels traces back inside the picture


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
        if i + 1 in cut_set:
            out += [a if j / factor < 0.5 else b for j in range(1, factor)]
        else:
            both = pair(a, b, device)  # one flow pair for all factor - 1 frames between
            out += [between(model, both, j / factor) for j in range(1, factor)]
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
    frames = decode_clip(src, native_size(src), MAX_INTERPOLATE + 1)
    if len(frames) > MAX_INTERPOLATE:  # refuse rather than retime only the first part
        raise StudioError(
            f"{src.name}: retiming works on at most {MAX_INTERPOLATE} source frames at a time; "
            "set the clip's in/out points to a shorter range"
        )
    return interpolate_frames(model, frames, factor, _cuts_of(src, frames), device, cancel)


def _cuts_of(src: ClipSource, frames: np.ndarray) -> list[int]:
    """The cuts inside ``frames`` (decoded from the clip's in point), numbered from its first: the file's
    known cuts (one answer for the library, the engine and this), or found in the frames when unknown."""
    from studio.media import probe
    from studio.media.shot_cache import cached_cuts

    known = cached_cuts(src.path)
    if known is None:
        return detect_cuts(frames)
    first = max(0, round(src.in_s * probe(src.path).fps))  # where decode_clip starts
    return [c - first for c in known if 0 < c - first < len(frames)]


def _velocity(context: np.ndarray) -> np.ndarray:
    """(H, W, 2) per-frame backward motion at the last frame: where its pixels were one frame earlier."""
    last = context[-1]
    back = flow(last, context[-2])
    if len(context) >= 3:
        back = (back + flow(last, context[-3]) / 2.0) / 2.0  # two frames of evidence: less noise
    return back


def extrapolate(context: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` frames after ``context`` (T >= 2, H, W, 3) uint8, and for each the share of its pixels whose
    traced path is still inside the picture."""
    if len(context) < 2:
        raise StudioError("extending needs at least 2 frames of the clip")
    last = context[-1].astype(np.float32)
    back = _velocity(context)
    h, w = last.shape[:2]
    px, py = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    frames, inside = [], []
    for _ in range(n):
        bx = cv2.remap(back[..., 0], px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        by = cv2.remap(back[..., 1], px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        px, py = px + bx, py + by
        frame = cv2.remap(last, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        frames.append(np.clip(np.rint(frame), 0, 255).astype(np.uint8))
        inside.append(float(((px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)).mean()))
    return np.stack(frames), np.asarray(inside)


def trustworthy_frames(inside: np.ndarray) -> int:
    """How many of the extended frames show (almost) only traced real pixels."""
    bad = np.nonzero(inside < TRUST_INSIDE)[0]
    return int(bad[0]) if len(bad) else len(inside)


def extend_clip(src: ClipSource, frames: int) -> tuple[np.ndarray, int]:
    """The clip's next ``frames`` frames at its own size, and how many of them stay trustworthy."""
    context = decode_clip(src, native_size(src), CONTEXT_FRAMES, tail=True)
    cuts = detect_cuts(context)
    context = context[(cuts[-1] if cuts else 0) :][-8:]
    out, inside = extrapolate(context, frames)
    return out, trustworthy_frames(inside)


def morph_frames(
    a: np.ndarray, b: np.ndarray, n: int, model: FlowInterpolator | None = None, device="cpu"
) -> np.ndarray:
    """``n`` frames in which the end of ``a`` turns into the start of ``b`` (both playing on), at ``a``'s
    size: at step k the two current frames are matched by DIS flow and each is carried part of the way to
    the other (t = (k + 1) / (n + 1)) as they cross-dissolve, so shapes travel instead of ghosting."""
    h, w = a.shape[1:3]
    pick_a = np.linspace(max(0, len(a) - n), len(a) - 1, n).round().astype(int)
    pick_b = np.linspace(0, min(n, len(b)) - 1, n).round().astype(int)
    out = []
    for k in range(n):
        fb = b[pick_b[k]]
        if fb.shape[:2] != (h, w):
            fb = cv2.resize(fb, (w, h), interpolation=cv2.INTER_AREA)
        out.append(interpolate(model, a[pick_a[k]], fb, (k + 1) / (n + 1), device))
    return np.stack(out)


def morph_clips(src_a: ClipSource, src_b: ClipSource, n: int, device="cpu") -> np.ndarray:
    """The morph of A's end into B's start at A's own size (B decoded at that size, centre-filled)."""
    a = decode_clip(src_a, native_size(src_a), n, tail=True)  # only what the morph shows: A's end,
    b = decode_clip(src_b, (a.shape[2], a.shape[1]), n)  # B's start
    return morph_frames(a, b, n, None, device)
