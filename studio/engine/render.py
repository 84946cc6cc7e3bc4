"""The render job: project -> frames -> H.264/AAC MP4 (+ attention record, maps video, mattes); CLI and UI.

Three stages overlap: decoding runs ahead in a thread (:class:`~studio.engine.sources.DecodeAhead`), the
synthesizer runs in the caller's thread (it owns the torch device), encoding runs behind in another thread
(:class:`~studio.engine.encode_behind.EncodeBehind`); both queues are bounded, so memory is flat in the
video's length. The audio is written after the frames because its gains are the shares the video pass
produced.

``frames`` (a ``range`` of output frames, e.g. the window's in/out range or ``studio render --range``)
renders only those: the MP4 holds exactly ``len(frames)`` frames, its audio is the same attention-following
mix cut to that span (in sync: sample 0 is the span's first frame), and the attention record and mattes
number their frames from the span's start too (the record's ``meta.json`` says ``first_frame``).

The job is a generator of :class:`Progress`, as :func:`studio.models.train.train` is: ``for p in job`` renders
and yields one record per frame written (done, total, fps, ETA, stage, warnings so far), one when the audio
pass starts, and a last one (``stage == "done"``) whose ``result`` is the :class:`RenderResult`, also left on
``job.result``. ``run()`` is ``for _ in job: pass`` for callers that just want it done. The CLI draws a tqdm
bar from the records, the window's export runs the generator in a superqt worker (``studio.ui.export``).

Nothing half-written survives a failure or a cancel: the writers' temp files are aborted, the attention record
is written to a temp folder renamed at the end, every thread is joined before the generator ends, whether it
raises (an error; :class:`~studio.errors.Cancelled` once the ``cancel`` token is set, checked between frames)
or is closed early (``GeneratorExit`` at a ``yield``: a consumer that stops iterating, Ctrl-C in the CLI).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.audio_follow import follow_audio_blocks
from studio.engine.device import resolve_device
from studio.engine.encode_behind import EncodeBehind
from studio.engine.estimate import Estimate, estimate_render, rate_key, remember_rate
from studio.engine.folders import part_dir, replace_dir
from studio.engine.frame import RenderedFrame, make_synthesizer, shared_cpu_threads, synthesize
from studio.engine.maps_video import MapsOverlay
from studio.engine.mattes import DEFAULT_FORMAT, MattesWriter, check_format, open_mattes
from studio.engine.memory import check_render_memory
from studio.engine.sources import DecodeAhead, SourceGatherer, find_placed_cuts
from studio.engine.synth import Synthesizer, map_shape
from studio.errors import Cancelled, CancelToken, EngineError, ProjectError
from studio.media import VideoWriter
from studio.project.io import require_online
from studio.project.model import QUALITIES, Project
from studio.project.pins import record_pins
from studio.project.record import AttentionRecordWriter
from studio.project.timemap import active_count
from studio.project.trace import TraceContext

AUDIO_RATE = 48000


# Progress.stage: the clips' scene cuts found first (those not known), the frame loop, the audio pass, done
SHOTS, FRAMES, AUDIO, DONE = "shots", "frames", "audio", "done"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    frames: int
    seconds: float  # wall time
    fps: float  # frames per second achieved
    warnings: tuple[str, ...]
    device: str
    attention_dir: Path | None = None  # the attention record written, if one was asked for
    maps_video: Path | None = None
    mattes_dir: Path | None = None  # the compositing mattes written (studio.engine.mattes), if asked for

    @classmethod
    def measure(cls, path: str | os.PathLike[str], frames: int, seconds: float, **rest: Any) -> RenderResult:
        """``frames`` written in ``seconds`` of wall time, the rate worked out here (``rest``: the rest)."""
        return cls(Path(path), frames, seconds, frames / seconds if seconds > 0 else 0.0, **rest)


@dataclass(frozen=True)
class Progress:
    """One record of a running render (``RenderJob`` yields them); the one place its rate and ETA are worked
    out (:meth:`measure`): the CLI's bar and the export dialog only show them."""

    done: int  # frames written (handed to the encoder)
    total: int
    fps: float  # frames per second so far
    eta_s: float  # seconds left at that rate (inf before the first frame, 0 once every frame is done)
    stage: str = FRAMES  # SHOTS | FRAMES | AUDIO | DONE
    warnings: tuple[str, ...] = ()  # every warning so far (fallbacks, ...): new ones are those past the last
    result: RenderResult | None = None  # on the DONE record only

    @classmethod
    def measure(
        cls,
        done: int,
        total: int,
        elapsed_s: float,
        *,
        stage: str = FRAMES,
        warnings: tuple[str, ...] = (),
        result: RenderResult | None = None,
    ) -> Progress:
        """The record for ``done`` of ``total`` frames ``elapsed_s`` seconds after the start."""
        fps = done / elapsed_s if elapsed_s > 0 else 0.0
        left = max(total - done, 0)
        eta = 0.0 if left == 0 else left / fps if fps > 0 else math.inf
        return cls(int(done), int(total), fps, eta, stage, tuple(warnings), result)


def job_quality(quality: str | None, project: Project) -> str:
    """``quality`` ("draft" | "final", QUALITIES), or the project's ``engine.quality`` when None (the window's
    export, ``studio render``); an unknown one is refused before anything is opened."""
    chosen = str(quality or getattr(project.settings.engine, "quality", "final"))
    if chosen not in QUALITIES:
        raise EngineError(f"unknown quality {chosen!r}: one of {', '.join(QUALITIES)}")
    return chosen


class ProgressJob:
    """What the render jobs (this one, the cluster's) share: iterating one renders, yielding records of
    :class:`Progress` whose last one carries the :class:`RenderResult` (also left on ``result``)."""

    result: RenderResult | None

    def _render(self) -> Iterator[Progress]:
        raise NotImplementedError

    def run(self) -> RenderResult:
        """Render to the end (for callers that want no progress) and return the result."""
        for _ in self:
            pass
        assert self.result is not None
        return self.result

    def __iter__(self) -> Iterator[Progress]:
        return self._render()


class RenderJob(ProgressJob):
    """Renders a whole project to an MP4: iterate it once (records of :class:`Progress`), or ``run()`` it
    once; ``estimate()`` any time before. ``result`` is the :class:`RenderResult` once it is done."""

    def __init__(
        self,
        project: Project,
        output: str | os.PathLike[str],
        *,
        attention_dir: str | os.PathLike[str] | None = None,
        maps_video: str | os.PathLike[str] | None = None,
        mattes_dir: str | os.PathLike[str] | None = None,
        mattes_format: str = DEFAULT_FORMAT,
        device: str = "auto",
        synthesizer: Synthesizer | None = None,
        cancel: CancelToken | None = None,
        on_warning: Callable[[str], None] | None = None,
        crf: int | None = None,
        preset: str = "medium",
        quality: str | None = None,
        frames: range | None = None,
    ) -> None:
        self.project = project
        # the output frames to render (an in/out range: the output then starts at its first frame); None: all
        self.frames = frame_span(frames, int(project.settings.frame_count))
        self.output = Path(output)
        self.attention_dir = Path(attention_dir) if attention_dir is not None else None
        self.maps_video = Path(maps_video) if maps_video is not None else None
        self.mattes_dir = Path(mattes_dir) if mattes_dir is not None else None
        self.mattes_format = check_format(mattes_format)  # refused before anything is opened
        self.device = device
        self.synthesizer = synthesizer
        self.cancel = cancel or CancelToken()
        self.on_warning = on_warning
        self.crf = int(project.settings.crf if crf is None else crf)
        self.preset = preset
        self.quality = job_quality(quality, project)
        self.warnings: list[str] = []
        self.result: RenderResult | None = None

    def _make_synthesizer(self, device: str, on_warning: Callable[[str], None] | None = None) -> Synthesizer:
        return make_synthesizer(self.project, device, on_warning=on_warning, quality=self.quality)

    # -- estimate --------------------------------------------------------------------------------------------
    def estimate(self) -> Estimate:
        """Time, memory and device before rendering (``studio.engine.estimate``: the real synthesizer timed
        on a few frames of the span plus the I/O around it, or the last render's measured rate)."""
        require_online(self.project)  # the calibration reads sources: refuse offline media first, by name
        # a frame that cannot fit is refused before the calibration allocates it (one line, which settings)
        check_render_memory(self.project, resolve_device(self.device)[0], self.synthesizer)
        given = self.synthesizer

        def make(dev: str) -> Synthesizer:
            return given if given is not None else self._make_synthesizer(dev)

        return estimate_render(self.project, self.frames, self.device, make, self.quality)

    # -- run -------------------------------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.on_warning is not None:
            self.on_warning(message)

    def _render(self) -> Iterator[Progress]:
        require_online(self.project)
        settings = self.project.settings
        size = (int(settings.width), int(settings.height))
        span = self.frames
        first, total = span.start, len(span)
        yield from self._find_shots(total)
        n_clips = len(self.project.clips)
        device, fallback = resolve_device(self.device)
        if fallback:
            self._warn(fallback)
        synth = self.synthesizer or self._make_synthesizer(device, on_warning=self._warn)
        check_render_memory(self.project, getattr(synth, "device", device), synth)  # before any frame
        device = str(getattr(synth, "device", device))  # where it really runs (the crossfade: CPU)
        synth.reset()
        shares = np.zeros((total, n_clips), np.float32)
        started = time.perf_counter()
        gatherer = SourceGatherer(self.project)  # opens nothing yet; the writer's temp file comes next
        writer: VideoWriter | None = None
        maps_writer = None
        mattes: MattesWriter | None = None
        record = None
        record_tmp: Path | None = None
        decode: DecodeAhead | None = None
        encode: EncodeBehind[RenderedFrame] | None = None
        try:
            # inside the try: a Ctrl-C or SIGTERM the moment its temp file exists still removes it
            writer = VideoWriter(
                self.output,
                size[0],
                size[1],
                settings.fps,
                crf=self.crf,
                preset=self.preset,
                audio_rate=AUDIO_RATE if settings.audio else None,
            )
            if self.maps_video is not None:
                maps_writer = VideoWriter(
                    self.maps_video, size[0], size[1], settings.fps, crf=self.crf, preset=self.preset
                )
                overlay = MapsOverlay([c.name for c in self.project.clips], size)
            if self.attention_dir is not None:
                record_tmp, record = self._open_record(synth, total)
            mattes = open_mattes(self.mattes_dir, self.mattes_format, self.project, synth)
            all_columns = np.arange(n_clips)

            def sink(rendered: RenderedFrame) -> None:
                rendered = dataclasses.replace(rendered, n=rendered.n - first)  # the output's own numbering
                writer.write(rendered.frame)
                if maps_writer is not None:
                    maps_writer.write(overlay(rendered.frame, rendered.maps))
                if mattes is not None:
                    mattes.write(rendered)
                if record is not None:  # already in project-clip columns
                    record.append(rendered.n, all_columns, rendered.shares, rendered.maps, rendered.trace)

            decode = DecodeAhead(gatherer, span, cancel=self.cancel)
            encode = EncodeBehind(sink)
            # decode and encode run beside the engine (a core each); a preview playing meanwhile takes a share
            with shared_cpu_threads(device, reserved=2, user=f"render-{id(self)}") as refresh_threads:
                for done, gathered in enumerate(decode, start=1):
                    self.cancel.raise_if_cancelled()
                    refresh_threads()
                    rendered = synthesize(synth, gathered, n_clips, size, quality=self.quality)
                    shares[gathered.n - first] = rendered.shares
                    encode.put(rendered)
                    for message in gatherer.take_damage():  # damaged source frames, shown as the last good
                        self._warn(message)
                    yield self._report(done, total, started)
            encode.finish()
            encode = None
            self.cancel.raise_if_cancelled()
            if settings.audio:
                yield self._report(total, total, started, stage=AUDIO)
                for block in follow_audio_blocks(
                    self.project,
                    shares,
                    sample_rate=AUDIO_RATE,
                    cancel=self.cancel,
                    first_frame=first,
                    on_warning=self._warn,  # damaged audio is silent there, with a warning, not a failure
                ):
                    writer.write_audio(block)
            self.cancel.raise_if_cancelled()
            if record is not None:
                record.close()
                record = None
                replace_dir(record_tmp, self.attention_dir)
                record_tmp = None
            if mattes is not None:
                for message in mattes.close():  # frames with nothing placed
                    self._warn(message)
                mattes = None
            if maps_writer is not None:
                maps_writer.close()
                maps_writer = None
            path = writer.close()
            writer = None
        finally:
            # Order matters: stop producers before closing what they use; every step runs even if one fails
            # (an error, Cancelled, or GeneratorExit when the consumer closed this generator at a yield).
            if decode is not None:
                decode.close()
            if encode is not None:
                encode.abort()
            gatherer.close()
            for w in (writer, maps_writer):
                if w is not None:
                    w.abort()
            if record is not None:
                with contextlib.suppress(Exception):
                    record.abort()  # never mark an unfinished record complete
            if record_tmp is not None:
                shutil.rmtree(record_tmp, ignore_errors=True)
            if mattes is not None:
                mattes.abort()
        seconds = time.perf_counter() - started
        pixels, counts = size[0] * size[1], active_count(self.project)[span.start : span.stop]
        remember_rate(rate_key(self.quality, synth, device), seconds, total, pixels, counts)  # next estimate
        self.result = RenderResult.measure(
            path,
            total,
            seconds,
            warnings=tuple(self.warnings),
            device=device,
            attention_dir=self.attention_dir,
            maps_video=self.maps_video,
            mattes_dir=self.mattes_dir,
        )
        yield self._report(total, total, started, stage=DONE, result=self.result)

    def _open_record(self, synth: Synthesizer, frames: int) -> tuple[Path, AttentionRecordWriter]:
        """The attention record goes to a temp folder beside its destination, renamed when complete."""
        target = self.attention_dir
        tmp = part_dir(target)
        settings = self.project.settings
        clips = self.project.clips
        writer = AttentionRecordWriter(
            tmp,
            [c.name for c in clips],
            [str(c.path) for c in clips],
            settings.fps,
            synth.stride,
            map_shape(settings.height, settings.width, synth.stride),
            {
                "engine": {**asdict(settings.engine), "quality": self.quality},  # used (may override)
                "quality": self.quality,
                "seed": settings.seed,
                "synthesizer": type(synth).__name__,
            },
            frames,
            correspondence=TraceContext.from_project(self.project, synth.stride),  # where pixels came from
            pins=record_pins(self.project),  # the shares' bounds, for a viewer to draw
        )
        writer.meta["first_frame"] = self.frames.start  # record frame 0 is this output frame of the project
        return tmp, writer

    def _find_shots(self, total: int) -> Iterator[Progress]:
        started = time.perf_counter()
        for _ in find_placed_cuts(self.project, self._warn):
            yield self._report(0, total, started, stage=SHOTS)

    def _report(
        self, done: int, total: int, started: float, stage: str = FRAMES, result: RenderResult | None = None
    ) -> Progress:
        return Progress.measure(
            done,
            total,
            time.perf_counter() - started,
            stage=stage,
            warnings=tuple(self.warnings),
            result=result,
        )


def frame_span(frames: range | None, total: int) -> range:
    """The output frames to render: ``frames`` checked against the project's ``total`` (one line if not)."""
    if frames is None:
        return range(total)
    if frames.step != 1 or not 0 <= frames.start < frames.stop <= total:
        last = f"0-{total - 1}" if total else "none"
        raise ProjectError(f"frames {frames.start}-{frames.stop - 1} are not within the output's ({last})")
    return frames


__all__ = [
    "AUDIO", "DONE", "FRAMES", "SHOTS", "Cancelled", "Estimate", "Progress", "RenderJob", "RenderResult",
]  # fmt: skip
