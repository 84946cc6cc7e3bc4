"""Putting clips on the timeline: the one rule for every way of doing it (Ctrl+T, a double click in the
library, a drop on the timeline), as one undoable command."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from studio.project.commands import AddPlacement, Command, Macro
from studio.project.model import Placement, Project

Layout = Literal["stack", "sequence"]


def place_clips(
    project: Project, clip_ids: Sequence[str], start: float, layout: Layout = "stack"
) -> Command | None:
    """Each clip placed from ``start`` for its usable length (the generation time when that is unknown).

    ``stack``: all at ``start``, overlapping, so the attention weighs them against each other there (the
    library's *Add to timeline*). ``sequence``: one after the other, as an editor lays out a multi-clip drop.
    One undo step; unknown ids are ignored (a stale drag). None when nothing is left to place."""
    known = {c.id for c in project.clips}
    clip_ids = [cid for cid in clip_ids if cid in known]
    if not clip_ids:
        return None
    commands: list[Command] = []
    t = max(0.0, float(start))
    for pid, cid in zip(project.new_ids("p", len(clip_ids)), clip_ids, strict=True):
        duration = project.clip(cid).usable_duration or project.settings.duration
        commands.append(AddPlacement(Placement(pid, cid, t, duration)))
        if layout == "sequence":
            t += duration
    return commands[0] if len(commands) == 1 else Macro("Add to timeline", commands)
