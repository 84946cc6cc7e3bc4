"""The timeline's discrete edits (menus, keys, drops) as pure project commands, one undo step each.

Kept out of the view so the view only maps input to these, and so they can be checked without a mouse.
"""

from __future__ import annotations

import dataclasses
import re

from studio.project import AddPlacement, Command, Macro, Placement, Project, SetKeyframes

INTERP_LABELS = {"linear": "Linear", "smooth": "Smooth", "hold": "Hold"}


def set_interp(placement: Placement, index: int, interp: str) -> SetKeyframes:
    """Keyframe ``index`` of the placement's curve gets interpolation ``interp`` (to the next key)."""
    keys = placement.importance.keyframes
    changed = tuple(dataclasses.replace(k, interp=interp) if i == index else k for i, k in enumerate(keys))
    return SetKeyframes(placement.id, changed)


def remove_key(placement: Placement, index: int) -> SetKeyframes:
    keys = placement.importance.keyframes
    return SetKeyframes(placement.id, tuple(k for i, k in enumerate(keys) if i != index))


def place_clips(project: Project, clip_ids: list[str], start: float) -> Command | None:
    """Clips dropped at ``start``: each placed for its usable length (the whole generation time if that is
    unknown), one after the other, as one undo step. Unknown ids are ignored (a stale drag)."""
    known = {c.id for c in project.clips}
    clip_ids = [cid for cid in clip_ids if cid in known]
    if not clip_ids:
        return None
    first = int(re.sub(r"\D", "", project.new_id("p")) or 1)  # new_id("p") is "p-N": one past the highest
    commands: list[Command] = []
    t = max(0.0, start)
    for i, cid in enumerate(clip_ids):
        duration = project.clip(cid).usable_duration or project.settings.duration
        commands.append(AddPlacement(Placement(f"p-{first + i}", cid, t, duration)))
        t += duration
    return commands[0] if len(commands) == 1 else Macro("Add to timeline", commands)
