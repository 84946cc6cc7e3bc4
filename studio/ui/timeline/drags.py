"""Mouse gestures on the timeline, one small object per gesture: press creates it, moves preview, release
returns ONE project command (or None when nothing changed), Escape cancels.

Why objects and not item event handlers: a gesture spans many mouse events but must become a single undo step
at release, it needs the snapping candidates of the whole timeline, and the items it previews on are rebuilt
whenever the project changes. The view owns the one live gesture; the items stay dumb painters.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from PySide6.QtCore import QPointF

from studio.project import (
    Command,
    Keyframe,
    Macro,
    MovePlacement,
    Pin,
    Project,
    SetKeyframes,
    SetPins,
    SetSetting,
    TrimPlacement,
)
from studio.project.model import Clip
from studio.ui.timeline.geometry import SNAP_PX, TimeScale, snap, whole_seconds_near, y_to_value
from studio.ui.timeline.items import ClipItem, LaneItem

EPS = 1e-9


class DragHost(Protocol):
    """What a gesture needs from the view."""

    project: Project
    scale: TimeScale

    @property
    def fps(self) -> float: ...

    def snap_candidates(self, exclude_placement: str | None) -> list[float]: ...

    def show_snap(self, t: float | None) -> None: ...

    def preview_end(self, seconds: float | None) -> None: ...


class Drag:
    moved = False  # set once the mouse went past the drag distance: a press without a move is a click

    def move(self, pos: QPointF, snapping: bool) -> None:
        raise NotImplementedError

    def finish(self) -> Command | None:
        raise NotImplementedError

    def cancel(self) -> None:
        """Undo the preview (the view also rebuilds from the project, which was never touched)."""


def _snapped(host: DragHost, t: float, exclude: str | None, snapping: bool) -> tuple[float, float | None]:
    if not snapping:
        return t, None
    candidates = [*host.snap_candidates(exclude), *whole_seconds_near(t)]
    return snap(t, candidates, SNAP_PX / host.scale.px_per_s)


def shift_keys(keys: tuple[Keyframe, ...], d: float) -> tuple[Keyframe, ...]:
    """Keys after the placement's start moves right by ``d`` seconds, so the curve stays where it was in
    output time: every key moves left by d, and those that fall before the new start are kept there
    (negative times), as a right trim keeps the keys past the end. The curve on screen is the same at every
    output time, and trimming the block out again brings its head back (collapsing them into one key at 0
    lost that head for good: only undo restored it)."""
    return tuple(dataclasses.replace(k, time=k.time - d) for k in keys)


def shift_pins(pins: tuple[Pin, ...], d: float) -> tuple[Pin, ...]:
    """Pins after the placement's start moves right by ``d`` seconds, so they stay where they were in output
    time: each moves left by d, cut at the new start; one wholly before it is dropped."""
    kept = []
    for pin in pins:
        end = pin.end - d
        if end > EPS:
            kept.append(dataclasses.replace(pin, start=max(0.0, pin.start - d), end=end))
    return tuple(kept)


class MoveDrag(Drag):
    """Drag a block in time; its start or its end snaps to playhead, other blocks' edges, whole seconds."""

    def __init__(self, host: DragHost, block: ClipItem, lane: LaneItem, press: QPointF) -> None:
        self.host, self.block, self.lane = host, block, lane
        self.origin = block.placement.start
        self.press_t = host.scale.t(press.x())
        self.start = self.origin

    def move(self, pos: QPointF, snapping: bool) -> None:
        dur = self.block.placement.duration
        start = max(0.0, self.origin + self.host.scale.t(pos.x()) - self.press_t)
        pid = self.block.placement_id
        by_start = _snapped(self.host, start, pid, snapping)
        by_end = _snapped(self.host, start + dur, pid, snapping)
        shown = None
        if by_start[1] is not None and (
            by_end[1] is None or abs(by_start[0] - start) <= abs(by_end[0] - start - dur)
        ):
            start, shown = by_start[0], by_start[1]
        elif by_end[1] is not None and by_end[0] - dur >= 0.0:
            start, shown = by_end[0] - dur, by_end[1]
        self.start = max(0.0, start)
        self.host.show_snap(shown)
        self.block.set_span(self.start, dur)
        self.lane.set_preview(start=self.start)

    def finish(self) -> Command | None:
        if abs(self.start - self.origin) < EPS:
            return None
        return MovePlacement(self.block.placement_id, self.start)


class TrimDrag(Drag):
    """Left edge: start and the clip's in-point move together (the curve and the pins stay put); right edge:
    duration."""

    def __init__(self, host: DragHost, block: ClipItem, lane: LaneItem, side: str, press: QPointF) -> None:
        self.host, self.block, self.lane, self.side = host, block, lane, side
        p = block.placement
        edge = p.start if side == "left" else p.end
        self.grab = host.scale.t(press.x()) - edge  # the edge keeps its offset from the pointer
        self.placement, self.clip = p, block.clip
        self.d = 0.0  # left: how far the start moved; right: how far the end moved
        self.min_duration = 1.0 / host.fps

    def _left_limits(self, clip: Clip) -> tuple[float, float]:
        p = self.placement
        low = max(-p.start, -clip.in_s / p.speed)  # not before 0, not before the file's first frame
        high = min(p.duration - self.min_duration, (clip.end_s - clip.in_s - 1.0 / clip.fps) / p.speed)
        return low, max(low, high)

    def move(self, pos: QPointF, snapping: bool) -> None:
        p = self.placement
        edge = p.start if self.side == "left" else p.end
        t, shown = _snapped(self.host, self.host.scale.t(pos.x()) - self.grab, p.id, snapping)
        if self.side == "left":
            low, high = self._left_limits(self.clip)
            self.d = min(high, max(low, t - edge))
            start, duration = p.start + self.d, p.duration - self.d
            keys = shift_keys(p.importance.keyframes, self.d)
            self.lane.set_preview(keys=keys, start=start, duration=duration, pins=shift_pins(p.pins, self.d))
        else:
            self.d = max(self.min_duration - p.duration, t - edge)
            start, duration = p.start, p.duration + self.d
            self.lane.set_preview(duration=duration)
        self.host.show_snap(
            shown if abs((start if self.side == "left" else start + duration) - t) < EPS else None
        )
        self.block.set_span(start, duration)

    def finish(self) -> Command | None:
        p = self.placement
        if abs(self.d) < EPS:
            return None
        if self.side == "right":
            return TrimPlacement(p.id, duration=p.duration + self.d)
        trim = TrimPlacement(p.id, start=p.start + self.d, duration=p.duration - self.d,
                             in_s=max(0.0, self.clip.in_s + self.d * p.speed))  # fmt: skip
        steps: list[Command] = [trim]
        if p.importance.keyframes:
            keys = shift_keys(p.importance.keyframes, self.d)
            steps.append(SetKeyframes(p.id, keys))
        if p.pins:
            steps.append(SetPins(p.id, shift_pins(p.pins, self.d)))
        return trim if len(steps) == 1 else Macro("Trim", steps)


class KeyDrag(Drag):
    """Move a keyframe in time and value; a press on the lane's empty part adds a key there (one command)."""

    def __init__(self, host: DragHost, lane: LaneItem, index: int | None, press: QPointF) -> None:
        self.host, self.lane = host, lane
        self.original = lane.keys
        self.vmax = lane.vmax()  # fixed during the gesture, so the lane's scale does not move under the mouse
        self.added = index is None
        if index is None:
            self.key = self._key_at(press, Keyframe(0.0, 1.0, self._neighbour_interp(press)), snapping=False)
            self.others = list(self.original)
        else:
            self.key = self.original[index]
            self.others = [k for i, k in enumerate(self.original) if i != index]
        self._show()

    def _neighbour_interp(self, press: QPointF) -> str:
        t = self.host.scale.t(press.x()) - self.lane.start
        before = [k for k in self.original if k.time <= t]
        return before[-1].interp if before else "linear"

    def _key_at(self, pos: QPointF, like: Keyframe, snapping: bool) -> Keyframe:
        lane = self.lane
        t_abs, shown = _snapped(self.host, self.host.scale.t(pos.x()), None, snapping)
        t_rel = min(lane.duration, max(0.0, t_abs - lane.start))
        self.host.show_snap(shown)
        return dataclasses.replace(
            like, time=t_rel, value=round(y_to_value(pos.y(), lane.rect(), self.vmax), 4)
        )

    def _show(self) -> None:
        keys = tuple(sorted([*self.others, self.key], key=lambda k: k.time))
        self.lane.set_preview(keys=keys)
        self.lane.selected_key = next(i for i, k in enumerate(self.lane.keys) if k is self.key)

    @property
    def keys(self) -> tuple[Keyframe, ...]:
        return self.lane.keys

    def move(self, pos: QPointF, snapping: bool) -> None:
        self.key = self._key_at(pos, self.key, snapping)
        self._show()

    def finish(self) -> Command | None:
        if not self.added and not self.moved:
            return None  # a click on a handle only selects it
        return SetKeyframes(self.lane.placement_id, self.lane.keys)


class EndDrag(Drag):
    """The generation-time marker: output length, in whole output frames."""

    def __init__(self, host: DragHost) -> None:
        self.host = host
        self.origin = host.project.settings.duration
        self.seconds = self.origin

    def move(self, pos: QPointF, snapping: bool) -> None:
        fps = self.host.fps
        t, shown = _snapped(self.host, self.host.scale.t(pos.x()), None, snapping)
        self.seconds = max(1.0 / fps, round(t * fps) / fps)
        self.host.show_snap(shown)
        self.host.preview_end(self.seconds)

    def finish(self) -> Command | None:
        self.host.preview_end(None)
        if abs(self.seconds - self.origin) < EPS:
            return None
        return SetSetting("duration", self.seconds)

    def cancel(self) -> None:
        self.host.preview_end(None)
