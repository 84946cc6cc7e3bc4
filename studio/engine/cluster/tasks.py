"""One chunk of a cluster render, as a Ray task runs it: the same :class:`~studio.engine.render.RenderJob`
over a frame range, after a warm-up that gives the synthesizer the temporal state a whole render would have.

:func:`render_chunk` is plain Python (no Ray): the Ray task is that function made remote by
:func:`remote_render_chunk`, with Ray's own retries (``max_retries``: a worker killed, a node lost, an
out-of-memory kill) and resources (a GPU per task where the cluster has GPUs). A retried task simply renders
its chunk again: everything it writes goes to temp names renamed when complete (``VideoWriter``, the attention
record), so a killed attempt leaves at most a stray temp file in the job's folder, which the job removes.

Progress goes to a small Ray actor (``studio.engine.cluster.board``): each task says how many of its
frames are done, and which process renders it; the driver reads the board to yield one
:class:`~studio.engine.render.Progress` for the whole job.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.cluster.chunks import COMPARED, LOOK_AHEAD, Chunk, Tail, thumbnail
from studio.engine.synth import SynthInput, SynthOutput
from studio.project.model import Project

REPORT_EVERY_S = 0.25  # a task tells the board at most this often (and at its last frame)


@dataclass(frozen=True)
class ChunkOptions:
    """How every chunk renders (the same for all of them, so the segments join without re-encoding)."""

    device: str = "auto"
    quality: str = "final"
    crf: int | None = None
    preset: str = "medium"
    crossfade: bool = False  # the plain importance crossfade (no attention, no temporal state)


@dataclass(frozen=True)
class ChunkOutcome:
    """What a finished chunk hands back to the driver (small: the frames stay on the shared storage)."""

    chunk: Chunk
    segment: Path  # the chunk's H.264 MP4, no audio
    record: Path  # its attention record (frames numbered from the chunk's start)
    warmed: Tail  # the last synthesized warm-up frames: compared with the previous chunk's ``tail``
    tail: Tail  # the last synthesized frames before the chunk's end
    head: Tail  # its first synthesized frames (compared with the previous chunk's ``ahead``)
    ahead: Tail  # frames synthesized past its end, not written (compared with the next chunk's ``head``)
    warnings: tuple[str, ...]
    device: str
    synthesizer: str  # the synthesizer's class, for the joined record
    seconds: float
    warmup_seconds: float  # of ``seconds``: the frames before the chunk, rendered and discarded
    worker: int  # the process that rendered it


class WarmStart:
    """A synthesizer that keeps the state its warm-up left through the render job's first ``reset()``, and
    remembers its last :data:`COMPARED` outputs (thumbnails, shares) for the border check. Everything else
    is the wrapped synthesizer's (``stride``, ``device``, ...)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._keep_state = False
        self._last: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=COMPARED)
        self._first: list[tuple[np.ndarray, np.ndarray]] = []  # the chunk's first outputs: past its border
        self._warmed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def warm(self, inputs: Iterable[SynthInput | None]) -> Tail:
        """Run the frames before the chunk (None: nothing active there, the state is left as it is)."""
        self.inner.reset()
        for inp in inputs:
            if inp is not None:
                self(inp)
        self._keep_state = True
        self._warmed = True
        return self.tail()

    def reset(self) -> None:
        if self._keep_state:  # the render job's reset at its start: the warm-up's state is what it needs
            self._keep_state = False
            return
        self.inner.reset()

    def __call__(self, inp: SynthInput) -> SynthOutput:
        out = self.inner(inp)
        kept = (thumbnail(out.frame), np.asarray(out.shares, np.float32).copy())
        self._last.append(kept)
        if self._warmed and len(self._first) < LOOK_AHEAD:
            self._first.append(kept)
        return out

    def tail(self) -> Tail:
        return Tail(tuple(t for t, _ in self._last), tuple(s for _, s in self._last))

    def head(self) -> Tail:
        """The first :data:`LOOK_AHEAD` frames synthesized after the warm-up (the chunk's own)."""
        return Tail(tuple(t for t, _ in self._first), tuple(s for _, s in self._first))

    def ahead(self, inputs: Iterable[SynthInput | None]) -> Tail:
        """Go on past the chunk's end (frames not written): what the next chunk's first frames are checked
        against."""
        seen: list[tuple[np.ndarray, np.ndarray]] = []
        for inp in inputs:
            if inp is not None:
                self(inp)
                seen.append(self._last[-1])
        return Tail(tuple(t for t, _ in seen), tuple(s for _, s in seen))


def segment_paths(folder: Path, chunk: Chunk) -> tuple[Path, Path]:
    stem = f"chunk-{chunk.index:05d}"
    return folder / f"{stem}.mp4", folder / f"{stem}.record"


def render_chunk(
    project: Project,
    chunk: Chunk,
    folder: str | os.PathLike[str],
    options: ChunkOptions,
    report: Callable[[int, int], None] | None = None,
) -> ChunkOutcome:
    """Render ``chunk`` of ``project`` into ``folder`` (shared by the driver and every worker); ``report``
    gets (frames done, this process id) as it goes."""
    from studio.engine.device import resolve_device
    from studio.engine.frame import make_synthesizer
    from studio.engine.render import RenderJob
    from studio.engine.sources import SourceGatherer, find_placed_cuts

    started = time.perf_counter()
    if report is not None:
        report(0, os.getpid())  # the board knows at once which worker took the chunk
    # the audio is mixed once for the whole timeline at the join; the segments carry only the picture
    project = dataclasses.replace(project, settings=dataclasses.replace(project.settings, audio=False))
    device, fallback = resolve_device(options.device)
    warnings: list[str] = [fallback] if fallback else []
    synth = WarmStart(
        make_synthesizer(
            project, device, crossfade=options.crossfade, on_warning=warnings.append, quality=options.quality
        )
    )
    # the cuts first, so that the warm-up sees the shots the chunk's render job sees (a remote worker does
    # not share the driver's cache; on a local cluster they are known already: a stat per clip)
    for _ in find_placed_cuts(project, warnings.append):
        pass
    warming = time.perf_counter()
    with SourceGatherer(project) as gatherer:
        warmed = synth.warm(gatherer.gather(n).inp for n in range(chunk.warm_start, chunk.start))
    warmup_seconds = time.perf_counter() - warming
    segment, record = segment_paths(Path(folder), chunk)
    job = RenderJob(
        project,
        segment,
        attention_dir=record,
        device=device,
        synthesizer=synth,
        crf=options.crf,
        preset=options.preset,
        quality=options.quality,
        frames=range(chunk.start, chunk.stop),
    )
    told = 0.0
    pid = os.getpid()
    for progress in job:
        now = time.perf_counter()
        if report is not None and (now - told >= REPORT_EVERY_S or progress.done == progress.total):
            report(progress.done, pid)
            told = now
    result = job.result
    assert result is not None
    tail = synth.tail()
    beyond = range(chunk.stop, min(chunk.stop + LOOK_AHEAD, int(project.settings.frame_count)))
    with SourceGatherer(project) as gatherer:
        ahead = synth.ahead(gatherer.gather(n).inp for n in beyond)
    said = list(dict.fromkeys([*warnings, *result.warnings]))  # each once, in order
    return ChunkOutcome(
        chunk=chunk,
        segment=result.path,
        record=record,
        warmed=warmed,
        tail=tail,
        head=synth.head(),
        ahead=ahead,
        warnings=tuple(said),
        device=result.device,
        synthesizer=type(synth.inner).__name__,
        seconds=time.perf_counter() - started,
        warmup_seconds=warmup_seconds,
        worker=pid,
    )


def chunk_task(
    project: Project, chunk: Chunk, folder: str, options: ChunkOptions, board: Any
) -> ChunkOutcome:
    """The body of the Ray task: :func:`render_chunk` reporting to the board actor."""
    return render_chunk(
        project, chunk, folder, options, lambda done, pid: board.report.remote(chunk.index, done, pid)
    )


def remote_render_chunk(ray: Any, *, gpus: float, max_retries: int) -> Any:
    """:func:`chunk_task` as a Ray remote function: one CPU (the render's own decode and encode threads are
    light), ``gpus`` GPUs, retried on a system failure (the worker died) up to ``max_retries`` times; an error
    of the render itself (a clip a worker cannot read) is not retried: it fails the same way everywhere."""
    return ray.remote(num_cpus=1, num_gpus=gpus, max_retries=max_retries, retry_exceptions=False)(chunk_task)
