"""``studio render ... --ray ADDRESS [--chunk-seconds S]``: the render cut into chunks on a Ray cluster.

Only the options and the job are here; ``studio.cli.render`` runs the job with the same progress loop as a
local render (the cluster job yields the same ``Progress`` records). ``--ray local`` starts Ray on this
machine; any other address connects to a running cluster (``ray start --head`` prints one). Ray is the
``cluster`` extra: without it, one line says how to install it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.errors import ProjectError

DEFAULT_CHUNK_SECONDS = 10.0  # = studio.engine.cluster.chunks.DEFAULT_CHUNK_SECONDS (not imported: torch)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="render on Ray: 'local' starts it on this machine, else a cluster address (host:6379, ray://…); "
        "media and the output folder must be on storage every node sees",
    )
    parser.add_argument(
        "--chunk-seconds",
        type=float,
        metavar="S",
        help=f"with --ray: seconds of output per task (default {DEFAULT_CHUNK_SECONDS:g})",
    )


def check(args: argparse.Namespace) -> None:
    """One line for what does not go with --ray, before anything loads."""
    if args.ray is None:
        if args.chunk_seconds is not None:
            raise ProjectError("--chunk-seconds goes with --ray ADDRESS")
        return
    if args.chunk_seconds is not None and not args.chunk_seconds > 0:
        raise ProjectError(f"--chunk-seconds must be a positive number of seconds, got {args.chunk_seconds}")
    for flag, value in (
        ("--maps-video", args.maps_video),
        ("--mattes", args.mattes),
        ("--range", args.range),
    ):
        if value:
            raise ProjectError(f"{flag} does not go with --ray yet: render it on one machine")


def cluster_job(args: argparse.Namespace, project: Any) -> Any:
    """The :class:`~studio.engine.cluster.job.ClusterRenderJob` for these arguments."""
    from studio.engine.cluster import ClusterRenderJob  # torch loads here

    return ClusterRenderJob(
        project,
        Path(args.output),
        address=args.ray,
        chunk_seconds=args.chunk_seconds or DEFAULT_CHUNK_SECONDS,
        attention_dir=args.attention,
        device=args.device,
        crossfade=args.crossfade,
        crf=args.crf,
        preset=args.preset,
        quality=args.quality,
    )
