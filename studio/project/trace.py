"""Where every output pixel came from: the correspondence an attention record carries (record version 2).

For every output frame and every patch of the record's grid (``stride`` px, the grid of the maps), the
``TOP`` heaviest contributions, heaviest first, as :data:`TRACE_DTYPE` entries:

- ``clip``: the project-clip column (the record's ``clips``), -1 for an unused entry (weight 0);
- ``frame``: the clip's own frame index (on its probed fps grid, as ``ClipReader.read`` takes it);
- ``x``, ``y``: the source pixel the patch's *anchor* came from; the anchor is the patch's centre pixel,
  clamped into the frame (:func:`anchor`). A pixel (X, Y) of the patch came from (x + X - ax, y + Y - ay);
- ``weight``: the share of the patch's pixels that contribution made (the contributions of a patch sum to at
  most 1: the rest is spread over sources past the top ``TOP``).

Positions are in the source frame *as the render read it*: the clip decoded at the output size with the
project's ``fit`` (``ClipReader(path, fps=clip_fps, size=frame_size, fit=fit)``), so a source patch lines up
with the output patch pixel for pixel. :class:`TraceContext` holds what that takes (it is stored in the
record's ``meta.json`` under ``correspondence``, or made from the project for the live preview).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from studio.errors import EngineError

TOP = 3  # contributions kept per patch
TRACE_DTYPE = np.dtype([("clip", "<i2"), ("frame", "<i4"), ("x", "<i2"), ("y", "<i2"), ("weight", "<f2")])


def empty_trace(shape: tuple[int, ...]) -> np.ndarray:
    """A trace of ``shape`` (e.g. (TOP, h, w)) with no contribution anywhere."""
    trace = np.zeros(shape, TRACE_DTYPE)
    trace["clip"] = -1
    return trace


def anchor(index: np.ndarray | int, stride: int, size: int) -> np.ndarray:
    """The anchor pixel (along one axis) of patch ``index``: its centre, clamped into the frame."""
    return np.minimum(np.asarray(index) * stride + stride // 2, size - 1)


@dataclass(frozen=True)
class TraceContext:
    """What turns a trace entry into a clip and a source patch someone can look at."""

    clip_ids: tuple[str, ...]
    clip_names: tuple[str, ...]
    clip_paths: tuple[str, ...]
    clip_fps: tuple[float, ...]
    frame_size: tuple[int, int]  # (width, height) of the output, and of the source frames as read
    fit: str  # how the render fitted each clip into frame_size (``studio.media.resize``)
    stride: int  # patch size of the trace's grid, output px

    def to_meta(self) -> dict[str, Any]:
        """The record's ``correspondence`` entry (names and paths are the record's ``clips``/``paths``)."""
        return {
            "top": TOP,
            "clip_ids": list(self.clip_ids),
            "clip_fps": list(self.clip_fps),
            "frame_size": list(self.frame_size),
            "fit": self.fit,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> TraceContext:
        entry = meta["correspondence"]
        return cls(
            clip_ids=tuple(str(i) for i in entry["clip_ids"]),
            clip_names=tuple(str(n) for n in meta["clips"]),
            clip_paths=tuple(str(p) for p in meta["paths"]),
            clip_fps=tuple(float(f) for f in entry["clip_fps"]),
            frame_size=(int(entry["frame_size"][0]), int(entry["frame_size"][1])),
            fit=str(entry["fit"]),
            stride=int(meta["stride"]),
        )

    @classmethod
    def from_project(cls, project: Any, stride: int | None = None) -> TraceContext:
        """For frames rendered from ``project`` (the live preview); ``stride`` defaults to the patch."""
        settings = project.settings
        clips: Sequence[Any] = project.clips
        return cls(
            clip_ids=tuple(c.id for c in clips),
            clip_names=tuple(c.name for c in clips),
            clip_paths=tuple(str(c.path) for c in clips),
            clip_fps=tuple(float(c.fps) for c in clips),
            frame_size=(int(settings.width), int(settings.height)),
            fit=str(settings.fit),
            stride=int(stride if stride is not None else settings.engine.patch),
        )


@dataclass(frozen=True)
class Contribution:
    """One source of an output pixel: clip, source frame, source pixel, weight."""

    column: int  # the clip's column in the project (and the record); its colour is clip_colour(column)
    clip_id: str
    clip_name: str
    clip_path: str
    frame: int  # the clip's own frame index
    fps: float  # the clip's frame rate: frame / fps is the source time
    x: int  # the source pixel the asked output pixel came from (in the frame as the render read it)
    y: int
    weight: float
    patch: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) of the source patch, clamped to the frame

    @property
    def seconds(self) -> float:
        return self.frame / self.fps if self.fps > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "clip": self.column,
            "clip_id": self.clip_id,
            "name": self.clip_name,
            "path": self.clip_path,
            "frame": self.frame,
            "seconds": round(self.seconds, 6),
            "x": self.x,
            "y": self.y,
            "weight": round(self.weight, 4),
            "patch": list(self.patch),
        }


def check_position(context: TraceContext, x: int, y: int) -> None:
    width, height = context.frame_size
    if not (0 <= x < width and 0 <= y < height):
        raise EngineError(f"position {x},{y} is outside the {width}x{height} frame")


def contributions_at(trace: np.ndarray, context: TraceContext, x: int, y: int) -> list[Contribution]:
    """The contributions to output pixel (x, y), heaviest first, from one frame's (TOP, h, w) trace."""
    check_position(context, x, y)
    width, height = context.frame_size
    s = context.stride
    row, col = min(y // s, trace.shape[1] - 1), min(x // s, trace.shape[2] - 1)
    dy, dx = y - int(anchor(row, s, height)), x - int(anchor(col, s, width))
    out = []
    for entry in trace[:, row, col]:
        column = int(entry["clip"])
        if column < 0 or not 0 <= column < len(context.clip_ids) or float(entry["weight"]) <= 0:
            continue
        sx = int(np.clip(int(entry["x"]) + dx, 0, width - 1))
        sy = int(np.clip(int(entry["y"]) + dy, 0, height - 1))
        # the output patch, moved by the patch's offset, clamped to the frame
        ox, oy = int(entry["x"]) - int(anchor(col, s, width)), int(entry["y"]) - int(anchor(row, s, height))
        x0, y0 = min(max(col * s + ox, 0), width - 1), min(max(row * s + oy, 0), height - 1)
        patch = (x0, y0, min(x0 + s, width), min(y0 + s, height))
        out.append(
            Contribution(
                column=column,
                clip_id=context.clip_ids[column],
                clip_name=context.clip_names[column],
                clip_path=context.clip_paths[column],
                frame=int(entry["frame"]),
                fps=context.clip_fps[column],
                x=sx,
                y=sy,
                weight=float(entry["weight"]),
                patch=patch,
            )
        )
    return sorted(out, key=lambda c: -c.weight)
