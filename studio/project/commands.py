"""Undoable edits of a :class:`Project`, Qt-free (the UI wraps each in a QUndoCommand).

Contract of every command: ``redo`` validates *before* it mutates, so a refused edit (ProjectError) leaves
the project exactly as it was; ``undo`` restores the exact previous document, items at their old indices.
Commands find their targets by id, never by object, since every edit replaces frozen values.
After ``redo``, ``affects_render`` says whether rendered frames may differ (so preview caches can drop them)
and ``time_range`` the output seconds concerned (None = the whole timeline).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studio.errors import ProjectError
from studio.project.curve import ImportanceCurve, Keyframe
from studio.project.masks import MaskKey, changed_span, sorted_keys
from studio.project.model import Clip, EngineSettings, GenerationSettings, Pin, Placement, Project
from studio.project.schema import (
    check_references,
    clip_from_dict,
    clip_to_dict,
    placement_from_dict,
    placement_to_dict,
    settings_from_dict,
    settings_to_dict,
)

_KEEP: Any = object()
Span = tuple[float, float]


class Command:
    text: str = ""
    affects_render: bool = True
    time_range: Span | None = None

    def redo(self, project: Project) -> None:
        raise NotImplementedError

    def undo(self, project: Project) -> None:
        raise NotImplementedError


def _union(*spans: Span | None) -> Span | None:
    real = [s for s in spans if s is not None]
    return (min(s[0] for s in real), max(s[1] for s in real)) if real else None


def _span(p: Placement) -> Span:
    return (p.start, p.end)


def _valid_placement(p: Placement, index: int) -> Placement:
    """The same checks as loading a file (a round trip through the reader), path named by index."""
    return placement_from_dict(placement_to_dict(p), f"placements[{index}]")


def _valid_clip(c: Clip, index: int) -> Clip:
    checked = clip_from_dict(clip_to_dict(c, None), f"clips[{index}]", None)
    return dataclasses.replace(checked, offline_reason=c.offline_reason)


def _index(items: Sequence[Clip | Placement], item_id: str, kind: str) -> int:
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    raise ProjectError(f'no {kind} with id "{item_id}"')


class AddClip(Command):
    affects_render = False  # no placement uses it yet; appended, so existing columns keep their index

    def __init__(self, clip: Clip, index: int | None = None) -> None:
        self.clip, self.index, self.text = clip, index, f"Import {clip.name}"

    def redo(self, project: Project) -> None:
        if any(c.id == self.clip.id for c in project.clips):
            raise ProjectError(f'a clip with id "{self.clip.id}" already exists')
        index = len(project.clips) if self.index is None else self.index
        project.clips.insert(index, _valid_clip(self.clip, index))

    def undo(self, project: Project) -> None:
        del project.clips[_index(project.clips, self.clip.id, "clip")]


class RemoveClip(Command):
    """Removes the clip, its placements, and its role as guide; undo puts all back where they were."""

    def __init__(self, clip_id: str) -> None:
        self.clip_id, self.text = clip_id, "Remove clip"
        self._clip: tuple[int, Clip] | None = None
        self._placements: list[tuple[int, Placement]] = []
        self._settings: GenerationSettings | None = None

    def redo(self, project: Project) -> None:
        i = _index(project.clips, self.clip_id, "clip")
        self._clip = (i, project.clips[i])
        self.text = f"Remove {project.clips[i].name}"
        self._placements = [(j, p) for j, p in enumerate(project.placements) if p.clip_id == self.clip_id]
        self._settings = project.settings
        self.affects_render = bool(self._placements) or i < len(project.clips) - 1  # columns shift
        project.placements[:] = [p for p in project.placements if p.clip_id != self.clip_id]
        del project.clips[i]
        engine = project.settings.engine
        if engine.guide_clip == self.clip_id:
            engine = dataclasses.replace(engine, guide_clip=None, mode="free")
            project.settings = dataclasses.replace(project.settings, engine=engine)
            self.affects_render = True

    def undo(self, project: Project) -> None:
        assert self._clip is not None and self._settings is not None, "undo before redo"
        project.clips.insert(*self._clip)
        for j, p in self._placements:  # ascending indices: each lands where it was
            project.placements.insert(j, p)
        project.settings = self._settings


class AddPlacement(Command):
    def __init__(self, placement: Placement, index: int | None = None) -> None:
        self.placement, self.index, self.text = placement, index, "Add to timeline"

    def redo(self, project: Project) -> None:
        p = self.placement
        _index(project.clips, p.clip_id, "clip")
        if any(x.id == p.id for x in (*project.clips, *project.placements)):
            raise ProjectError(f'the id "{p.id}" is already used')
        index = len(project.placements) if self.index is None else self.index
        project.placements.insert(index, _valid_placement(p, index))
        self.time_range = _span(p)

    def undo(self, project: Project) -> None:
        del project.placements[_index(project.placements, self.placement.id, "placement")]


class RemovePlacement(Command):
    def __init__(self, placement_id: str) -> None:
        self.placement_id, self.text = placement_id, "Remove from timeline"
        self._old: tuple[int, Placement] | None = None

    def redo(self, project: Project) -> None:
        i = _index(project.placements, self.placement_id, "placement")
        self._old = (i, project.placements.pop(i))
        self.time_range = _span(self._old[1])

    def undo(self, project: Project) -> None:
        assert self._old is not None, "undo before redo"
        project.placements.insert(*self._old)


class _EditPlacement(Command):
    """Replace one placement by an edited copy (validated), and optionally its clip (in/out points)."""

    def __init__(self, placement_id: str, text: str) -> None:
        self.placement_id, self.text = placement_id, text
        self._old: Placement | None = None
        self._old_clip: Clip | None = None

    def edit(self, p: Placement) -> Placement:
        return p

    def edit_clip(self, c: Clip) -> Clip:
        return c

    def redo(self, project: Project) -> None:
        i = _index(project.placements, self.placement_id, "placement")
        old = project.placements[i]
        new = _valid_placement(self.edit(old), i)
        k = _index(project.clips, old.clip_id, "clip")
        old_clip = project.clips[k]
        new_clip = self.edit_clip(old_clip)
        if new_clip != old_clip:
            new_clip = _valid_clip(new_clip, k)
        # Everything validated: now mutate.
        self._old, self._old_clip = old, old_clip
        project.placements[i] = new
        project.clips[k] = new_clip
        spans = [_span(old), _span(new)]
        if new_clip != old_clip:  # every placement of the clip now plays another segment
            spans += [_span(p) for p in project.placements_of(old_clip.id)]
        self.time_range = _union(*spans)

    def undo(self, project: Project) -> None:
        assert self._old is not None and self._old_clip is not None, "undo before redo"
        project.placements[_index(project.placements, self.placement_id, "placement")] = self._old
        project.clips[_index(project.clips, self._old_clip.id, "clip")] = self._old_clip


class MovePlacement(_EditPlacement):
    def __init__(self, placement_id: str, start: float) -> None:
        super().__init__(placement_id, "Move")
        self.start = start

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, start=self.start)


class TrimPlacement(_EditPlacement):
    """Trim on the timeline (start/duration) and/or the clip's in/out points (shared by its placements)."""

    def __init__(
        self,
        placement_id: str,
        *,
        start: Any = _KEEP,
        duration: Any = _KEEP,
        in_s: Any = _KEEP,
        out_s: Any = _KEEP,
    ) -> None:
        super().__init__(placement_id, "Trim")
        self.changes = {k: v for k, v in (("start", start), ("duration", duration)) if v is not _KEEP}
        self.clip_changes = {k: v for k, v in (("in_s", in_s), ("out_s", out_s)) if v is not _KEEP}

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, **self.changes)

    def edit_clip(self, c: Clip) -> Clip:
        return dataclasses.replace(c, **self.clip_changes)


class SetPlacementField(_EditPlacement):
    FIELDS = ("speed", "end_mode")

    def __init__(self, placement_id: str, field: str, value: Any) -> None:
        if field not in self.FIELDS:
            raise ProjectError(f"{field}: not an editable placement field (one of {', '.join(self.FIELDS)})")
        super().__init__(placement_id, f"Set {field.replace('_', ' ')}")
        self.field, self.value = field, value

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, **{self.field: self.value})


class SetKeyframes(_EditPlacement):
    def __init__(self, placement_id: str, keyframes: Sequence[Keyframe]) -> None:
        super().__init__(placement_id, "Edit importance")
        self.keyframes = tuple(keyframes)

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, importance=ImportanceCurve(self.keyframes))


class SetPins(_EditPlacement):
    """Replace a placement's pins (share bounds of its clip over time ranges) with ``pins``."""

    def __init__(self, placement_id: str, pins: Sequence[Pin], text: str = "Edit pins") -> None:
        super().__init__(placement_id, text)
        self.pins = tuple(pins)
        for pin in self.pins:
            if not isinstance(pin, Pin):
                raise ProjectError(f"pins: expected Pin values, got {type(pin).__name__}")

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, pins=self.pins)


class SetMasks(_EditPlacement):
    """Replace a placement's painted masks with ``masks``; ``time_range`` is only where the key in force
    changes (a new key up to the next one), so a preview keeps every other frame it made."""

    def __init__(self, placement_id: str, masks: Sequence[MaskKey], text: str = "Paint mask") -> None:
        super().__init__(placement_id, text)
        for key in masks:
            if not isinstance(key, MaskKey):
                raise ProjectError(f"masks: expected MaskKey values, got {type(key).__name__}")
        self.masks = sorted_keys(masks)

    def edit(self, p: Placement) -> Placement:
        return dataclasses.replace(p, masks=self.masks)

    def redo(self, project: Project) -> None:
        super().redo(project)
        assert self._old is not None
        span = changed_span(self._old.masks, self.masks, self._old.duration)
        self.affects_render = span is not None
        self.time_range = None if span is None else (self._old.start + span[0], self._old.start + span[1])


_NO_RENDER_EFFECT = {"crf", "audio", "engine.device"}  # only the exported file / the speed change


class SetSettings(Command):
    """Set several generation settings at once, e.g. ``{"engine.mode": "guide", "engine.guide_clip": "c-2"}``:
    one command, so a combination that is only valid together can be made."""

    def __init__(self, values: dict[str, Any], text: str = "Change settings") -> None:
        self.values, self.text = dict(values), text
        self._old: GenerationSettings | None = None
        self.affects_render = not set(self.values) <= _NO_RENDER_EFFECT

    def redo(self, project: Project) -> None:
        data = settings_to_dict(project.settings)
        for path, value in self.values.items():
            head, _, tail = path.partition(".")
            fields = (
                EngineSettings.__dataclass_fields__
                if head == "engine"
                else GenerationSettings.__dataclass_fields__
            )
            key = tail if head == "engine" else head
            if not key or (tail and head != "engine") or key not in fields or key == "engine":
                raise ProjectError(f"settings.{path}: no such setting")
            (data["engine"] if head == "engine" else data)[key] = value
        new = settings_from_dict(data, "settings")
        check_references(Project(project.name, project.clips, project.placements, new))
        self._old, project.settings = project.settings, new

    def undo(self, project: Project) -> None:
        assert self._old is not None, "undo before redo"
        project.settings = self._old


class SetSetting(SetSettings):
    """One setting by dotted path: ``"duration"``, ``"engine.temperature"``."""

    def __init__(self, path: str, value: Any) -> None:
        super().__init__({path: value}, f"Set {path.rpartition('.')[2].replace('_', ' ')}")


class RelinkClip(Command):
    """Point a clip at another file; ``info`` (a probe result) updates its metadata when given."""

    def __init__(self, clip_id: str, path: str | Path, info: Any = None) -> None:
        self.clip_id, self.path, self.info, self.text = clip_id, Path(path).absolute(), info, "Relink"
        self._old: Clip | None = None

    def redo(self, project: Project) -> None:
        k = _index(project.clips, self.clip_id, "clip")
        old = project.clips[k]
        reason = None if self.path.is_file() else f"file not found: {self.path}"
        new = dataclasses.replace(old, path=self.path, offline_reason=reason)
        if self.info is not None:
            i = self.info
            new = dataclasses.replace(
                new,
                fps=float(i.fps),
                frames=int(i.frames),
                width=int(i.width),
                height=int(i.height),
                has_audio=i.audio is not None,
            )
        new = _valid_clip(new, k)
        self._old, project.clips[k] = old, new
        self.affects_render = bool(project.placements_of(self.clip_id))
        self.time_range = _union(*(_span(p) for p in project.placements_of(self.clip_id)))

    def undo(self, project: Project) -> None:
        assert self._old is not None, "undo before redo"
        project.clips[_index(project.clips, self.clip_id, "clip")] = self._old


class Macro(Command):
    """Several commands as one undo step, all or nothing (the window pushes it as one QUndoStack entry)."""

    def __init__(self, text: str, commands: Sequence[Command] = ()) -> None:
        self.text, self.commands = text, list(commands)

    @property
    def affects_render(self) -> bool:  # type: ignore[override]
        return any(c.affects_render for c in self.commands)

    @property
    def time_range(self) -> Span | None:  # type: ignore[override]
        spans = [c.time_range for c in self.commands if c.affects_render]
        return None if any(s is None for s in spans) else _union(*spans)

    def redo(self, project: Project) -> None:
        done: list[Command] = []
        try:
            for c in self.commands:
                c.redo(project)
                done.append(c)
        except BaseException:
            for c in reversed(done):  # all or nothing
                c.undo(project)
            raise

    def undo(self, project: Project) -> None:
        for c in reversed(self.commands):
            c.undo(project)
