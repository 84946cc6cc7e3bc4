"""How compositions look, measured on realistic footage: ../shared/look_metrics.py on every case.

Sources are real photos filmed by tests/footage.py (a pan, a push in, a parallax scene with an occluder, an
edit with a hard cut and a crossfade; 640x360, crf 14). Each case is a project built in code and rendered by
``RenderJob`` at crf 12 (so codec noise stays small on both sides), then measured against its sources:

- C, C90: nearest-source-patch RMS distance (mean, 90th percentile): seams and invented mush;
- W: warp error of the output over the share-weighted sources' (flicker, popping patches);
- S: textured patches' sharpness over their nearest source patch's; S_frame: whole frames, output / sources;
- P: least-used source's share of the nearest matches times the number of sources (1 = every clip present);
- B: 8-px blockiness, output / sources; G (guide mode): edge structure correlation with the guide clip;
- Wg (guide mode): warp error of the output over the guide's own (the output moves as the guide does).

Cases: identity (1 clip, returned as is), the crossfade (2 clips), free mode with 2, 3 and 4 clips, guide
mode (the parallax take as guide + 2 other takes of its scene, tests.footage.takes) and the same guide over
unrelated sources (a stress case), each at quality draft and final, and 2 clips with unequal importance.
Speed: the synthesizer alone on pre-gathered inputs (640x360, 4 clips, draft and final; 1920x1080 on CUDA).
Prints one table and writes it under ``## Look`` in docs/benchmarks.md (unless ``--no-write``).

    python benchmarks/bench_look.py [--quick] [--device cpu|cuda|auto] [--no-write] [--keep DIR]
                                    [--cases free2 guide-final ...] [--metrics PATH/look_metrics.py]
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import cpu_model, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)
from bench_render import engine_ms, gathered_inputs  # noqa: E402
from look_plumbing import cache_references, fast_coherence, load_metrics  # noqa: E402

from studio.engine.frame import make_synthesizer  # noqa: E402
from studio.engine.render import RenderJob  # noqa: E402
from studio.engine.synth import Crossfade  # noqa: E402
from studio.media import probe  # noqa: E402
from studio.project.curve import ImportanceCurve  # noqa: E402
from studio.project.model import (  # noqa: E402
    EngineSettings,
    GenerationSettings,
    Placement,
    Project,
    clip_from_info,
)
from tests import footage  # noqa: E402

W, H, FPS, CRF = 640, 360, 24.0, 12
MEASURES = ("C", "C90", "W", "S", "S_frame", "P", "B", "G", "Wg")
# The targets: (measure, comparison, bound) for final free mode, guide mode; speed separately.
FREE_TARGETS = (("C90", "<=", 5.0), ("W", "<=", 1.15), ("S", ">=", 0.95), ("P", ">=", 0.8))
GUIDE_TARGETS = (("G", ">=", 0.6), ("C90", "<=", 6.0), ("W", "<=", 1.2))
SPEED_TARGET_FPS = 5.0  # final, 640x360, 4 clips, on 2 CPU cores
# The footage's clips, by role (tests.footage.library returns the first four in this order, takes the rest).
PAN, ZOOM, PARALLAX, CUTS, TAKE_CLEAN, TAKE_FASTER = range(6)


@dataclass(frozen=True)
class Case:
    name: str
    clips: tuple[int, ...]  # library indices; in guide mode the first one is the guide
    quality: str = "final"
    mode: str = "free"
    importance: tuple[float, ...] | None = None  # constant importance per clip (None: equal)
    crossfade: bool = False

    @property
    def sources(self) -> tuple[int, ...]:
        """The clips the output is made of (the guide gives structure only)."""
        return self.clips[1:] if self.mode == "guide" else self.clips

    @property
    def shares(self) -> list[float]:
        """The share each source should have, for look_metrics' --shares."""
        if self.importance is None:
            return [1.0] * len(self.sources)
        values = self.importance[1:] if self.mode == "guide" else self.importance
        return [float(v) for v in values]


CASES = [
    Case("identity", (PAN,)),
    Case("crossfade", (PAN, ZOOM), crossfade=True),
    *(
        Case(f"free{k}-{q}", (PAN, ZOOM, PARALLAX, CUTS)[:k], quality=q)
        for k in (2, 3, 4)
        for q in ("draft", "final")
    ),
    Case("free2-unequal-final", (PAN, ZOOM), importance=(0.6, 0.4)),
    # guide mode as artists use it: the guide take's timing made of other takes of the same scene
    *(
        Case(f"guide-{q}", (PARALLAX, TAKE_CLEAN, TAKE_FASTER), quality=q, mode="guide")
        for q in ("draft", "final")
    ),
    # and the stress case: a guide whose scene the sources do not contain (structure only, see the notes)
    *(
        Case(f"guide-unrelated-{q}", (PARALLAX, PAN, ZOOM), quality=q, mode="guide")
        for q in ("draft", "final")
    ),
]


def build_project(case: Case, clips: list[Path], seconds: float, size: tuple[int, int] = (W, H)) -> Project:
    """Every clip of the case over the whole output, looping, at its constant importance (equal unless
    given); in guide mode the first clip is the guide."""
    engine = EngineSettings(quality=case.quality)
    settings = GenerationSettings(
        duration=seconds, fps=FPS, width=size[0], height=size[1], crf=CRF, audio=False, engine=engine
    )
    project = Project(name=case.name, settings=settings)
    for i, index in enumerate(case.clips, start=1):
        clip = clip_from_info(f"clip-{i}", clips[index], probe(clips[index]))
        project.clips.append(clip)
        curve = ImportanceCurve.constant(case.importance[i - 1]) if case.importance else ImportanceCurve()
        project.placements.append(
            Placement(f"place-{i}", clip.id, start=0.0, duration=seconds, end_mode="loop", importance=curve)
        )
    if case.mode == "guide":
        project.settings = replace(settings, engine=replace(engine, mode="guide", guide_clip="clip-1"))
    return project


def measure_case(lm, case: Case, out: Path, clips: list[Path]) -> dict[str, float]:
    """look_metrics' row for ``out`` against the case's sources (and G against the guide in guide mode)."""
    sources = [str(clips[i]) for i in case.sources]
    row = lm.measure(case.name, str(out), sources, case.shares, W, H, FPS)
    if case.mode == "guide":
        decoded = lm.decode(out)
        guide = lm.reference(str(clips[case.clips[0]]), W, H, FPS, len(decoded))
        row["G"] = lm.structure(decoded, guide)
        # the output moves as the guide does: its steadiness against the guide's (W: against the sources')
        sub = slice(0, min(len(decoded), 40))
        row["Wg"] = lm.warp_error(decoded[sub]) / lm.warp_error(guide[sub])
    return {k: float(v) for k, v in row.items() if k in MEASURES}


def run_case(lm, case: Case, clips: list[Path], seconds: float, device: str, folder: Path) -> dict:
    project = build_project(case, clips, seconds)
    out = folder / f"{case.name}.mp4"
    synth = Crossfade() if case.crossfade else None
    result = RenderJob(project, out, device=device, synthesizer=synth, crf=CRF).run()
    start = time.perf_counter()
    row = measure_case(lm, case, out, clips)
    row["fps"] = result.fps
    row["metrics_s"] = time.perf_counter() - start
    return row


def speed(
    clips: list[Path], device: str, quality: str, frames: int, size=(W, H), sync=None
) -> tuple[float, str]:
    """(ms per frame, how) of the synthesizer alone (the clips at equal importance) on pre-gathered inputs.

    On the CPU it is timed with one torch thread and with every usable core, and the faster counts: on a
    busy 2-core box two threads' OpenMP workers spin waiting for each other (30x slower seen, next to
    another job), and a render gives the engine one thread there anyway (studio.engine.cpu_share)."""
    import torch

    from studio.cores import usable_cores

    case = Case("speed", tuple(range(len(clips))), quality=quality)
    project = build_project(case, clips, seconds=(frames + 2) / FPS, size=size)
    inputs = gathered_inputs(project, frames)
    synth = make_synthesizer(project, device, quality=quality)
    if device != "cpu":
        return engine_ms(synth, inputs, sync), device
    timings = {}
    before = torch.get_num_threads()
    try:
        for threads in dict.fromkeys((1, usable_cores())):
            torch.set_num_threads(threads)
            timings[threads] = engine_ms(synth, inputs)
    finally:
        torch.set_num_threads(before)
    best = min(timings, key=timings.get)
    how = ", ".join(f"{t} thread{'s' if t > 1 else ''} {ms:.0f} ms" for t, ms in timings.items())
    return timings[best], how


def _cell(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _check(rows: dict[str, dict], cases: list[Case], targets) -> str:
    """'C90 4.10 <= 5 met, ...' on the worst of the cases' rows (those measured). P is checked on equal
    importance only: with unequal shares its ideal is below 1 (0.8 for 0.6 / 0.4)."""
    parts = []
    for key, op, bound in targets:
        chosen = [c for c in cases if key != "P" or c.importance is None]
        values = [rows[c.name][key] for c in chosen if key in rows.get(c.name, {})]
        if not values:
            continue
        worst = max(values) if op == "<=" else min(values)
        ok = worst <= bound if op == "<=" else worst >= bound
        parts.append(f"{key} {worst:.2f} {op} {bound:g} {'met' if ok else 'missed'}")
    return ", ".join(parts) or "not measured"


def select(patterns: list[str] | None) -> list[Case]:
    """Cases whose name matches a pattern (fnmatch), or starts with it followed by '-' ('free2', 'guide')."""
    if not patterns:
        return list(CASES)
    chosen = [
        c
        for c in CASES
        if any(fnmatch.fnmatch(c.name, p) or c.name.startswith(p + "-") or c.name == p for p in patterns)
    ]
    if not chosen:
        raise SystemExit(f"no case matches {patterns}; cases: {', '.join(c.name for c in CASES)}")
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s outputs, fewer timed frames (a smoke run)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--keep", type=Path, help="keep the sources and rendered MP4s in this folder")
    parser.add_argument("--cases", nargs="+", help=f"a subset: {', '.join(c.name for c in CASES)}")
    parser.add_argument(
        "--exact-metrics", action="store_true", help="look_metrics' own (slow) patch search, not the fast one"
    )
    parser.add_argument(
        "--metrics", type=Path, help="look_metrics.py (default: shared/ in or beside the repo)"
    )
    args = parser.parse_args()

    import torch

    from studio.engine.device import resolve_device

    device = resolve_device(args.device)[0]
    sync = torch.cuda.synchronize if device == "cuda" else None
    cases = select(args.cases)
    lm, metrics_path = load_metrics(args.metrics)
    frames = 24 if args.quick else 48
    seconds = frames / FPS
    timed = 5 if args.quick else 9  # engine timing: 2 warm-up frames, the median of the rest
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    work = Path(tempfile.mkdtemp(prefix="bench-look-"))
    lm.TMP = work / "refs"  # look_metrics' references go with the rest (it made its own folder on import)
    lm.TMP.mkdir()
    cache_references(lm)
    if not args.exact_metrics:
        lm.coherence = fast_coherence(lm)
    keep = args.keep.resolve() if args.keep else None
    folder = keep or work
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict] = {}
    speeds: dict[str, tuple[float, str] | str] = {}
    try:
        t0 = time.perf_counter()
        clips = footage.library(folder / "sources", size=(W, H), frames=frames)
        clips += footage.takes(folder / "sources", size=(W, H), frames=frames)
        print(f"footage: {len(clips)} clips {W}x{H}x{frames} in {time.perf_counter() - t0:.1f} s", flush=True)
        for case in cases:
            t0 = time.perf_counter()
            try:
                rows[case.name] = run_case(lm, case, clips, seconds, device, folder)
            except Exception as exc:  # one broken case (work in progress) must not hide the others
                traceback.print_exc()
                rows[case.name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"}
            cells = " ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in rows[case.name].items()
            )
            print(f"{case.name}: {cells} ({time.perf_counter() - t0:.1f} s)", flush=True)

        for quality in ("draft", "final"):
            key = f"{quality} {W}x{H}, 4 clips"
            try:
                speeds[key] = speed(clips[:4], device, quality, timed, sync=sync)
            except Exception as exc:
                traceback.print_exc()
                speeds[key] = f"{type(exc).__name__}"
            print(f"engine {key}: {speeds[key]}", flush=True)
        if device == "cuda":
            hd = footage.library(work / "hd", size=(1920, 1080), frames=timed + 2)
            key = "final 1920x1080, 4 clips"
            try:
                speeds[key] = speed(hd, device, "final", timed, size=(1920, 1080), sync=sync)
            except Exception as exc:
                traceback.print_exc()
                speeds[key] = f"{type(exc).__name__}"
            print(f"engine {key}: {speeds[key]}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started

    command = (
        "python benchmarks/bench_look.py" + (" --quick" if args.quick else "") + f" --device {args.device}"
    )
    if args.cases:
        command += " --cases " + " ".join(args.cases)
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), device `{device}`, torch {torch.__version__}; "
        f"sources: tests/footage.py library ({W}x{H}, {frames} frames at {FPS:g} fps, crf 14), outputs "
        f"{seconds:g} s at crf {CRF}" + (" (`--quick`)" if args.quick else "") + f"; `{command}`; "
        f"metrics `{metrics_path.name}`; {elapsed:.0f} s in all; load average {load_before:.1f} at the "
        f"start, {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| case | sources | C | C90 | W | S | S_frame | P | B | G | Wg | fps |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        r = rows[case.name]
        shares = "/".join(f"{s:g}" for s in case.shares) if case.importance else ""
        src = (
            f"{len(case.sources)}"
            + (f" ({shares})" if shares else "")
            + (" + guide" if case.mode == "guide" else "")
        )
        if "error" in r:
            lines.append(f"| {case.name} | {src} | failed: {r['error']} |" + " |" * 9)
            continue
        cells = " | ".join(_cell(r.get(k)) for k in MEASURES)
        lines.append(f"| {case.name} | {src} | {cells} | {_cell(r.get('fps'), 1)} |")
    for key, timing in speeds.items():
        value = f"{1000 / timing[0]:.1f} ({timing[1]})" if isinstance(timing, tuple) else f"failed: {timing}"
        lines.append(f"| engine alone: {key} | 4 |" + " |" * 9 + f" {value} |")
    final_speed = speeds.get(f"final {W}x{H}, 4 clips")
    speed_text = (
        f"{1000 / final_speed[0]:.1f} fps {'met' if 1000 / final_speed[0] >= SPEED_TARGET_FPS else 'missed'}"
        if isinstance(final_speed, tuple)
        else "not measured"
    )
    free_final = [c for c in cases if c.name.startswith("free") and c.quality == "final"]
    guide_final = [c for c in cases if c.name == "guide-final"]
    lines += [
        "",
        "fps: the whole render (decode, synthesis, encode) for the look cases; the synthesizer alone on "
        "pre-gathered inputs for the engine rows (median ms/frame; on the CPU the faster of 1 thread and all "
        "cores counts). Empty G: not guide mode. Wg (guide mode): warp error against the guide's own; the "
        "output moves as the guide does. guide: other takes of the guide's scene; guide-unrelated: sources "
        "that do not contain the guide's scene (a stress case, not held to the targets).",
        "",
        "Targets (final quality): free mode C90 <= 5, W <= 1.15, S >= 0.95, P >= 0.8; guide mode G >= 0.6, "
        f"C90 <= 6, W <= 1.2; speed final {W}x{H} with 4 clips >= {SPEED_TARGET_FPS:g} fps on 2 CPU cores. "
        f"Here: free (worst of {', '.join(c.name for c in free_final) or 'none'}; P on equal importance): "
        f"{_check(rows, free_final, FREE_TARGETS)}; "
        f"guide (guide-final): {_check(rows, guide_final, GUIDE_TARGETS)}; speed: {speed_text}"
        + (f" (on {os.cpu_count()} CPUs)" if device == "cpu" else f" (on {device})")
        + ".",
    ]
    table = "\n".join(lines)
    print()
    print(table)
    if keep:
        print(f"\nsources and renders kept in {keep}")
    if not args.no_write:
        write_section("Look" if device == "cpu" else "Look (CUDA)", table)
    failed = [n for n, r in rows.items() if "error" in r] + [
        k for k, v in speeds.items() if isinstance(v, str)
    ]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
