"""Painted masks: where the artist says a placement's clip must, or must never, be used.

A placement's ``masks`` are keys over its time (seconds from its start, like its importance keyframes). The
key at or before a time is the one in force until the next key or the placement's end: held as painted
("hold"), or carried along the clip's motion from the painted frame ("track", done by the engine). A key
whose picture is empty lifts the mask from its time on.

Each key's picture is a lossless PNG at the output resolution whose alpha (8 bits) says how much of the key
applies there. It lives beside the project file in ``<project-stem>.masks/`` and is referenced relatively
(POSIX separators), so the project folder can move. Pictures are named after their content, so a name never
changes meaning: an undo that brings an old key back finds its picture where it was.

Pure Python: the engine reads the pictures (OpenCV) and the window paints them (Qt).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from studio.errors import ProjectError
from studio.project.limits import MAX_DURATION

if TYPE_CHECKING:
    from studio.project.model import Placement, Project

MaskMode = Literal["must", "never"]
MaskMotion = Literal["hold", "track"]
MASK_MODES: tuple[str, ...] = ("must", "never")
MASK_MOTIONS: tuple[str, ...] = ("hold", "track")
MAX_FEATHER = 512.0  # px: a wider feather is a gradient over the whole frame, not a mask
_EPS = 1e-9  # output times are n / fps: a key typed in seconds may be a hair after its frame

log = logging.getLogger("studio.project")


def mask_key_problem(
    time: object, path: object, mode: object, strength: object, feather: object, motion: object
) -> str | None:
    """What is wrong with a key's values (one line), or None: the one rule for the dataclass and the file."""
    if isinstance(time, bool) or not isinstance(time, int | float) or not math.isfinite(time) or time < 0:
        return f"time: expected a number of seconds >= 0, got {time!r}"
    if time > MAX_DURATION:  # no placement is that long (24 h)
        return f"time: expected at most {MAX_DURATION:g} s, got {time:g}"
    if not isinstance(path, str) or not path.strip():
        return f"path: expected the picture's path relative to the project, got {path!r}"
    if PurePosixPath(path).is_absolute() or "\\" in path:
        return f"path: expected a relative path with / separators, got {path!r}"
    if mode not in MASK_MODES:
        return f"mode: expected one of {', '.join(MASK_MODES)}, got {mode!r}"
    if isinstance(strength, bool) or not isinstance(strength, int | float) or not 0.0 <= strength <= 1.0:
        return f"strength: expected a number in [0, 1], got {strength!r}"
    bad_feather = isinstance(feather, bool) or not isinstance(feather, int | float)
    if bad_feather or not 0.0 <= feather <= MAX_FEATHER:  # type: ignore[operator]
        return f"feather: expected a radius in pixels in [0, {MAX_FEATHER:g}], got {feather!r}"
    if motion not in MASK_MOTIONS:
        return f"motion: expected one of {', '.join(MASK_MOTIONS)}, got {motion!r}"
    return None


@dataclass(frozen=True)
class MaskKey:
    """One painted mask of a placement, in force from ``time`` (seconds from the placement's start)."""

    time: float
    path: str  # the PNG, relative to the project file's folder, "/" separators
    mode: MaskMode = "never"
    strength: float = 1.0  # how hard the bias pushes: a fraction of the full must / never bias
    feather: float = 8.0  # px: the edge softens over this radius (the seams stay seamless)
    motion: MaskMotion = "hold"  # "track": the mask follows the clip's content by optical flow

    def __post_init__(self) -> None:
        problem = mask_key_problem(self.time, self.path, self.mode, self.strength, self.feather, self.motion)
        if problem is not None:
            raise ProjectError(f"mask: {problem}")


def sorted_keys(masks: Sequence[MaskKey]) -> tuple[MaskKey, ...]:
    """Keys by time; two keys at one time are refused (which would be in force is not said)."""
    keys = tuple(sorted(masks, key=lambda k: k.time))
    for a, b in zip(keys, keys[1:], strict=False):
        if abs(a.time - b.time) < 1e-6:
            raise ProjectError(f"two mask keys at {a.time:g} s")
    return keys


def key_at(masks: Sequence[MaskKey], t: float) -> int | None:
    """Index of the key in force at ``t`` (seconds from the placement's start), None before the first."""
    index = None
    for i, key in enumerate(masks):
        if key.time <= t + _EPS:
            index = i
    return index


def key_span(masks: Sequence[MaskKey], index: int, duration: float) -> tuple[float, float]:
    """Seconds (from the placement's start) over which key ``index`` is in force."""
    end = masks[index + 1].time if index + 1 < len(masks) else duration
    return masks[index].time, max(masks[index].time, min(end, duration))


def changed_span(
    old: Sequence[MaskKey], new: Sequence[MaskKey], duration: float
) -> tuple[float, float] | None:
    """The seconds (from the placement's start) where the key in force differs between ``old`` and
    ``new``, as one span; None when no frame changes. What a preview drops after the edit."""
    cuts = sorted({0.0, duration, *(k.time for k in (*old, *new) if k.time < duration)})
    changed = []
    for t0, t1 in zip(cuts, cuts[1:], strict=False):
        a, b = key_at(old, t0), key_at(new, t0)
        if (None if a is None else old[a]) != (None if b is None else new[b]):
            changed.append((t0, t1))
    return (changed[0][0], changed[-1][1]) if changed else None


def with_key(masks: Sequence[MaskKey], key: MaskKey) -> tuple[MaskKey, ...]:
    """``masks`` with ``key`` added, replacing a key at the same time."""
    return sorted_keys([k for k in masks if abs(k.time - key.time) >= 1e-6] + [key])


# ---------------------------------------------------------------------------------------------- files


def masks_folder(project_path: Path) -> Path:
    """Where a project's mask pictures live: ``<project-stem>.masks/`` beside the project file."""
    return project_path.with_name(f"{project_path.stem}.masks")


def mask_file(project_path: Path | None, key: MaskKey) -> Path | None:
    """The key's picture on disk; None for a project never saved (a relative path means nothing yet)."""
    return None if project_path is None else project_path.parent / key.path


def store_mask_png(project_path: Path | None, placement_id: str, png: bytes) -> str:
    """Write a mask picture (PNG bytes) into the project's masks folder, named after its content, and
    return its relative path for a :class:`MaskKey`. Written to a temp name and renamed: a crash leaves the
    old folder, never half a picture. One-line ProjectError when it cannot be written."""
    if project_path is None:
        raise ProjectError("save the project first: its masks are stored beside the project file")
    folder = masks_folder(Path(project_path))
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in placement_id)
    name = f"{safe_id}-{hashlib.sha1(png).hexdigest()[:16]}.png"
    target = folder / name
    tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not target.is_file():  # the same content is already there under its name
            with open(tmp, "wb") as f:
                f.write(png)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
    except OSError as e:
        raise ProjectError(f"cannot write the mask picture {target}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return PurePosixPath(folder.name, name).as_posix()


def carry_masks(project: Project, target: Path) -> None:
    """Before a "save as" into another folder: copy the pictures the masks reference along (the same
    relative paths under the new folder), so the saved project finds them. Missing ones stay missing."""
    if project.path is None or Path(project.path).parent.resolve() == Path(target).parent.resolve():
        return
    for placement in project.placements:
        for key in placement.masks:
            source, copy = Path(project.path).parent / key.path, Path(target).parent / key.path
            if source.is_file() and not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)  # content-named: an existing copy is the same picture


def missing_masks(project: Project) -> list[tuple[Placement, MaskKey]]:
    """Keys whose picture is not on disk (a project never saved has none to look for)."""
    missing = []
    for placement in project.placements:
        for key in placement.masks:
            path = mask_file(project.path, key)
            if path is not None and not path.is_file():
                missing.append((placement, key))
    return missing


def missing_masks_warning(project: Project) -> str | None:
    """One line naming the masks whose picture is gone (they are left out of renders), or None."""
    missing = missing_masks(project)
    if not missing:
        return None
    first = missing[0][1].path
    more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
    noun = "mask picture is" if len(missing) == 1 else "mask pictures are"
    return f"{len(missing)} {noun} missing, those masks are ignored: {first}{more}"


def warn_missing_masks(project: Project) -> str | None:
    """Log :func:`missing_masks_warning` (one line) and return it; a missing picture is never an error."""
    warning = missing_masks_warning(project)
    if warning is not None:
        log.warning("%s", warning)
    return warning
