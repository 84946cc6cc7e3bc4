"""The correspondence a synthesizer hands out with each frame: where each patch's pixels were copied from.

Synthesizers say it in *source terms* (``SynthOutput.trace``): per patch of the record's grid, the top
``TOP`` (source k of the K active ones, window frame t of the T read around the mapped one, source x, y of
the patch's anchor, weight) in :data:`~studio.project.trace.TRACE_DTYPE` (``clip`` = k, ``frame`` = t).
:func:`to_project` turns that into the record's terms (project-clip column, the clip's own frame index),
which is what :class:`~studio.engine.frame.RenderedFrame` carries to the viewer and the record.

- draft (patch attention): each clip's chosen candidate (frame delta, offset in whole patches) and its mass;
- final, free mode: every pixel is sum_k W_k * source_k at the *same* position, so each clip's position is
  the patch's anchor and its weight the patch's mean of W_k (the maps);
- final, guide mode: the PatchMatch field (clip, y, x per pixel): per patch and clip, the median offset of
  the pixels the clip owns there, applied to the anchor;
- crossfade: the importances, at the anchor.

numpy only (the inputs are moved to the CPU first: a few small (K, h, w) arrays a frame).
"""

from __future__ import annotations

import numpy as np

from studio.project.trace import TOP, anchor, empty_trace


def anchors(h: int, w: int, stride: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(h, 1) rows and (1, w) columns of the patches' anchor pixels."""
    return anchor(np.arange(h), stride, height)[:, None], anchor(np.arange(w), stride, width)[None, :]


def top_contributions(
    weight: np.ndarray, frame: np.ndarray | int, y: np.ndarray, x: np.ndarray, height: int, width: int
) -> np.ndarray:
    """(TOP, h, w) trace in source terms from every source's (K, h, w) weight and its window frame and
    position: each either (K, h, w), one per source, or anything broadcasting to (h, w), shared by all."""
    k, h, w = weight.shape
    trace = empty_trace((TOP, h, w))
    if k == 0:
        return trace
    weight = np.ascontiguousarray(weight, np.float32)
    order = np.argsort(-weight, axis=0)[:TOP]  # (n, h, w), n = min(K, TOP)
    n = order.shape[0]
    flat = (order * (h * w) + np.arange(h * w).reshape(h, w)).ravel()  # gathers on contiguous rows

    def pick(a: np.ndarray | int) -> np.ndarray:
        a = np.asarray(a)
        if a.ndim == 3 and a.shape == (k, h, w):
            return np.take(np.ascontiguousarray(a).ravel(), flat).reshape(n, h, w)
        return np.broadcast_to(a, (h, w))[None]

    picked = np.take(weight.ravel(), flat).reshape(n, h, w)
    used = picked > 0
    trace["clip"][:n] = np.where(used, order, -1)
    trace["frame"][:n] = pick(frame)
    trace["y"][:n] = np.clip(pick(y), 0, height - 1)
    trace["x"][:n] = np.clip(pick(x), 0, width - 1)
    trace["weight"][:n] = picked
    return trace


def at_anchor(weight: np.ndarray, frame: int, stride: int, height: int, width: int) -> np.ndarray:
    """Sources used in place (no offset): the crossfade and the final free mode."""
    _, h, w = weight.shape
    ay, ax = anchors(h, w, stride, height, width)
    return top_contributions(weight, frame, ay, ax, height, width)


def from_offsets(
    mass: np.ndarray, delta: np.ndarray, offset: np.ndarray, stride: int, height: int, width: int
) -> np.ndarray:
    """The draft: (K, h, w) mass, window frame ``delta`` and (K, h, w, 2) (dy, dx) offsets in patches."""
    _, h, w = mass.shape
    ay, ax = anchors(h, w, stride, height, width)
    return top_contributions(
        mass, delta, ay + offset[..., 0] * stride, ax + offset[..., 1] * stride, height, width
    )


def from_field(
    weight: np.ndarray, clip: np.ndarray, y: np.ndarray, x: np.ndarray, frame: int, stride: int
) -> np.ndarray:
    """Guide mode: (K, h, w) patch weights and the (H, W) field (clip, source y, x of every pixel)."""
    k, h, w = weight.shape
    height, width = clip.shape
    s = stride
    ay, ax = anchors(h, w, s, height, width)

    def blocks(a: np.ndarray, fill: int) -> np.ndarray:
        """(H, W) -> (h, w, s*s): each patch's pixels (the grid's overhang padded with ``fill``)."""
        padded = np.full((h * s, w * s), fill, np.int64)
        padded[:height, :width] = a
        return padded.reshape(h, s, w, s).transpose(0, 2, 1, 3).reshape(h, w, s * s)

    rows, cols = np.mgrid[0:height, 0:width]
    owner = blocks(clip, -1)
    offset_y = blocks(y - rows, 0).astype(np.float32)  # where each pixel was copied from, relative to it
    offset_x = blocks(x - cols, 0).astype(np.float32)  # (float: inf marks the other clips' pixels)
    per_y, per_x = np.empty((k, h, w), np.int64), np.empty((k, h, w), np.int64)
    for i in range(k):
        # the patch's typical offset among the pixels clip i owns (a median: the field is noisy); none: 0
        mine = owner == i
        middle = np.maximum(mine.sum(-1, keepdims=True) - 1, 0) // 2
        for offset, anchor_at, out in ((offset_y, ay, per_y), (offset_x, ax, per_x)):
            ranked = np.sort(np.where(mine, offset, np.inf), -1)  # the clip's pixels first, in order
            median = np.take_along_axis(ranked, middle, -1)[..., 0]
            out[i] = anchor_at + np.where(np.isfinite(median), median, 0).astype(np.int64)
    return top_contributions(weight, frame, per_y, per_x, height, width)


def to_project(trace: np.ndarray, clip_indices: np.ndarray, source_frames: np.ndarray | None) -> np.ndarray:
    """Source terms -> record terms: k -> the project-clip column, t -> the clip's frame index.

    ``source_frames`` (K, T): the frame each window slot was read from (``Gathered.source_frames``)."""
    out = trace.copy()
    used = trace["clip"] >= 0
    k = np.where(used, trace["clip"], 0).astype(np.int64)
    out["clip"] = np.where(used, np.asarray(clip_indices, np.int64)[k] if len(clip_indices) else -1, -1)
    if source_frames is not None and len(source_frames):
        t = np.clip(trace["frame"], 0, source_frames.shape[1] - 1)
        out["frame"] = np.where(used, source_frames[k, t], 0)
    out["weight"] = np.where(used, trace["weight"], 0)
    return out
