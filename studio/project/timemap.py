"""The time map: which source frame each placement shows at output frame n, and with what importance.

Output frame n shows at t = n / fps. A placement is active on [start, start + duration). Its local time
u = (t - start) * speed runs through the clip's usable segment [in_s, end) according to the end mode:
loop (u mod L), ping-pong (a triangle wave between the first and the last frame, turn frames shown once),
hold (stays on the last frame). The importance matrix is the same thing summed per clip, vectorised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.project.model import Clip, Placement, Project

_EPS = 1e-9  # output times are n / fps: tolerate the rounding of start/duration typed in seconds


@dataclass(frozen=True)
class SourceSample:
    placement_id: str
    clip_id: str
    clip_index: int  # column of the clip in project.clips (the attention record's column)
    source_time: float  # seconds in the clip's file
    source_frame: int  # the clip's own frame index showing at source_time
    importance: float  # >= 0; 0 is returned too (the engine skips it, the UI shows it)


def _last_frame_offset(clip: Clip) -> float:
    """Seconds from in_s to the start of the last frame inside the usable segment (>= 0)."""
    last_index = math.ceil(clip.end_s * clip.fps - 1e-6) - 1
    return max(0.0, last_index / clip.fps - clip.in_s)


def local_to_source(clip: Clip, placement: Placement, u: float | np.ndarray) -> np.ndarray:
    """Source seconds for local (speed-scaled) placement times u >= 0, by the placement's end mode."""
    u = np.maximum(np.asarray(u, dtype=np.float64), 0.0)
    length = clip.usable_duration
    if placement.end_mode == "loop" and length > 0:
        s = np.mod(u, length)
        s = np.where(length - s < _EPS, 0.0, s)  # u a hair under k * L is the first frame, not the last
    elif placement.end_mode == "pingpong":
        turn = _last_frame_offset(clip)
        if turn > 0:
            s = np.mod(u, 2.0 * turn)
            s = np.where(s > turn, 2.0 * turn - s, s)
        else:
            s = np.zeros_like(u)
    else:  # hold, or a degenerate (zero-length) segment
        s = np.minimum(u, _last_frame_offset(clip))
    return clip.in_s + s


def source_frame_of(clip: Clip, source_time: float | np.ndarray) -> np.ndarray:
    """The clip's frame showing at a source time (CFR grid of the probed fps), clamped to the file."""
    frame = np.floor(np.asarray(source_time, dtype=np.float64) * clip.fps + 1e-6).astype(np.int64)
    return np.clip(frame, 0, clip.frames - 1)


def frame_sources(project: Project, n: int) -> list[SourceSample]:
    """Every placement active at output frame n, in timeline order (project.placements)."""
    t = n / project.settings.fps
    clip_index = {c.id: i for i, c in enumerate(project.clips)}
    out = []
    for p in project.placements:
        if not (p.start - _EPS <= t < p.end - _EPS):
            continue
        i = clip_index[p.clip_id]
        clip = project.clips[i]
        source_time = float(local_to_source(clip, p, (t - p.start) * p.speed))
        out.append(
            SourceSample(
                placement_id=p.id,
                clip_id=clip.id,
                clip_index=i,
                source_time=source_time,
                source_frame=int(source_frame_of(clip, source_time)),
                importance=p.importance.value_at(t - p.start),
            )
        )
    return out


def _active_mask(project: Project, p: Placement) -> tuple[np.ndarray, np.ndarray]:
    """(frame indices where p is active, their output times)."""
    fps = project.settings.fps
    # A frame or two too many on each side, then the exact test: rounding cannot drop a frame.
    first = max(0, math.floor((p.start - _EPS) * fps) - 1)
    last = min(project.settings.frame_count, math.floor((p.end - _EPS) * fps) + 2)
    n = np.arange(first, max(first, last))
    t = n / fps
    keep = (t >= p.start - _EPS) & (t < p.end - _EPS)  # exact same test as frame_sources
    return n[keep], t[keep]


def active_count(project: Project) -> np.ndarray:
    """(frames,) int32: how many placements are active at each output frame (max = K the engine sees)."""
    counts = np.zeros(project.settings.frame_count, dtype=np.int32)
    for p in project.placements:
        n, _ = _active_mask(project, p)
        counts[n] += 1
    return counts


def importance_matrix(project: Project) -> np.ndarray:
    """(frames, clips) float32: importance summed over each clip's placements, 0 where none is active."""
    out = np.zeros((project.settings.frame_count, len(project.clips)), dtype=np.float32)
    clip_index = {c.id: i for i, c in enumerate(project.clips)}
    for p in project.placements:
        n, t = _active_mask(project, p)
        out[n, clip_index[p.clip_id]] += p.importance.values_at(t - p.start).astype(np.float32)
    return out


def source_frames(project: Project, placement: Placement) -> tuple[np.ndarray, np.ndarray]:
    """(output frame indices, source frame indices) of one placement, vectorised: for the UI and decoders
    that want to know ahead which frames of a clip a render will read."""
    n, t = _active_mask(project, placement)
    clip = project.clip(placement.clip_id)
    return n, source_frame_of(clip, local_to_source(clip, placement, (t - placement.start) * placement.speed))
