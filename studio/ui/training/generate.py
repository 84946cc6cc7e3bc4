"""The timeline's generate actions: *Extend clip*, *Retime to fill* and *Morph into next*, run with the
project's trained models off the GUI thread, their result dropped into the library and onto the timeline.

Each action takes the newest checkpoint of a fitting kind that the Training panel saved for this project
(``studio.models.locations``): extend uses a Transformer or ConvLSTM, retime a Transformer (interpolation),
morph a VAE. The model runs in a superqt worker on the thread pool (``studio.ui.jobs.FunctionJob`` over
``studio.models.generate.generate_clip``: it only reads a snapshot of the project and writes the MP4 +
provenance sidecar); back on the GUI thread one undo step adds the clip and its placement:

- extend: right after the placement, for the new frames' length;
- retime: the placement is replaced by the clip slowed down (with generated in-between frames) to fill the
  gap up to the next placement or the end of the generation time; its importance curve and pins are kept;
- morph: centred on the boundary between the placement and the next one (by start time).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from studio.errors import Cancelled, CancelToken, one_line
from studio.models.locations import find_checkpoint
from studio.project import AddClip, AddPlacement, Macro, Placement, RemovePlacement
from studio.ui.jobs import FunctionJob

KINDS = {"extend": ("transformer", "convlstm"), "interpolate": ("interp", "transformer"), "morph": ("vae",)}
# Every action also works before any training, at the clip's own size by DIS flow (interpolated, the clip's
# motion continued, or carried across a cross-dissolve); a trained model, when there is one, is used instead.


def describe(clip: Any) -> str:
    """The status line for a generated clip: its name and, for a flow extension, how far it can be trusted."""
    text = f"Generated: {clip.name}"
    trusted = (clip.provenance or {}).get("trustworthy_frames")
    if trusted is not None:
        frames = (clip.provenance or {}).get("frames", trusted)
        text += (
            f" (the first {trusted} of its {frames} frames stay trustworthy; later ones drift at the edges)"
        )
    return text


MAX_FACTOR = 8  # in-between frames per source frame a retime asks for, at most (the Transformer's window: 12)


def _generate_job(project: Any, checkpoint: str | None, op: str, clip_ids: list[str], frames: int,
                  factor: int,
                  device: str, cancel: CancelToken):  # fmt: skip
    from studio.models.generate import generate_clip  # torch loads in the worker, never on the GUI thread

    return generate_clip(
        project, checkpoint, op, clip_ids, frames=frames, factor=factor, device=device, cancel=cancel
    )


class ClipGenerator(QObject):
    """One generation at a time; ``finished(str)`` carries the new clip's id, ``failed(str)`` one line."""

    started = Signal(str)
    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, window: Any, ask: Callable[[str, str, float], float | None] | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._ask = ask or self._ask_seconds
        self._worker = None
        self._token: CancelToken | None = None

    # --- what the timeline's context menu offers ------------------------------------------------------------
    def menu_actions(self, placement_id: str) -> list[tuple[str, Callable[[], None]]]:
        actions = [
            ("Extend clip…", lambda: self.extend(placement_id)),
            ("Retime to fill", lambda: self.retime_to_fill(placement_id)),
        ]
        if self._next_placement(placement_id) is not None:
            actions.append(("Morph into next clip…", lambda: self.morph_to_next(placement_id)))
        return actions

    @property
    def running(self) -> bool:
        return self._worker is not None

    # --- the actions ----------------------------------------------------------------------------------------
    def extend(self, placement_id: str, seconds: float | None = None) -> bool:
        p, clip = self._placement(placement_id)
        seconds = seconds if seconds is not None else self._ask("Extend clip", "Seconds to add", 2.0)
        if not seconds or seconds <= 0:
            return False
        frames = max(1, round(seconds * clip.fps))

        def place(new: Any, ids: list[str]) -> list[Any]:
            return [AddPlacement(Placement(ids[0], new.id, p.end, frames / new.fps))]

        return self._run("extend", [clip.id], frames, 2, place)

    def retime_to_fill(self, placement_id: str) -> bool:
        p, clip = self._placement(placement_id)
        project = self._window.project
        following = [q.start for q in project.placements if q.id != p.id and q.start > p.start + 1e-9]
        target = min([*following, project.settings.duration]) - p.start
        source_s = clip.usable_duration or p.duration
        if target <= 0 or not source_s:
            self.failed.emit("Nothing to fill: the next clip starts where this one does")
            return False
        factor = min(MAX_FACTOR, max(2, math.ceil(target / source_s)))

        def place(new: Any, ids: list[str]) -> list[Any]:
            speed = new.duration / target  # source seconds per output second: the clip spans the gap
            retimed = Placement(ids[0], new.id, p.start, target, speed, p.end_mode, p.importance, p.pins)
            return [RemovePlacement(p.id), AddPlacement(retimed)]

        return self._run("interpolate", [clip.id], 1, factor, place)

    def morph_to_next(self, placement_id: str, seconds: float | None = None) -> bool:
        p, clip = self._placement(placement_id)
        q = self._next_placement(placement_id)
        if q is None:
            self.failed.emit("Morph needs a clip after this one on the timeline")
            return False
        seconds = seconds if seconds is not None else self._ask("Morph into next clip", "Seconds", 1.0)
        if not seconds or seconds <= 0:
            return False
        frames = max(2, round(seconds * clip.fps))
        start = max(0.0, (p.end + q.start) / 2 - seconds / 2)

        def place(new: Any, ids: list[str]) -> list[Any]:
            return [AddPlacement(Placement(ids[0], new.id, start, frames / new.fps))]

        return self._run("morph", [clip.id, q.clip_id], frames, 2, place)

    def shutdown(self) -> None:
        """Cancel a running generation and wait for its worker (the window is closing)."""
        if self._token is not None:
            self._token.cancel()  # checked once the model has run: nothing is written after it
        if self._worker is not None:
            self._worker.join(60000)

    # --- internals ------------------------------------------------------------------------------------------
    def _placement(self, placement_id: str) -> tuple[Any, Any]:
        project = self._window.project
        p = project.placement(placement_id)
        return p, project.clip(p.clip_id)

    def _next_placement(self, placement_id: str) -> Any:
        project = self._window.project
        p = project.placement(placement_id)
        later = [q for q in project.placements if q.id != p.id and q.start > p.start + 1e-9]
        return min(later, key=lambda q: q.start) if later else None

    def _ask_seconds(self, title: str, label: str, default: float) -> float | None:
        parent = self._window if isinstance(self._window, QWidget) else None
        value, ok = QInputDialog.getDouble(parent, title, label, default, 0.1, 60.0, 1)
        return value if ok else None

    def _run(self, op: str, clip_ids: list[str], frames: int, factor: int,
             place: Callable[[Any, list[str]], list[Any]]) -> bool:  # fmt: skip
        if self.running:
            self.failed.emit("A generation is already running: wait for it to finish")
            return False
        project = self._window.project
        found = find_checkpoint(project.path, KINDS[op])
        checkpoint = None if found is None else str(found)
        if any(not project.clip(cid).online for cid in clip_ids):
            self.failed.emit("The clip's media is offline: relink it first")
            return False
        self._token = CancelToken()
        device = str(getattr(project.settings.engine, "device", "auto"))
        self._worker = FunctionJob(
            _generate_job, project.snapshot(), checkpoint, op, clip_ids, frames, factor, device, self._token
        )
        self._worker.returned.connect(lambda result: self._done(result, place))
        self._worker.errored.connect(self._error)
        self._worker.finished.connect(self._ended)
        self.started.emit(op)
        self._worker.start()
        return True

    def _done(self, result: Any, place: Callable[[Any, list[str]], list[Any]]) -> None:
        project = self._window.project
        clip = dataclasses.replace(result.clip, id=project.new_id("clip"))
        commands = [AddClip(clip), *place(clip, project.new_ids("p", 1))]
        label = {"extend": "Extend clip", "interpolate": "Retime to fill", "morph": "Morph"}
        self._window.document.push(Macro(label[result.provenance["operation"]], commands))
        self.finished.emit(clip.id)

    def _error(self, exc: BaseException) -> None:
        if not isinstance(exc, Cancelled):
            self.failed.emit(one_line(exc))

    def _ended(self) -> None:
        self._worker = None
        self._token = None
