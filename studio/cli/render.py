"""``studio render``: a project (or the demo, or clips given on the command line) to an MP4, headless.

Prints the estimate first, then a progress bar on stderr, then one result line on stdout. Ctrl-C cancels
cleanly (no output file is left; exit status 130, handled by ``studio.cli.main``). ``--range START-END``
renders only that span (``studio.project.frame_range``). Several projects (``studio render A.json B.json
-o FOLDER/``) render one after another, each with its own bar, then a summary table
(``studio.cli.batch``); one that fails does not stop the others, and the exit status is then 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from studio.cli import cluster
from studio.errors import ProjectError

# = studio.project.model.QUALITIES, spelled out: parsing the command line must not import the project package
QUALITIES = ("draft", "final")

# tqdm's bar without its own rate and time left: those are the engine's (Progress.fps, .eta_s), in the postfix
BAR = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} frames [{elapsed}{postfix}]"

PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "render",
        help="render a project (or several) to MP4",
        description="Render a project file, the bundled demo (--demo) or clips (--clips) to an MP4; several "
        "project files render one after another into the folder -o names (PROJECT.mp4 each).",
    )
    p.add_argument("project", nargs="*", help="project file(s) (.avsproj.json)")
    p.add_argument(
        "-o", "--output", required=True, help="the MP4 to write; a folder (FOLDER/) with several projects"
    )
    p.add_argument(
        "--range",
        metavar="START-END",
        help="render only this span of the output: each end seconds (12.5), timecode HH:MM:SS:FF or frames "
        "(300f); END is exclusive (2-4 is two seconds, 48f-96f is frames 48-95); 10- to the end",
    )
    p.add_argument("--demo", action="store_true", help="render the bundled demo project")
    p.add_argument("--clips", nargs="+", metavar="CLIP", help="no project: every clip, looping, equal weight")
    p.add_argument("--duration", type=float, help="with --clips: the output length in seconds")
    p.add_argument("--fps", type=float, help="with --clips: output frame rate (default 24)")
    p.add_argument("--size", help="with --clips: output size WxH (default 640x360)")
    p.add_argument("--save-project", metavar="P.json", help="with --clips: also save the project used")
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="CLIP:START-END:MIN[:MAX]",
        help="hold a clip's share (id or name; output seconds; shares 0-1, MIN may be empty: B:10-20::0.5) "
        "over a time range; repeatable",
    )
    p.add_argument("--attention", metavar="DIR", help="write the attention record to this folder")
    p.add_argument("--maps-video", metavar="FILE.mp4", help="also write a video tinted by dominant source")
    p.add_argument("--mattes", metavar="DIR", help="also write a matte per clip (its weight per pixel) here")
    p.add_argument(
        "--mattes-format",
        metavar="FORMAT",
        help="png16 (16-bit PNG sequences, the default), ffv1 (lossless MKV per clip), exr (layer per clip)",
    )
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--crossfade", action="store_true", help="plain importance crossfade, no attention")
    p.add_argument(
        "--quality",
        choices=QUALITIES,
        help="draft: the fast patch attention; final: the seamless synthesis (default: the project's, final)",
    )
    p.add_argument("--crf", type=int, help="H.264 quality, 0-51, lower is better (default: the project's)")
    p.add_argument("--preset", default="medium", choices=PRESETS, help="x264 speed preset")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    cluster.add_arguments(p)  # --ray ADDRESS, --chunk-seconds S
    p.set_defaults(func=run)


def _load(args: argparse.Namespace):
    """The project to render, from exactly one of PROJECT, --demo, --clips; --quality and --pin applied to
    it (so --save-project keeps them; a project file itself is never rewritten)."""
    from studio.project.pins import parse_pin

    pins = [parse_pin(spec) for spec in args.pin]  # a bad spec: one line, before any clip is probed
    project = _with_pins(_with_quality(_load_project(args), args.quality), pins)
    if args.save_project:
        from studio.project.io import save_project

        save_project(project, args.save_project)
    return project


def _with_pins(project, pins: list):
    """Each ``--pin`` added to the placements of its clip that overlap its range (one undoable edit each,
    so it is validated as the window's would be)."""
    from studio.project.commands import SetPins
    from studio.project.pins import add_pin

    for spec in pins:
        for placement_id, placement_pins in add_pin(project, spec):
            SetPins(placement_id, placement_pins).redo(project)
    return project


def _with_quality(project, quality: str | None):
    if quality is None or project.settings.engine.quality == quality:
        return project
    from dataclasses import replace

    engine = replace(project.settings.engine, quality=quality)
    project.settings = replace(project.settings, engine=engine)
    return project


def _load_project(args: argparse.Namespace):
    from studio.project.io import load_project

    given = sum(bool(x) for x in (args.project, args.demo, args.clips))
    if given != 1:
        raise ProjectError("give exactly one of: a project file, --demo, or --clips")
    if args.clips:
        from studio.project.adhoc import adhoc_project, parse_size

        if args.duration is None:
            raise ProjectError("--clips needs --duration SECONDS")
        size = parse_size(args.size) if args.size else None
        project = adhoc_project(args.clips, args.duration, fps=args.fps, size=size)
        return project  # saved by _load, once --quality and --pin are applied
    if args.duration is not None or args.fps is not None or args.size or args.save_project:
        raise ProjectError("--duration/--fps/--size/--save-project only go with --clips")
    if args.demo:
        from studio.paths import DEMO_PROJECT

        if not DEMO_PROJECT.exists():
            raise ProjectError(f"the demo project is missing ({DEMO_PROJECT}): run scripts/make_demo.py")
        return load_project(DEMO_PROJECT)
    return load_project(args.project)


def _mattes_format(args: argparse.Namespace) -> str:
    """--mattes-format checked here, one line if wrong (not argparse's usage block), before torch loads."""
    from studio.engine.matte_formats import DEFAULT_FORMAT, check_format  # stdlib only

    if args.mattes_format is not None and args.mattes is None:
        raise ProjectError("--mattes-format goes with --mattes DIR")
    return check_format(args.mattes_format or DEFAULT_FORMAT)


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def run(args: argparse.Namespace) -> int:
    if args.crf is not None and not 0 <= args.crf <= 51:
        raise ProjectError(f"--crf must be within 0..51, got {args.crf}")
    mattes_format = _mattes_format(args)
    from studio.cli.batch import is_folder, plan_batch, run_batch

    if len(args.project) > 1 or (args.project and is_folder(args.output)):
        return run_batch(plan_batch(args), lambda job_args: _render(job_args, mattes_format))
    args.project = args.project[0] if args.project else None
    result = _render(args, mattes_format)
    print(
        f"wrote {result.path}: {result.frames} frames in {result.seconds:.1f} s "
        f"({result.fps:.1f} fps) on {result.device}"
    )
    return 0


def _render(args: argparse.Namespace, mattes_format: str):
    """One project (``args.project``, or --demo / --clips) to ``args.output``: the estimate line, the bar,
    the :class:`~studio.engine.render.RenderResult`."""
    from studio.cli.outputs import check_render_outputs

    check_render_outputs(args)  # -o /dev/null/x.mp4: one line now, not a traceback after the work
    project = _load(args)
    frames = None
    if args.range:
        from studio.project.frame_range import parse_range

        frames = parse_range(args.range, project.settings.fps, project.settings.frame_count)

    cluster.check(args)  # what does not go with --ray: one line, before torch loads
    from tqdm import tqdm

    from studio.engine.render import RenderJob  # torch loads here, after the arguments are checked
    from studio.engine.synth import Crossfade

    job = RenderJob(
        project,
        Path(args.output),
        attention_dir=args.attention,
        maps_video=args.maps_video,
        mattes_dir=args.mattes,
        mattes_format=mattes_format,
        device=args.device,
        synthesizer=Crossfade() if args.crossfade else None,
        crf=args.crf,
        preset=args.preset,
        quality=args.quality,  # None: the project's (final unless it says draft)
        frames=frames,
    )
    if args.ray:
        job = cluster.cluster_job(args, project)  # the same render, in chunks on Ray
    est = job.estimate()
    engine = "crossfade" if args.crossfade else f"attention ({job.quality})"
    span = ""
    if frames is not None:
        from studio.project.frame_range import describe_span

        span = f" [{describe_span(frames, project.settings.fps)}]"
    print(
        f"estimate: {est.frames} frames{span}, ~{est.seconds:.1f} s, peak memory "
        f"~{_mib(est.peak_memory_bytes)}, {engine} on {est.device}"
        + (f" (fallback: {est.fallback})" if est.fallback else ""),
        flush=True,
    )
    bar = None
    warned = 0
    progress = iter(job)
    desc = Path(args.project).name.split(".")[0] if args.project else "render"
    try:
        for p in progress:  # the engine's Progress records: shots, frames, audio, the result
            if not args.no_progress and bar is None and p.total:
                bar = tqdm(total=p.total, file=sys.stderr, dynamic_ncols=True, desc=desc, bar_format=BAR)
            if bar is not None:
                left = tqdm.format_interval(p.eta_s) if math.isfinite(p.eta_s) else "?"
                figures = f"{p.fps:.1f} fps, {left} left" if p.stage != "shots" else "finding the scene cuts"
                bar.set_postfix_str(figures, refresh=False)  # the engine's figures
                bar.update(p.done - bar.n)
            for message in p.warnings[warned:]:
                tqdm.write(f"studio: warning: {message}", file=sys.stderr)  # above the bar, if there is one
            warned = len(p.warnings)
    finally:
        progress.close()  # Ctrl-C: stop now, here, and leave nothing half-written
        if bar is not None:
            bar.close()
    return job.result
