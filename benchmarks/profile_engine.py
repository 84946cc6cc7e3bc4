"""Engine CPU cost per frame, measured so that a shared, loaded box does not blur it.

    python benchmarks/profile_engine.py [--threads 1 2] [--clips 2 4 8] [--size 640x360] [--frames 8]
                                        [--radius R] [--patch S] [--profile]   (SORT=cumulative TOP=40)

Per-call CPU time of the calling thread (``time.thread_time``) with ``torch.set_num_threads(n)``: with one
thread this is the engine's whole cost; with more, torch's pool threads do part of the work outside the
calling thread, so process CPU time (``time.process_time``, all threads) is printed too. Wall time is
printed for reference only: other jobs on the box make it meaningless. Median after 2 warm-up frames.
Inputs are synthetic textured clips with their own hue and motion (like ``bench_render.make_clip``),
K clips x T = 3 frames, equal importance, the project's default EngineSettings unless overridden.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.engine.config import GeneratorConfig  # noqa: E402
from studio.engine.generator import AttentionGenerator  # noqa: E402
from studio.engine.synth import SynthInput  # noqa: E402
from studio.project.model import EngineSettings  # noqa: E402


def clip_frames(index: int, count: int, width: int, height: int) -> np.ndarray:
    """(count, H, W, 3) uint8: hue gradient + moving blob + scrolling noise texture."""
    rng = np.random.default_rng(index)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = rng.normal(0, 14, (height, width * 2, 3)).astype(np.float32)
    hue = np.array([np.cos(index), np.cos(index + 2.1), np.cos(index + 4.2)], np.float32) * 80 + 120
    out = np.empty((count, height, width, 3), np.uint8)
    for n in range(count):
        cx = (n * (5 + index) + 80 * index) % width
        blob = np.exp(-((x - cx) ** 2 + (y - height / 2) ** 2) / (2 * (height / 8) ** 2))[..., None]
        base = hue * (0.6 + 0.4 * (x / width))[..., None] + 90 * blob
        shift = (n * 3) % width
        out[n] = np.clip(base + texture[:, shift : shift + width], 0, 255).astype(np.uint8)
    return out


def inputs(k: int, frames: int, width: int, height: int, window: int) -> list[SynthInput]:
    t = 2 * window + 1
    clips = [clip_frames(i, frames + t, width, height) for i in range(k)]
    importance = np.ones(k, np.float32)
    return [
        SynthInput(np.ascontiguousarray(np.stack([c[n : n + t] for c in clips])), importance)
        for n in range(frames)
    ]


def measure(gen: AttentionGenerator, data: list[SynthInput], warmup: int = 2) -> tuple[float, float, float]:
    """Median (thread CPU, process CPU, wall) ms per frame after ``warmup`` frames."""
    gen.reset()
    thread, process, wall = [], [], []
    for i, inp in enumerate(data):
        t0, p0, w0 = time.thread_time(), time.process_time(), time.perf_counter()
        gen(inp)
        if i >= warmup:
            thread.append(time.thread_time() - t0)
            process.append(time.process_time() - p0)
            wall.append(time.perf_counter() - w0)
    return tuple(statistics.median(v) * 1000 for v in (thread, process, wall))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clips", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--frames", type=int, default=8, help="timed frames + 2 warm-up")
    parser.add_argument("--radius", type=int)
    parser.add_argument("--patch", type=int)
    parser.add_argument("--profile", action="store_true", help="cProfile one run (1 thread, first K)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    overrides = {k: v for k, v in (("radius", args.radius), ("patch", args.patch)) if v is not None}
    config = GeneratorConfig.from_settings(EngineSettings(), device="cpu", **overrides)
    print(f"{width}x{height}, radius {config.radius}, patch {config.patch}, window {config.window}")
    print("threads clips  thread-CPU ms  process-CPU ms  wall ms")
    for k in args.clips:
        data = inputs(k, args.frames + 2, width, height, config.window)
        for n in args.threads:
            torch.set_num_threads(n)
            gen = AttentionGenerator(config, device="cpu")
            thread, process, wall = measure(gen, data)
            print(f"{n:7d} {k:5d}  {thread:12.1f}  {process:14.1f}  {wall:7.1f}", flush=True)
    if args.profile:
        import cProfile
        import pstats

        torch.set_num_threads(1)
        gen = AttentionGenerator(config, device="cpu")
        data = inputs(args.clips[0], args.frames + 2, width, height, config.window)
        measure(gen, data[:3])  # warm-up: first-seen shapes
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        measure(gen, data, warmup=0)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime"))  # or cumulative
        stats.print_stats(int(os.environ.get("TOP", "18")))


if __name__ == "__main__":
    main()
