"""How long will the render take, and how much memory: a short calibration run of the real generator, or the
rate the last render of this kind really achieved.

A model of the cost would drift from the code; timing a few real frames does not. The first frame is run and
thrown away (allocator warm-up, lazy init), then each sample frame is run ``calibration`` times and the
fastest run kept: another process (or the window's own preview) competing for the cores only ever adds time,
so the fastest run is the frame's own cost, where a median of two on a busy machine was 10-30x too high. The
samples are frames with different numbers of active sources, each weighted by how many frames of the span
look like it (the busiest frame alone, times every frame, overestimated a mostly quiet timeline). Memory is
measured on a separate, untimed run: ``tracemalloc`` traces every allocation in the process and slowed the
timed frames (and every other thread) down.

Once a render has run in this process, its measured rate (ms per megapixel-source, per quality, device and
synthesizer) is the better figure: :func:`remember_rate` records it, and :func:`estimate_render` scales it
to the project being estimated (``Estimate.basis`` says which of the two an estimate comes from).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from studio.engine.device import describe, resolve_device
from studio.engine.sources import SourceGatherer
from studio.engine.synth import Synthesizer, SynthInput
from studio.project.model import Project
from studio.project.timemap import active_count


@dataclass(frozen=True)
class Estimate:
    seconds: float  # engine time for all frames
    ms_per_frame: float
    peak_memory_bytes: int  # device memory on CUDA; tensors + numpy buffers (an estimate) on the CPU
    device: str  # describe(device)
    fallback: str | None  # what the generator had to give up during calibration (OOM), if anything
    frames: int = 0
    basis: str = "calibration"  # or "last render": the measured rate of the last render of this kind

    def summary(self) -> str:
        """One printable line, e.g. for the CLI and the export dialog."""
        line = (
            f"~{_duration(self.seconds)} for {self.frames} frames ({self.ms_per_frame:.1f} ms/frame) on "
            f"{self.device}, peak memory {self.peak_memory_bytes / 2**20:.0f} MiB"
        )
        line += " (the last render's rate)" if self.basis == "last render" else ""
        return f"{line}; fallback: {self.fallback}" if self.fallback else line


def estimate(
    generator_factory: Callable[[torch.device], Synthesizer],
    sample_input: SynthInput | Sequence[SynthInput],
    frames: int,
    device: torch.device | str,
    calibration: int = 3,
    *,
    weights: Sequence[float] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Estimate:
    """Time ``generator_factory(device)`` on each sample (the fastest of ``calibration`` runs), average the
    samples by ``weights`` (how many frames each stands for; equal by default) and extrapolate to
    ``frames``."""
    device = torch.device(device)
    samples = [sample_input] if isinstance(sample_input, SynthInput) else list(sample_input)
    if not samples:
        raise ValueError("estimate needs at least one sample frame")
    weights = [1.0] * len(samples) if weights is None else [max(0.0, float(w)) for w in weights]
    generator = generator_factory(device)
    generator.reset()
    generator(samples[0])  # warm-up, not timed
    cuda = device.type == "cuda"
    fastest = [float("inf")] * len(samples)
    for _ in range(max(1, calibration)):
        for i, sample in enumerate(samples):  # in turn, as a render meets them (the temporal state follows)
            start = clock()
            generator(sample)
            if cuda:
                torch.cuda.synchronize(device)
            fastest[i] = min(fastest[i], clock() - start)
    per_frame = sum(t * w for t, w in zip(fastest, weights, strict=True)) / (sum(weights) or 1.0)
    peak = _peak_memory(generator, samples[int(np.argmax([s.frames.nbytes for s in samples]))], device)
    fallbacks = list(getattr(generator, "fallbacks", []))
    used = getattr(generator, "device", device)
    return Estimate(
        seconds=per_frame * frames,
        ms_per_frame=per_frame * 1000.0,
        peak_memory_bytes=peak,
        device=describe(used),
        fallback="; ".join(fallbacks) if fallbacks else None,
        frames=frames,
    )


def _peak_memory(generator: Synthesizer, sample: SynthInput, device: torch.device) -> int:
    """Peak memory of one more (untimed) frame: CUDA's own counter, or tracemalloc plus the generator's
    tensor figure on the CPU (tracemalloc slows every allocation in the process: never while timing)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        generator(sample)
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device))
    tracemalloc.start()
    try:
        generator(sample)
        traced = int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    return traced + _tensor_bytes(generator, sample)


# -- a whole render's estimate ------------------------------------------------------------------------------
RateKey = tuple[str, str, str]  # (quality, synthesizer class, device it ran on)
_RATES: dict[RateKey, float] = {}  # the last render's ms per megapixel-source of each kind, in this process
MAX_SAMPLES = 4  # frames timed per estimate: the busiest and the most common numbers of active sources
# Decode ahead + encode behind at 640x360 cost ~30 ms a frame with 4 sources on 2 cores
# (docs/benchmarks.md, "Render"); they scale with pixels and sources.
IO_MS_640x360 = 30.0


def rate_key(quality: str, synthesizer: object, device: object) -> RateKey:
    return (str(quality), type(synthesizer).__name__, str(getattr(synthesizer, "device", device)))


def _work(pixels: int, counts: np.ndarray) -> float:
    """A frame's size in megapixel-sources, on average over ``counts`` (a frame with none still costs I/O)."""
    return pixels / 1e6 * (float(np.maximum(counts, 1).mean()) if len(counts) else 1.0)


def remember_rate(key: RateKey, seconds: float, frames: int, pixels: int, counts: np.ndarray) -> None:
    """What a finished render really took (the whole job: decode, synthesis, encode, audio), for the next
    estimate of the same kind."""
    if frames > 0 and seconds > 0:
        _RATES[key] = 1000.0 * seconds / frames / _work(pixels, counts)


def remembered_ms_per_frame(key: RateKey, pixels: int, counts: np.ndarray) -> float | None:
    rate = _RATES.get(key)
    return None if rate is None else rate * _work(pixels, counts)


def sample_frames(counts: np.ndarray) -> list[tuple[int, int]]:
    """(frame index into ``counts``, how many frames it stands for): one frame per kept number of active
    sources (the busiest and the most common, at most ``MAX_SAMPLES``); frames with none active (black,
    no synthesis) stand for nothing."""
    values, frequency = np.unique(counts[counts > 0], return_counts=True)
    if not len(values):
        return []
    common = [int(v) for v in values[np.argsort(-frequency, kind="stable")]]
    kept = sorted({int(values.max()), *common[: MAX_SAMPLES - 1]})
    picks = []
    for k in kept:
        # every count goes to the nearest kept count (ties to the larger: never estimate low)
        nearest = np.array([min(kept, key=lambda c, v=v: (abs(c - v), -c)) for v in values])
        weight = int(frequency[nearest == k].sum())
        where = np.flatnonzero(counts == k)
        picks.append((int(where[len(where) // 2]), weight))
    return picks


def estimate_render(
    project: Project,
    span: range,
    device: str,
    make: Callable[[str], Synthesizer],
    quality: str,
    calibration: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> Estimate:
    """Time, memory and device of rendering output frames ``span`` of ``project``: the synthesizer
    ``make(device)`` timed on sample frames of the span plus the I/O around it, or, once a render of the same
    kind has run in this process, that render's measured rate scaled to this project."""
    settings = project.settings
    frames = len(span)
    resolved, fallback = resolve_device(device)
    counts = active_count(project)[span.start : span.stop]
    picks = sample_frames(counts)
    with SourceGatherer(project) as gatherer:
        samples = [(gatherer.gather(span.start + i).inp, w) for i, w in picks]
    samples = [(inp, w) for inp, w in samples if inp is not None]
    pixels = settings.width * settings.height
    k = int(counts.max()) if len(counts) else 0
    io_ms = IO_MS_640x360 * pixels / (640 * 360) * (0.5 + 0.125 * max(1, k))
    basis, per_frame = "calibration", io_ms
    if not samples:
        engine = Estimate(0.0, 0.0, 0, describe(resolved), None, frames)
    else:
        made: list[Synthesizer] = []

        def factory(dev: object) -> Synthesizer:
            made.append(make(str(dev)))
            return made[-1]

        inputs, weights = [s for s, _ in samples], [w for _, w in samples]
        engine = estimate(factory, inputs, frames, resolved, calibration, weights=weights, clock=clock)
        busy = sum(w for _, w in samples) / max(frames, 1)  # black frames need no synthesis
        per_frame += engine.ms_per_frame * busy
        remembered = remembered_ms_per_frame(rate_key(quality, made[0], resolved), pixels, counts)
        if remembered is not None:
            basis, per_frame = "last render", remembered
    window = 2 * int(settings.engine.window) + 1
    queues = 8 * pixels * 3 * (max(1, k) * window + 2)  # the two bounded queues, full
    return Estimate(
        seconds=per_frame * frames / 1000.0,
        ms_per_frame=per_frame,
        peak_memory_bytes=int(engine.peak_memory_bytes + queues + 150 * 2**20),
        device=engine.device,
        fallback="; ".join(r for r in (fallback, engine.fallback) if r) or None,
        frames=frames,
        basis=basis,
    )


def _tensor_bytes(generator: object, sample: SynthInput) -> int:
    """tracemalloc sees numpy but not torch's CPU allocator: add the generator's own working-set figure."""
    working_set = getattr(generator, "working_set_bytes", None)
    if callable(working_set):
        return int(working_set(sample.frames.shape))
    return 0


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"
