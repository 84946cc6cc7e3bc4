"""The engine on its own QThread: the GUI sends frozen requests, the worker answers by signal.

Why this shape:
- Importing torch and building the generator is slow, so it happens here, on the worker thread, once the
  window is on screen: torch is loaded first thing when the thread starts (``warm_up``, see ``warmup.py``
  for how that leaves the GUI thread its GIL), the generator is built on the first frame needed.
- Preview requests go stale quickly while scrubbing. Every RenderFrame/Play/Stop carries a *generation*;
  the GUI bumps a shared counter for each, and the worker compares it before the expensive call, so queued
  stale requests are dropped (latest wins) without any locking around the render itself.
- Playback is paced by the GUI's QTimer; the worker renders ahead up to a *horizon* the GUI moves forward,
  and yields to its event loop between frames (a zero-timeout QTimer), so Stop and new requests are seen
  at once.
- Exports and estimates do NOT run here: each is a job on a thread of its own (``studio.ui.export.worker``),
  so the preview keeps answering while a render goes on.
- Progressive refinement, as 3D viewports do: playing and scrubbing show the *draft* synthesis (real time).
  Once a requested frame is shown and no new request came for ``refine_delay_ms``, a second renderer with
  the *final* synthesis renders that frame again, warmed up on the frames before it (the final synthesis
  keeps temporal state, so frame n alone would not look like the export's frame n). It runs one frame per
  event-loop turn and checks the generation before each, so any request (seek, play, edit) aborts it within
  one frame's synthesis. The final frame is emitted like the draft (same n, same generation), labelled
  ``record.quality == "final"``, and cached apart from the draft: a revisited paused frame is final at once.
  An edit that leaves the pixels alone (crf, audio, export quality) lets a refinement go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio.engine.gpu_lock import GPU
from studio.errors import one_line
from studio.ui.engine.frame_cache import DEFAULT_BUDGET, FrameCache
from studio.ui.engine.renderers import (
    DRAFT,
    FINAL,
    close_renderer,
    default_final_factory,
    default_renderer_factory,
    device_of,
    frame_count,
    labelled,
    resolved_device,
)
from studio.ui.engine.requests import Play, RenderFrame, SharedState, Stop, UpdateProject
from studio.ui.engine.warmup import TorchLoader

log = logging.getLogger(__name__)

RendererFactory = Callable[[Any, str], Any]
JobFactory = Callable[..., Any]  # builds a RenderJob; used by the export jobs (kept here: app imports it)


REFINE_DELAY_MS = 150  # a paused frame refines after this long without a new request
REFINE_WARMUP = 6  # frames before n the final synthesis runs through first (its temporal state)


@dataclass
class _Refinement:
    """The paused frame being refined: ``n`` under the request's ``generation``."""

    n: int
    generation: int
    started: bool = False


class EngineWorker(QObject):
    frameReady = Signal(int, object, int)  # n, RenderedFrame (.quality draft | final), generation
    refineStarted = Signal(int, int)  # n, generation: the final version of that shown frame is underway
    error = Signal(str)
    warning = Signal(str)  # each new warning of a preview renderer (a fallback, features missing), once
    # starting | loading | idle | rendering | playing | refining (exports report through EngineHost)
    stateChanged = Signal(str)
    warmed = Signal()  # warm_up is done: torch is loaded (or was never needed), requests are answered now
    deviceChanged = Signal(str)
    renderTime = Signal(float)  # seconds the last uncached draft frame took (the live generation speed)

    def __init__(
        self,
        shared: SharedState,
        renderer_factory: RendererFactory | None = None,
        cache_budget: int = DEFAULT_BUDGET,
        final_factory: RendererFactory | None = None,
        *,
        refine: bool = True,
        refine_delay_ms: int = REFINE_DELAY_MS,
        warmup: int = REFINE_WARMUP,
        load_torch: bool | None = None,
    ) -> None:
        super().__init__()
        self._shared = shared
        # The engine's own renderer needs torch; a stand-in renderer (tests) may not, and then nothing waits.
        self.load_torch = renderer_factory is None if load_torch is None else load_torch
        self.torch_loader = TorchLoader()  # the host lets it load once the window is painted
        self._renderer_factory = renderer_factory or default_renderer_factory
        self._final_factory = final_factory or default_final_factory
        self.refine = refine
        self.warmup = max(int(warmup), 0)
        self.cache = FrameCache(cache_budget)  # keys (n, "draft") and (n, "final")
        self._project: Any = None
        self._render_key = ""
        self._renderer: Any = None
        self._renderer_device = ""
        self._final: Any = None
        self._final_device = ""
        self._play: Play | None = None
        self._next = 0
        self._refinement: _Refinement | None = None
        self._step_timer = QTimer(self)  # a child: moves to the worker thread with us
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._play_step)
        self._refine_delay = QTimer(self)  # quiet time after a shown frame before refining it
        self._refine_delay.setSingleShot(True)
        self._refine_delay.setInterval(max(int(refine_delay_ms), 0))
        self._refine_delay.timeout.connect(self._refine_step)
        self._refine_timer = QTimer(self)  # one refinement frame per event-loop turn
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(0)
        self._refine_timer.timeout.connect(self._refine_step)

    # ---- dispatch --------------------------------------------------------------------------------
    @Slot()
    def warm_up(self) -> None:
        """The engine thread's first work, before its event loop takes requests: load torch as soon as the
        window is painted, so the first frame asked for (Space pressed at once) does not import it."""
        if self.load_torch:
            self.stateChanged.emit("starting")
            try:
                self.torch_loader.load()
            except Exception as exc:  # a broken install: said now, and again by the first render
                log.exception("loading the engine failed")
                self.error.emit(one_line(exc))
            self.stateChanged.emit("idle")
        self.warmed.emit()

    @Slot(object)
    def submit(self, request: object) -> None:
        if not isinstance(request, UpdateProject):
            self._cancel_refinement()  # a seek, play or stop supersedes it (a seek may start its own)
        try:
            if isinstance(request, UpdateProject):
                self._update_project(request)
            elif isinstance(request, RenderFrame):
                self._render_request(request)
            elif isinstance(request, Play):
                self._start_play(request)
            elif isinstance(request, Stop):
                self._stop_play()
        except Exception as exc:  # never let an engine failure kill the thread: report it and stay alive
            log.exception("engine request %r failed", type(request).__name__)
            self._play = None
            self.error.emit(one_line(exc))
            self.stateChanged.emit("idle")

    @Slot()
    def wake(self) -> None:
        """The GUI moved the playback horizon: resume rendering ahead if we were waiting for it."""
        if self._play is not None and not self._step_timer.isActive():
            self._step_timer.start()

    # ---- project and renderer --------------------------------------------------------------------
    def _update_project(self, req: UpdateProject) -> None:
        self._project = req.project
        device = device_of(req.project)
        if self._renderer is not None and device != self._renderer_device:
            self._close_renderer()  # a new device needs a new generator
        if self._final is not None and device != self._final_device:
            self._close_final()
        if req.render_key != self._render_key:
            self._render_key = req.render_key
            if req.frames is not None:  # the edit said which frames it changed: the rest stay
                self.cache.drop_frames(*req.frames)
            else:
                self.cache.clear()
            self._cancel_refinement()  # the pixels changed: the GUI asks for the shown frame again
        # else a refinement goes on: the final renderer's state restarts (set_project), the next step warms up
        for renderer in (self._renderer, self._final):
            if renderer is not None:
                renderer.set_project(req.project)  # reopens only the readers that changed

    def _close_renderer(self) -> None:
        close_renderer(self._renderer)
        self._renderer = None

    def _close_final(self) -> None:
        close_renderer(self._final)
        self._final = None

    def _get_renderer(self) -> Any:
        if self._renderer is None:
            if self._project is None:
                raise RuntimeError("no project sent to the engine yet")
            self.stateChanged.emit("loading")
            device = device_of(self._project)
            self._renderer = self._renderer_factory(self._project, device)
            self._renderer_device = device
            synth = getattr(self._renderer, "synthesizer", None)
            self.deviceChanged.emit(str(getattr(synth, "device", None) or resolved_device(device)))
        return self._renderer

    def _render(self, n: int) -> Any:
        """The draft frame n, from the cache or the draft renderer (playback and scrubbing)."""
        record = self.cache.get((n, DRAFT))
        if record is None:
            renderer = self._get_renderer()
            started = time.perf_counter()
            try:
                record = labelled(renderer.render(n), DRAFT)
            finally:
                self._relay_warnings(renderer)
            self.renderTime.emit(time.perf_counter() - started)
            self.cache.put((n, DRAFT), record)
        return record

    # ---- preview ---------------------------------------------------------------------------------
    def _render_request(self, req: RenderFrame) -> None:
        if req.generation != self._shared.generation or self._project is None:
            return  # a newer request is queued behind this one (or there is nothing to render yet)
        self._play = None
        total = frame_count(self._project)
        if total <= 0:
            return
        n = min(max(req.n, 0), total - 1)
        refine = self.refine and self._exports_final()
        final = self.cache.get((n, FINAL)) if refine else None
        if final is not None:  # refined before: shown final at once, nothing left to do
            self.frameReady.emit(n, final, req.generation)
            return
        self.stateChanged.emit("rendering")
        record = self._render(n)
        self.frameReady.emit(n, record, req.generation)
        self.stateChanged.emit("idle")
        if refine:
            self._refinement = _Refinement(n, req.generation)
            self._refine_delay.start()

    def _exports_final(self) -> bool:
        """Refine only toward what the export will make: a project exporting draft is shown as it is."""
        engine = getattr(getattr(self._project, "settings", None), "engine", None)
        return getattr(engine, "quality", "final") == "final"

    # ---- refinement of the paused frame ----------------------------------------------------------
    def _cancel_refinement(self) -> None:
        self._refine_delay.stop()
        self._refine_timer.stop()
        job, self._refinement = self._refinement, None
        if job is not None and job.started:
            self.stateChanged.emit("idle")

    def _refine_step(self) -> None:
        """One frame of the refinement: a warm-up frame before n, or n itself (then emitted and cached).

        The final renderer continues its temporal state when it last rendered a frame in the warm-up range
        (stepping forward refines n+1 with one frame); anywhere else it starts over at n - warmup."""
        job = self._refinement
        if job is None:
            return
        if job.generation != self._shared.generation or self._play is not None or self._project is None:
            self._cancel_refinement()  # a newer request is on its way: it decides what happens next
            return
        if GPU.holder is not None and device_of(self._project) != "cpu":
            self._cancel_refinement()  # text-to-video has the GPU (studio.engine.gpu_lock): stay on draft
            return
        if not job.started:
            job.started = True
            self.refineStarted.emit(job.n, job.generation)
            self.stateChanged.emit("refining")
        try:
            if self._final is None:  # building it (a synthesizer, readers) is this turn's work
                self._final = self._final_factory(self._project, device_of(self._project))
                self._final_device = device_of(self._project)
                self._refine_timer.start()
                return
            start = max(job.n - self.warmup, 0)
            last = getattr(self._final, "last", None)
            n = last + 1 if last is not None and start - 1 <= last < job.n else start
            try:
                record = self._final.render(n)
            finally:
                self._relay_warnings(self._final)
        except Exception as exc:  # the draft stays on screen; the worker goes on
            log.exception("refining frame %d failed", job.n)
            self._cancel_refinement()
            self.error.emit(one_line(exc))
            return
        if n < job.n:
            self._refine_timer.start()  # back to the event loop first: a request arriving now wins
            return
        record = labelled(record, FINAL)
        self.cache.put((job.n, FINAL), record)
        self._refinement = None
        self.frameReady.emit(job.n, record, job.generation)
        self.stateChanged.emit("idle")

    def _relay_warnings(self, renderer: Any) -> None:
        """What the renderer's synthesizer said since the last frame (FrameRenderer.take_warnings)."""
        take = getattr(renderer, "take_warnings", None)
        if callable(take):
            for message in take():
                self.warning.emit(message)

    @property
    def refining(self) -> bool:
        """Whether a refinement is scheduled or underway (worker thread; tests read it when idle)."""
        return self._refinement is not None

    def _start_play(self, req: Play) -> None:
        if req.generation != self._shared.generation or self._project is None:
            return
        self._play = req
        self._next = req.from_n
        self.stateChanged.emit("playing")
        self._step_timer.start()

    def _stop_play(self) -> None:
        if self._play is not None:
            self._play = None
            self.stateChanged.emit("idle")

    def _play_step(self) -> None:
        play = self._play
        if play is None:
            return
        if play.generation != self._shared.generation:
            self._play = None
            return
        ahead = self._next - self._shared.horizon
        if ahead * play.direction > 0:
            return  # far enough ahead of the viewer: wait for wake()
        total = frame_count(self._project)
        n = self._next
        if not 0 <= n < total:
            if not play.loop or total <= 0:
                self._play = None
                self.stateChanged.emit("idle")
                return
            n = 0 if play.direction > 0 else total - 1
        try:
            record = self._render(n)
        except Exception as exc:
            log.exception("preview frame %d failed", n)
            self._play = None
            self.error.emit(one_line(exc))
            self.stateChanged.emit("idle")
            return
        self.frameReady.emit(n, record, play.generation)
        self._next = n + play.direction
        self._step_timer.start()

    @Slot()
    def shutdown(self) -> None:
        """Runs on the worker thread just before it quits: release the device and open files."""
        self._play = None
        self._step_timer.stop()
        self._cancel_refinement()
        self._close_renderer()
        self._close_final()
        self.cache.clear()
