"""Scene cuts on the timeline: where a placement's picture changes shot, and splitting it there.

Cuts are frame numbers of a clip's file where a new shot starts (``studio.media.cuts``; the window finds them
on import). Pure functions of the project, as ``placing.py``: the timeline draws :func:`cut_times` on a
block, and its *Split at cuts* pushes the one command :func:`split_at_cuts` builds.

A placement has no source offset of its own (every placement of a clip plays the clip's in..out segment),
so a placement per shot is a placement of a *subclip*: a library clip of the same file whose in/out points
are that shot's (made once: a second split of the same shots uses the subclips it made). The pieces run end
to end from the placement's start at its speed, each covering its shot's source range, up to the placement's
end (a shot too short for any output frame to show is left out); what a longer placement played after its
first pass through the clip stays one placement of the whole clip from there (in loop mode exactly what it
played; hold mode holds the last shot's last frame instead).
Importance keys, pins and painted masks go with the piece they fall in, their times made relative to it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from studio.project.commands import AddClip, AddPlacement, Command, Macro, RemovePlacement
from studio.project.curve import ImportanceCurve, Keyframe
from studio.project.model import Clip, Placement, Project
from studio.project.timemap import source_frames

_EPS = 1e-6


def cut_times(project: Project, placement: Placement, cuts: Sequence[int]) -> list[float]:
    """Seconds from the placement's start of each output frame whose source frame is in another shot of the
    clip than the frame before it (where the picture cuts), in order."""
    if not cuts:
        return []
    frames, sources = source_frames(project, placement)
    if len(frames) < 2:
        return []
    shot = np.searchsorted(np.asarray(sorted(cuts)), sources, side="right")
    changed = np.flatnonzero(shot[1:] != shot[:-1]) + 1
    fps = float(project.settings.fps)
    return [float(frames[i] / fps - placement.start) for i in changed]


def shot_ranges(clip: Clip, cuts: Sequence[int]) -> list[tuple[float, float]]:
    """[start, end) source seconds of each shot inside the clip's in..out segment."""
    first = math.floor(clip.in_s * clip.fps + _EPS)
    stop = math.ceil(clip.end_s * clip.fps - _EPS)
    inner = sorted(c for c in set(cuts) if first < c < stop)
    edges = [clip.in_s, *(c / clip.fps for c in inner), clip.end_s]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b - a > _EPS]


def split_at_cuts(project: Project, placement_id: str, cuts: Sequence[int]) -> Command | None:
    """One undo step replacing the placement by one placement per shot it shows (see the module
    docstring); None when it shows a single shot."""
    placement = project.placement(placement_id)
    clip = project.clip(placement.clip_id)
    ranges = shot_ranges(clip, cuts)
    speed = float(placement.speed)
    pass_s = clip.usable_duration / speed  # output seconds of one pass through the clip
    fps = float(project.settings.fps)
    pieces = []  # (clip's shot range, offset in the placement, duration)
    for a, b in ranges:
        offset = (a - clip.in_s) / speed
        if offset >= placement.duration - _EPS:
            break
        duration = min((b - a) / speed, placement.duration - offset)
        start = placement.start + offset
        if math.ceil((start - _EPS) * fps) < (start + duration - _EPS) * fps:  # an output frame shows it
            pieces.append(((a, b), offset, duration))
    if len(pieces) < 2:
        return None
    rest = placement.duration - pass_s
    commands: list[Command] = [RemovePlacement(placement_id)]
    subclips = _subclips(project, clip, [r for r, _, _ in pieces], cuts, commands)
    index = project.placements.index(placement)
    ids = project.new_ids("p", len(pieces) + 1)
    for k, ((_, offset, duration), shot_clip) in enumerate(zip(pieces, subclips, strict=True)):
        last = k == len(pieces) - 1
        if last and rest > _EPS and placement.end_mode == "hold":
            duration += rest  # holds the last frame of the last shot, as the placement did
        piece = _piece(placement, ids[k], shot_clip.id, offset, duration)
        commands.append(AddPlacement(piece, index + k))
    if rest > _EPS and placement.end_mode != "hold":
        commands.append(AddPlacement(_piece(placement, ids[-1], clip.id, pass_s, rest), index + len(pieces)))
    return Macro("Split at cuts", commands)


def _subclips(
    project: Project,
    clip: Clip,
    ranges: list[tuple[float, float]],
    cuts: Sequence[int],
    commands: list[Command],
) -> list[Clip]:
    """The library clip of each shot range (an existing subclip of the same file, or a new one, added by an
    ``AddClip`` in ``commands``), named by the shot's number in the file."""
    out, new_ids = [], iter(project.new_ids("clip", len(ranges)))
    for a, b in ranges:
        same = next(
            (
                c
                for c in project.clips
                if c.path == clip.path and abs(c.in_s - a) < _EPS and abs(c.end_s - b) < _EPS
            ),
            None,
        )
        if same is None:
            number = 1 + sum(1 for c in set(cuts) if c <= math.floor(a * clip.fps + _EPS))
            name = f"{clip.name} · shot {number}"
            same = dataclasses.replace(clip, id=next(new_ids), name=name, in_s=a, out_s=b)
            commands.append(AddClip(same))
        out.append(same)
    return out


def _piece(placement: Placement, piece_id: str, clip_id: str, offset: float, duration: float) -> Placement:
    """The part of ``placement`` from ``offset`` for ``duration`` (output seconds), on ``clip_id``."""
    changes: dict[str, object] = {
        "id": piece_id,
        "clip_id": clip_id,
        "start": placement.start + offset,
        "duration": duration,
        "importance": _curve_part(placement.importance, offset, duration),
    }
    if hasattr(placement, "pins"):
        changes["pins"] = tuple(
            dataclasses.replace(p, start=max(0.0, p.start - offset), end=min(duration, p.end - offset))
            for p in placement.pins
            if p.end - offset > _EPS and p.start - offset < duration - _EPS
        )
    if hasattr(placement, "masks"):  # keys in force from their time: the one in force at the cut starts it
        keys = placement.masks
        before = [k for k in keys if k.time <= offset + _EPS]
        inside = [k for k in keys if offset + _EPS < k.time < offset + duration - _EPS]
        kept = ([before[-1]] if before else []) + inside
        changes["masks"] = tuple(dataclasses.replace(k, time=max(0.0, k.time - offset)) for k in kept)
    return dataclasses.replace(placement, **changes)


def _curve_part(curve: ImportanceCurve, offset: float, duration: float) -> ImportanceCurve:
    """The curve over [offset, offset + duration), relative to ``offset``: the keys inside, and keys at
    both ends carrying the values there (linear and hold segments are kept exactly)."""
    keys = curve.keyframes
    if not keys:
        return curve
    end = offset + duration
    times = [k.time for k in keys]
    interp_at = lambda t: keys[max(0, int(np.searchsorted(times, t, side="right")) - 1)].interp  # noqa: E731
    inside = [
        Keyframe(k.time - offset, k.value, k.interp) for k in keys if offset + _EPS < k.time < end - _EPS
    ]
    head = Keyframe(0.0, curve.value_at(offset), interp_at(offset))
    tail = Keyframe(duration, curve.value_at(end), interp_at(end))
    return ImportanceCurve((head, *inside, tail))
