"""One export (or one estimate) as a job off the GUI thread, beside the preview engine.

Why not on the engine thread: a render takes minutes, and there it froze the preview for all that time.
``RenderJob`` opens its own readers and synthesizer, so it shares nothing with the preview's
``FrameRenderer`` and needs no lock; the two engines only share the cores, equally while both work
(``studio.engine.cpu_share``).
The estimate runs the real synthesizer for a calibration, so it is a job here too: the GUI thread never
imports torch or waits on it.

A render is the ``RenderJob`` generator run by a superqt worker (:class:`studio.ui.jobs.GeneratorJob`): each
record it yields is the engine's own :class:`~studio.engine.render.Progress` (fps, ETA, warnings: worked out
there, only shown here), delivered by ``yielded`` on the GUI thread; ``returned`` carries the
``RenderResult``, ``errored`` the exception (``Cancelled`` after a cancel). ``ExportTask`` is the GUI
thread's handle on one job: start, cancel (the request's CancelToken, which the render checks between frames;
it then removes what it wrote), join. ``EngineHost`` connects the worker's signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool

from studio.errors import CancelToken
from studio.ui.jobs import FunctionJob, GeneratorJob

JobFactory = Callable[..., Any]

# torch intra-op threads an estimate leaves free on the CPU: one core for decode + encode (RenderJob's own
# threads) and one for the preview engine and the UI. On 2 cores that is 1 torch thread for the export and 1
# for the preview (FrameRenderer reserves 1), instead of 2 + 1 fighting over 2 cores. A render sets the same
# number around its frame loop itself; we set it for the estimate, so its calibration is timed with the
# thread count the render will really get.
EXPORT_RESERVED_CORES = 2


@dataclass(frozen=True)
class Export:
    """One export or estimate request (frozen: it crosses threads and must not change underway)."""

    project: Any  # a deep copy: the GUI keeps editing its own
    output: Path
    attention_dir: Path | None = None
    device: str = "auto"
    estimate_only: bool = False  # answer with an Estimate instead of rendering
    cancel: CancelToken = field(default_factory=CancelToken)  # made by the sender: a cancel never misses
    mattes: tuple[Path, str] | None = None  # (folder, format) of compositing mattes to write too
    frames: range | None = None  # the output frames to render (an in/out range); None: all of them


def default_job_factory(project: Any, output: Path, **kwargs: Any) -> Any:
    from studio.engine.render import RenderJob  # torch loads here, on the job's thread

    return RenderJob(project, output, **kwargs)


def _make_job(request: Export, job_factory: JobFactory) -> Any:
    request.cancel.raise_if_cancelled()  # cancelled before the thread got going: nothing is opened
    # passed only when asked, so job factories that know nothing of mattes or ranges keep working
    extra: dict[str, Any] = {}
    if request.mattes is not None and not request.estimate_only:
        extra = {"mattes_dir": request.mattes[0], "mattes_format": request.mattes[1]}
    if request.frames is not None:
        extra["frames"] = request.frames
    return job_factory(
        request.project,
        request.output,
        attention_dir=request.attention_dir,
        device=request.device,
        cancel=request.cancel,
        **extra,
    )


def render(request: Export, job_factory: JobFactory) -> Iterator[Any]:
    """The job's thread: the render's Progress records as they come; returns its RenderResult."""
    job = _make_job(request, job_factory)
    yield from job  # RenderJob takes its share of the cores by itself (studio.engine.cpu_share)
    return getattr(job, "result", None)


def estimate(request: Export, job_factory: JobFactory) -> Any:
    """The job's thread: the engine's Estimate, calibrated with the torch threads a render would get."""
    job = _make_job(request, job_factory)
    from studio.engine.frame import cpu_threads  # engine modules load on this thread, not the GUI's

    with cpu_threads(request.device, reserved=EXPORT_RESERVED_CORES, user="export-estimate"):
        return job.estimate()


class ExportTask:
    """The GUI thread's handle on one export or estimate job (a superqt worker: ``task.worker``)."""

    def __init__(self, request: Export, job_factory: JobFactory | None = None) -> None:
        self.request = request
        factory = job_factory or default_job_factory
        if request.estimate_only:
            self.worker: FunctionJob | GeneratorJob = FunctionJob(estimate, request, factory)
        else:
            self.worker = GeneratorJob(render, request, factory)
        self.warned = 0  # how many of its Progress warnings were passed on already
        self._started = False

    @property
    def estimate_only(self) -> bool:
        return self.request.estimate_only

    def start(self, pool: QThreadPool | None = None) -> None:
        self._started = True
        self.worker.start(pool)

    def cancel(self) -> None:
        """Flip the request's token: the render stops at its next frame and removes what it wrote."""
        self.request.cancel.cancel()

    def is_running(self) -> bool:
        return self._started and not self.worker.ended

    def join(self, timeout_ms: int | None = None) -> bool:
        """Wait for the job (a render checks its token between frames, so after cancel() this is short)."""
        return not self._started or self.worker.join(timeout_ms)
