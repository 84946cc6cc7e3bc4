"""Classical baselines the learned models must beat, on uint8 RGB frames ``(T, H, W, 3)`` (numpy, OpenCV).

Prediction (k frames after the last context frame): repeat the last frame; linear extrapolation of the last
two frames; DIS optical flow between the last two frames, extrapolated k times along the last flow.
Interpolation (a frame at fraction ``t`` between two frames): linear blend; DIS flow warping of both
neighbours towards ``t`` and blending them by distance. :func:`flow_fill` does both at once for any mask of
known frames (the video Transformer's starting guess).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

PREDICTION_METHODS = ("repeat-last", "linear", "dis-flow")
INTERPOLATION_METHODS = ("linear", "dis-flow")


def _dis() -> cv2.DISOpticalFlow:
    # MEDIUM: a good accuracy/speed point at our small sizes; one instance per call keeps it thread-safe.
    return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense flow (H, W, 2) float32 from ``a`` to ``b``: a(x) ≈ b(x + flow(x))."""
    ga = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
    gb = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    return _dis().calc(ga, gb, None)


def warp(frame: np.ndarray, displacement: np.ndarray) -> np.ndarray:
    """Backward warp: out(x) = frame(x + displacement(x)), bilinear, edges replicated. Returns float32."""
    h, w = frame.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_x = gx + displacement[..., 0]
    map_y = gy + displacement[..., 1]
    return cv2.remap(
        frame.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def predict(context: np.ndarray, n: int, method: str) -> np.ndarray:
    """The ``n`` frames after ``context`` (T >= 2, H, W, 3) uint8 → (n, H, W, 3) uint8."""
    last = context[-1]
    if method == "repeat-last":
        return np.repeat(last[None], n, axis=0)
    prev = context[-2].astype(np.float32)
    if method == "linear":
        step = last.astype(np.float32) - prev
        return np.stack([_to_u8(last + (k + 1) * step) for k in range(n)])
    if method == "dis-flow":
        # back(x): where the pixel now at x was one frame ago. Constant motion ⇒ k frames ahead the pixel at x
        # is the one now at x + k·back(x) (the flow field is sampled at x, the usual first-order shortcut).
        back = flow(last, context[-2])
        return np.stack([_to_u8(warp(last, (k + 1) * back)) for k in range(n)])
    raise ValueError(f"unknown prediction baseline {method!r}")


def interpolate(a: np.ndarray, b: np.ndarray, t: float, method: str) -> np.ndarray:
    """The frame at fraction ``t`` (0 < t < 1) between ``a`` and ``b`` (H, W, 3) uint8."""
    if method == "linear":
        return _to_u8((1 - t) * a.astype(np.float32) + t * b.astype(np.float32))
    if method == "dis-flow":
        return _flow_between(a, b, flow(a, b), flow(b, a), t)
    raise ValueError(f"unknown interpolation baseline {method!r}")


def _flow_between(a: np.ndarray, b: np.ndarray, f_ab: np.ndarray, f_ba: np.ndarray, t: float) -> np.ndarray:
    # A pixel moving by d from a to b sits at x at time t when it was at x - t·d in a and is at x +
    # (1-t)·d in b; d is approximated by the flow at x (a→b for the a side, −(b→a) for the b side). The
    # arithmetic is the native interpolator's untrained path (studio.models.interp.classical), so that
    # model equals this baseline bit for bit.
    import torch

    from studio.models.interp import classical, to_frame, to_uint8

    fa, fb = (torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None] for f in (f_ab, f_ba))
    return to_uint8(classical(to_frame(a), to_frame(b), fa, fb, t))


def flow_fill(frames: np.ndarray, known: Sequence[bool]) -> np.ndarray:
    """Unknown frames of ``frames`` (T, H, W, 3) uint8 by DIS flow, known ones kept → (T, H, W, 3) uint8.

    Between known frames p < q: :func:`interpolate` "dis-flow" at (t-p)/(q-p) (one flow pair per gap). After
    the last known frame: extrapolation along the motion between the last two known frames p1 < p2, per frame
    (``predict`` "dis-flow" when they are adjacent). Before the first known frame, or with one known frame:
    repeat the nearest known one. Content of unknown frames is ignored."""
    idx = [i for i, k in enumerate(known) if k]
    if not idx:
        raise ValueError("at least one frame must be known")
    out = frames.copy()
    pairs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    back: np.ndarray | None = None
    for t in range(len(known)):
        if known[t]:
            continue
        before = [i for i in idx if i < t]
        after = [i for i in idx if i > t]
        if before and after:
            p, q = before[-1], after[0]
            if (p, q) not in pairs:
                pairs[p, q] = (flow(frames[p], frames[q]), flow(frames[q], frames[p]))
            out[t] = _flow_between(frames[p], frames[q], *pairs[p, q], (t - p) / (q - p))
        elif len(before) >= 2:
            p1, p2 = before[-2], before[-1]
            if back is None:  # per-frame backward motion at the last known frame
                back = flow(frames[p2], frames[p1]) / (p2 - p1)
            out[t] = _to_u8(warp(frames[p2], (t - p2) * back))
        else:
            out[t] = frames[before[-1] if before else after[0]]
    return out


def interpolate_sequence(keys: np.ndarray, factor: int, method: str) -> np.ndarray:
    """Upsample (K, H, W, 3) key frames ``factor``× in time → ((K-1)·factor + 1, H, W, 3)."""
    out = [keys[0]]
    for a, b in zip(keys[:-1], keys[1:], strict=True):
        out.extend(interpolate(a, b, j / factor, method) for j in range(1, factor))
        out.append(b)
    return np.stack(out)
