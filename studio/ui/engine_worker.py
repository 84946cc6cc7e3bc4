"""The engine on its own QThread: the GUI sends frozen requests, the worker answers by signal.

Why this shape:
- Importing torch and building the generator is slow, so it happens lazily here, on the worker thread,
  the first time a frame is needed; the window is already on screen by then.
- Preview requests go stale quickly while scrubbing. Every RenderFrame/Play/Stop carries a *generation*;
  the GUI bumps a shared counter for each, and the worker compares it before the expensive call, so queued
  stale requests are dropped (latest wins) without any locking around the render itself.
- Playback is paced by the GUI's QTimer; the worker renders ahead up to a *horizon* the GUI moves forward,
  and yields to its event loop between frames (a zero-timeout QTimer), so Stop and new requests are seen
  at once.
- Exports and estimates do NOT run here: each gets its own thread (``export_worker.py``), so the preview
  keeps answering while a render goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio.errors import StudioError
from studio.ui.frame_cache import DEFAULT_BUDGET, FrameCache

log = logging.getLogger(__name__)

RendererFactory = Callable[[Any, str], Any]
JobFactory = Callable[..., Any]  # builds a RenderJob; used by export_worker (kept here: app.py imports it)


# ---- requests (frozen: they cross threads and must not change underway) --------------------------
@dataclass(frozen=True)
class RenderFrame:
    n: int
    generation: int


@dataclass(frozen=True)
class Play:
    from_n: int
    generation: int
    direction: int = 1  # +1 forward, -1 backward (J)
    loop: bool = True


@dataclass(frozen=True)
class Stop:
    generation: int


@dataclass(frozen=True)
class UpdateProject:
    project: Any  # a deep copy: the GUI keeps editing its own
    render_key: str  # changes only when an edit changes the pixels; the frame cache survives the rest


@dataclass
class SharedState:
    """What the GUI thread writes and the worker reads between frames (ints under the GIL)."""

    generation: int = 0
    horizon: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self) -> int:
        with self.lock:
            self.generation += 1
            return self.generation


def default_renderer_factory(project: Any, device: str) -> Any:
    from studio.engine.preview import FrameRenderer  # torch loads here, on the worker thread

    return FrameRenderer(project, device=device)


def _device_of(project: Any) -> str:
    return str(getattr(project.settings.engine, "device", "auto") or "auto")


def _resolved_device(name: str) -> str:
    """What "auto" means here, for the status bar (torch is loaded by now: the renderer imported it)."""
    if name != "auto":
        return name
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def frame_count(project: Any) -> int:
    return int(project.settings.frame_count)


def one_line(exc: BaseException) -> str:
    """A StudioError is already one line for the user; anything else is a bug, named by its type."""
    if isinstance(exc, StudioError):
        return str(exc)
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class EngineWorker(QObject):
    frameReady = Signal(int, object, int)  # n, RenderedFrame, generation
    error = Signal(str)
    stateChanged = Signal(str)  # loading | idle | rendering | playing (exports report through EngineHost)
    deviceChanged = Signal(str)
    renderTime = Signal(float)  # seconds the last uncached frame took (the live generation speed)

    def __init__(
        self,
        shared: SharedState,
        renderer_factory: RendererFactory | None = None,
        cache_budget: int = DEFAULT_BUDGET,
    ) -> None:
        super().__init__()
        self._shared = shared
        self._renderer_factory = renderer_factory or default_renderer_factory
        self.cache = FrameCache(cache_budget)
        self._project: Any = None
        self._render_key = ""
        self._renderer: Any = None
        self._renderer_device = ""
        self._play: Play | None = None
        self._next = 0
        self._step_timer = QTimer(self)  # a child: moves to the worker thread with us
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._play_step)

    # ---- dispatch --------------------------------------------------------------------------------
    @Slot(object)
    def submit(self, request: object) -> None:
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
        if self._renderer is not None and _device_of(req.project) != self._renderer_device:
            self._close_renderer()  # a new device needs a new generator
        if req.render_key != self._render_key:
            self._render_key = req.render_key
            self.cache.clear()
        if self._renderer is not None:
            self._renderer.set_project(req.project)  # reopens only the readers that changed

    def _close_renderer(self) -> None:
        close = getattr(self._renderer, "close", None)
        if callable(close):
            close()
        self._renderer = None

    def _get_renderer(self) -> Any:
        if self._renderer is None:
            if self._project is None:
                raise RuntimeError("no project sent to the engine yet")
            self.stateChanged.emit("loading")
            device = _device_of(self._project)
            self._renderer = self._renderer_factory(self._project, device)
            self._renderer_device = device
            synth = getattr(self._renderer, "synthesizer", None)
            self.deviceChanged.emit(str(getattr(synth, "device", None) or _resolved_device(device)))
        return self._renderer

    def _render(self, n: int) -> Any:
        record = self.cache.get(n)
        if record is None:
            renderer = self._get_renderer()
            started = time.perf_counter()
            record = renderer.render(n)
            self.renderTime.emit(time.perf_counter() - started)
            self.cache.put(n, record)
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
        self.stateChanged.emit("rendering")
        record = self._render(n)
        self.frameReady.emit(n, record, req.generation)
        self.stateChanged.emit("idle")

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
        self._close_renderer()
        self.cache.clear()
