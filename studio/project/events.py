"""The document tells, the panels listen: typed change events of one project (Qt-free, psygnal).

Every edit, undo and redo goes through the project's pure commands (``studio.project.commands``), which
replace frozen items instead of mutating them. So *what changed* is found by comparing the project with the
copy taken when changes were last announced (``Project.snapshot()`` is O(items), no deep copy): one rule for
every command, its undo, a merged step and a macro, with nothing for a new command to declare.

:meth:`ProjectEvents.announce` emits, in this order, only the signals whose part changed:
``clips`` (:class:`ClipsChanged`), ``placements`` (:class:`PlacementsChanged`), ``curves``
(:class:`CurvesChanged`), ``settings`` (:class:`SettingsChanged`), then ``changed`` with the whole
:class:`Change` of that edit. ``replaced`` says the document is now another project (new, open, recover).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from psygnal import Signal

from studio.project.masks import changed_span
from studio.project.model import Clip, GenerationSettings, Placement, Project

# Settings that never change a rendered frame's pixels: export-only (crf, audio) and the synthesis quality,
# which the preview picks itself (draft, then final) whatever export makes.
NOT_RENDERED = frozenset({"crf", "audio", "engine.quality"})


@dataclass(frozen=True)
class ItemsChanged:
    """Ids added, removed and changed (same id, another value) in one edit; ``reordered``: the order of the
    items that stayed is not the same (a clip's column / a placement's row moved)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    reordered: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.reordered)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((*self.added, *self.removed, *self.changed))


@dataclass(frozen=True)
class ClipsChanged(ItemsChanged):
    renamed_only: tuple[str, ...] = ()  # of ``changed``: only the name differs (no pixel changes)


@dataclass(frozen=True)
class PlacementsChanged(ItemsChanged):
    """``changed``: a placement's clip, start, duration, speed, end mode or pins (curves:
    ``CurvesChanged``)."""


@dataclass(frozen=True)
class CurvesChanged:
    placements: tuple[str, ...]  # the placements whose importance curve changed

    def __bool__(self) -> bool:
        return bool(self.placements)


@dataclass(frozen=True)
class MasksChanged:
    """Placements of which only the painted masks changed (they are in ``PlacementsChanged.changed`` too)."""

    placements: tuple[str, ...]
    span: tuple[float, float] | None = None  # output seconds whose frames the new masks change

    def __bool__(self) -> bool:
        return bool(self.placements)


@dataclass(frozen=True)
class SettingsChanged:
    keys: frozenset[str]  # dotted paths, as ``SetSettings`` takes them: "fps", "engine.temperature"

    def __bool__(self) -> bool:
        return bool(self.keys)

    @property
    def timing(self) -> bool:
        """The output's frame count or rate changed (the time axes of every panel)."""
        return bool(self.keys & {"fps", "duration"})


@dataclass(frozen=True)
class Change:
    """Everything one edit (or undo, or redo) changed."""

    clips: ClipsChanged = ClipsChanged()
    placements: PlacementsChanged = PlacementsChanged()
    curves: CurvesChanged = CurvesChanged(())
    settings: SettingsChanged = SettingsChanged(frozenset())
    renamed: bool = False  # the project's own name
    masks: MasksChanged = MasksChanged(())

    def __bool__(self) -> bool:
        return bool(self.clips or self.placements or self.curves or self.settings or self.renamed)

    @property
    def affects_render(self) -> bool:
        """Could a rendered frame's pixels differ? (A clip used nowhere still counts: columns shift.)"""
        clips = self.clips
        pixel_clips = set(clips.changed) - set(clips.renamed_only)
        return bool(
            clips.added or clips.removed or pixel_clips or clips.reordered
            or self.placements or self.curves or (self.settings.keys - NOT_RENDERED)
        )  # fmt: skip

    @property
    def render_span(self) -> tuple[float, float] | None:
        """The output seconds outside which no frame's pixels changed, when an edit says so (a painted
        mask: its keys' time range); None when any frame may have changed."""
        clips = self.clips
        only_masks = not (
            clips.added or clips.removed or set(clips.changed) - set(clips.renamed_only) or clips.reordered
            or self.placements.added or self.placements.removed or self.placements.reordered
            or set(self.placements.changed) - set(self.masks.placements)
            or self.curves or (self.settings.keys - NOT_RENDERED)
        )  # fmt: skip
        return self.masks.span if only_masks and self.masks else None


def span_frames(span: tuple[float, float], fps: float) -> tuple[int, int]:
    """Output frames ``first``..``last`` (inclusive) that a ``render_span`` of seconds may touch, with a
    frame to spare on each side (a key typed in seconds may fall a hair either side of its frame)."""
    return max(0, math.floor(span[0] * fps) - 1), math.ceil(span[1] * fps) + 1


def _items(
    before: Sequence[Clip] | Sequence[Placement], after: Sequence[Clip] | Sequence[Placement]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    old = {x.id: x for x in before}
    new = {x.id: x for x in after}
    added = tuple(i for i in new if i not in old)
    removed = tuple(i for i in old if i not in new)
    changed = tuple(i for i in new if i in old and old[i] != new[i])
    kept_old = [i for i in old if i in new]
    kept_new = [i for i in new if i in old]
    return added, removed, changed, kept_old != kept_new


def _settings_keys(before: GenerationSettings, after: GenerationSettings) -> frozenset[str]:
    keys = set()
    for f in dataclasses.fields(GenerationSettings):
        a, b = getattr(before, f.name), getattr(after, f.name)
        if f.name == "engine":
            keys |= {
                f"engine.{g.name}" for g in dataclasses.fields(a) if getattr(a, g.name) != getattr(b, g.name)
            }
        elif a != b:
            keys.add(f.name)
    return frozenset(keys)


def _without_curve(p: Placement) -> tuple:
    return tuple(getattr(p, f.name) for f in dataclasses.fields(p) if f.name != "importance")


def diff(before: Project, after: Project) -> Change:
    """What differs from ``before`` to ``after`` (two states of one document)."""
    added, removed, changed, reordered = _items(before.clips, after.clips)
    old_clips = {c.id: c for c in before.clips}
    renamed_only = tuple(
        i for i in changed if dataclasses.replace(old_clips[i], name=after.clip(i).name) == after.clip(i)
    )
    clips = ClipsChanged(added, removed, changed, reordered, renamed_only)
    p_added, p_removed, p_changed, p_reordered = _items(before.placements, after.placements)
    old_p = {p.id: p for p in before.placements}
    new_p = {p.id: p for p in after.placements}
    curves = tuple(i for i in p_changed if old_p[i].importance != new_p[i].importance)
    moved = tuple(i for i in p_changed if _without_curve(old_p[i]) != _without_curve(new_p[i]))
    placements = PlacementsChanged(p_added, p_removed, moved, p_reordered)
    settings = SettingsChanged(_settings_keys(before.settings, after.settings))
    masks = _masks_changed([(old_p[i], new_p[i]) for i in p_changed])
    return Change(clips, placements, CurvesChanged(curves), settings, before.name != after.name, masks)


def _masks_changed(pairs: list[tuple[Placement, Placement]]) -> MasksChanged:
    """The placements of which only the masks changed, and the output seconds where the key in force did."""
    ids, spans = [], []
    for old, new in pairs:
        if old.masks == new.masks or dataclasses.replace(old, masks=new.masks) != new:
            continue
        ids.append(new.id)
        span = changed_span(old.masks, new.masks, new.duration)
        if span is not None:
            spans.append((new.start + span[0], new.start + span[1]))
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    return MasksChanged(tuple(ids), span)


class ProjectEvents:
    """The typed change signals of the document's project. The undo stack's owner calls :meth:`announce`
    after every edit, undo and redo, and :meth:`replace` when the document becomes another project."""

    clips = Signal(ClipsChanged)
    placements = Signal(PlacementsChanged)
    curves = Signal(CurvesChanged)
    settings = Signal(SettingsChanged)
    changed = Signal(Change)  # after the specific ones: everything this edit changed
    replaced = Signal(Project)

    def __init__(self, project: Project | None = None) -> None:
        self.project = project if project is not None else Project()
        self._seen = self.project.snapshot()

    def replace(self, project: Project) -> None:
        self.project = project
        self._seen = project.snapshot()
        self.replaced.emit(project)

    def announce(self) -> Change:
        """Emit what changed since the last announcement (nothing when nothing did)."""
        change = diff(self._seen, self.project)
        self._seen = self.project.snapshot()
        if not change:
            return change
        for part, signal in (
            (change.clips, self.clips),
            (change.placements, self.placements),
            (change.curves, self.curves),
            (change.settings, self.settings),
        ):
            if part:
                signal.emit(part)
        self.changed.emit(change)
        return change
