"""The timeline's discrete edits (menus, keys, drops) as pure project commands, one undo step each.

Kept out of the view so the view only maps input to these, and so they can be checked without a mouse.
"""

from __future__ import annotations

import dataclasses

from studio.project import Placement, SetKeyframes

INTERP_LABELS = {"linear": "Linear", "smooth": "Smooth", "hold": "Hold"}


def set_interp(placement: Placement, index: int, interp: str) -> SetKeyframes:
    """Keyframe ``index`` of the placement's curve gets interpolation ``interp`` (to the next key)."""
    keys = placement.importance.keyframes
    changed = tuple(dataclasses.replace(k, interp=interp) if i == index else k for i, k in enumerate(keys))
    return SetKeyframes(placement.id, changed)


def remove_key(placement: Placement, index: int) -> SetKeyframes:
    keys = placement.importance.keyframes
    return SetKeyframes(placement.id, tuple(k for i, k in enumerate(keys) if i != index))
