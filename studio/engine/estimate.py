"""How long will the render take, and how much memory: a short calibration run of the real generator.

A model of the cost would drift from the code; timing a few real frames does not. The first frame is run and
thrown away (allocator warm-up, lazy init), then ``calibration`` frames are timed and the median taken.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import torch

from studio.engine.device import describe
from studio.engine.synth import Synthesizer, SynthInput


@dataclass(frozen=True)
class Estimate:
    seconds: float  # engine time for all frames
    ms_per_frame: float
    peak_memory_bytes: int  # device memory on CUDA; tensors + numpy buffers (an estimate) on the CPU
    device: str  # describe(device)
    fallback: str | None  # what the generator had to give up during calibration (OOM), if anything
    frames: int = 0

    def summary(self) -> str:
        """One printable line, e.g. for the CLI and the export dialog."""
        line = (
            f"~{_duration(self.seconds)} for {self.frames} frames ({self.ms_per_frame:.1f} ms/frame) on "
            f"{self.device}, peak memory {self.peak_memory_bytes / 2**20:.0f} MiB"
        )
        return f"{line}; fallback: {self.fallback}" if self.fallback else line


def estimate(
    generator_factory: Callable[[torch.device], Synthesizer],
    sample_input: SynthInput,
    frames: int,
    device: torch.device | str,
    calibration: int = 3,
) -> Estimate:
    """Time ``calibration`` frames of ``generator_factory(device)`` on ``sample_input`` and extrapolate."""
    device = torch.device(device)
    generator = generator_factory(device)
    generator.reset()
    generator(sample_input)  # warm-up, not timed
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    else:
        tracemalloc.start()
    times: list[float] = []
    try:
        for _ in range(max(1, calibration)):
            start = time.perf_counter()
            generator(sample_input)
            if cuda:
                torch.cuda.synchronize(device)
            times.append(time.perf_counter() - start)
        if cuda:
            peak = int(torch.cuda.max_memory_allocated(device))
        else:
            peak = int(tracemalloc.get_traced_memory()[1]) + _tensor_bytes(generator, sample_input)
    finally:
        if not cuda:
            tracemalloc.stop()
    per_frame = statistics.median(times)
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
