"""Cluster render benchmark: throughput against the number of Ray workers, and what chunking costs.

    python benchmarks/bench_cluster.py [--workers 1 2] [--size 320x180] [--chunk-seconds 2] [--no-write]

The bundled demo (8 s, three clips handing over) at a reduced size in the draft quality, rendered

- once by ``RenderJob`` in this process: the single-machine reference, measured in the same run;
- by ``ClusterRenderJob`` on a local Ray with 1, 2, ... worker CPUs (``ray.init(num_cpus=N)``), each Ray
  session started first and its workers warmed (torch imported) so the figure is the render's, not Ray's
  start-up, which is given apart.

Overhead of chunking: the warm-up frames (rendered and discarded before each chunk, widenings included) as a
share of the frames rendered and of the tasks' time, and the join (audio mix, remux, record) as a share of
the job's wall time. Also the worst PSNR at a chunk border against the reference. Prints one table and
writes it under ``## Cluster render`` in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import machine, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)

from studio.engine.cluster import ClusterRenderJob  # noqa: E402
from studio.engine.cluster.chunks import psnr  # noqa: E402
from studio.engine.render import RenderJob  # noqa: E402
from studio.media import ClipReader, probe  # noqa: E402
from studio.paths import DEMO_PROJECT  # noqa: E402
from studio.project.io import load_project  # noqa: E402


def demo_project(width: int, height: int, quality: str):
    project = load_project(DEMO_PROJECT)
    engine = dataclasses.replace(project.settings.engine, quality=quality)
    project.settings = dataclasses.replace(project.settings, width=width, height=height, engine=engine)
    return project


def frames_of(path: Path) -> list:
    with ClipReader(path) as reader:
        return [reader.read(n) for n in range(probe(path).frames)]


def warm_workers(ray, count: int) -> None:
    """Every worker imports the engine once (what the first chunk would otherwise pay)."""

    @ray.remote(num_cpus=1)
    def load() -> int:
        import studio.engine.generator  # noqa: F401
        import studio.engine.render  # noqa: F401

        return 0

    ray.get([load.remote() for _ in range(count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--chunk-seconds", type=float, default=2.0)
    parser.add_argument("--quality", default="draft", choices=("draft", "final"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import ray

    width, height = (int(v) for v in args.size.split("x"))
    project = demo_project(width, height, args.quality)
    total = int(project.settings.frame_count)
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    rows = []
    load_before = os.getloadavg()[0]
    try:
        started = time.perf_counter()
        RenderJob(project, folder / "single.mp4", device=args.device, crf=0).run()
        single_s = time.perf_counter() - started
        reference = frames_of(folder / "single.mp4")
        rows.append(("single process (RenderJob)", "-", f"{single_s:.1f}", f"{total / single_s:.1f}", "1.00"))
        for workers in args.workers:
            ray_started = time.perf_counter()
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            warm_workers(ray, workers)
            startup = time.perf_counter() - ray_started
            job = ClusterRenderJob(
                project,
                folder / f"ray{workers}.mp4",
                address="local",
                chunk_seconds=args.chunk_seconds,
                device=args.device,
                crf=0,
            )
            started = time.perf_counter()
            job.run()
            wall = time.perf_counter() - started
            ray.shutdown()
            joined = frames_of(folder / f"ray{workers}.mp4")
            assert len(joined) == len(reference) == total
            worst = min(psnr(a, b) for a, b in zip(reference, joined, strict=True))
            task_s = sum(o.seconds for o in job.outcomes)
            warm_s = sum(o.warmup_seconds for o in job.outcomes)
            rendered = total + job.warmup_frames
            warm_share = 100 * job.warmup_frames / rendered
            overhead = (
                f"warm-up {job.warmup_frames}/{rendered} frames ({warm_share:.0f} %), "
                f"{100 * warm_s / task_s:.0f} % of task time; join {job.join_seconds:.2f} s "
                f"({100 * job.join_seconds / wall:.0f} % of wall); Ray start {startup:.1f} s; "
                f"worst frame {worst:.1f} dB"
            )
            rows.append(
                (
                    f"Ray, {workers} worker{'s' if workers > 1 else ''}",
                    str(len(job.plan)),
                    f"{wall:.1f}",
                    f"{total / wall:.1f}",
                    f"{single_s / wall:.2f}",
                    overhead,
                )
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    header = (
        "| run | chunks | wall s | fps | vs single | chunking overhead, border |\n|---|---|---|---|---|---|\n"
    )
    table = header + "\n".join("| " + " | ".join(r) + (" | |" if len(r) == 5 else " |") for r in rows)
    body = (
        f"Demo at {width}x{height}, {total} frames, {args.quality} quality on {args.device}, chunks of "
        f"{args.chunk_seconds:g} s with 1 s of warm-up; lossless (crf 0) so the border PSNR is the render's. "
        f"Machine: {machine()}, load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at "
        "the end (other work shares these cores: more workers than idle cores cannot go faster). No GPU was "
        "lent for this run: the GPU rows (1 vs several processes on one GPU) are not measured.\n\n" + table
    )
    print(body)
    if not args.no_write:
        command = "python benchmarks/bench_cluster.py " + " ".join(sys.argv[1:])
        write_section("Cluster render", body, command.strip())


if __name__ == "__main__":
    main()
