"""Quality check of the learned models against the classical baselines, on held-out frames.

    python benchmarks/quality_models.py [--project P] [--minutes 10] [--device cuda] [--preset base]
                                        [--size 64] [--kinds transformer convlstm vae] [--json OUT]

The target (on an H100, ≤ 10 minutes of training per model): the video Transformer's 2× interpolation beats
DIS optical flow, and its 8-frames-ahead prediction beats repeat-last, in PSNR and SSIM on held-out frames.

Data: the clips of ``--project``; without one, synthetic scenes with smooth motion (a textured background
panning at a per-clip speed under moving, turning ellipses), written as real H.264 MP4s through
``studio.media.VideoWriter`` and decoded back like any user clip. Each model trains for ``--minutes`` on the
training part of every clip, then :func:`studio.models.evaluate.evaluate` scores it and the baselines on the
same held-out windows. Prints the tables and a verdict per target.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)

from studio.media import VideoWriter  # noqa: E402
from studio.models.data import ClipSource, FrameData, sources_from_project  # noqa: E402
from studio.models.evaluate import evaluate, format_table  # noqa: E402
from studio.models.train import TrainConfig, train  # noqa: E402

LR = {"vae": 2e-3, "convlstm": 2e-3, "transformer": 1e-3}


def synthetic_scene(seed: int, frames: int, size: int = 160) -> np.ndarray:
    """(frames, size, size, 3) uint8: smooth, predictable-but-not-trivial motion (what flow handles well)."""
    rng = np.random.default_rng(seed)
    big = size * 3
    noise = rng.random((big // 12, big // 12, 3)).astype(np.float32)
    background = cv2.resize(noise, (big, big), interpolation=cv2.INTER_CUBIC)
    background = (np.clip(background, 0, 1) * 180 + 30).astype(np.uint8)
    vx, vy = rng.uniform(-1.5, 1.5, 2)  # camera pan in px/frame
    blobs = [
        (
            rng.uniform(0.2, 0.8, 2) * size,
            rng.uniform(-2.5, 2.5, 2),
            rng.uniform(8, 22, 2),
            rng.integers(0, 255, 3),
        )
        for _ in range(3)
    ]
    out = np.empty((frames, size, size, 3), np.uint8)
    for n in range(frames):
        x0 = int(size + vx * n) % (big - size)
        y0 = int(size + vy * n) % (big - size)
        frame = background[y0 : y0 + size, x0 : x0 + size].copy()
        for k, (pos, vel, axes, colour) in enumerate(blobs):
            c = (pos + vel * n) % size
            angle = (n * (k + 1) * 3) % 360
            cv2.ellipse(
                frame,
                (int(c[0]), int(c[1])),
                (int(axes[0]), int(axes[1])),
                angle,
                0,
                360,
                tuple(int(v) for v in colour),
                -1,
                cv2.LINE_AA,
            )
        out[n] = frame
    return out


def synthetic_sources(folder: Path, clips: int, frames: int) -> list[ClipSource]:
    sources = []
    for i in range(clips):
        path = folder / f"scene-{i}.mp4"
        video = synthetic_scene(i, frames)
        with VideoWriter(path, video.shape[2], video.shape[1], 24.0, crf=16) as writer:
            for frame in video:
                writer.write(frame)
        sources.append(ClipSource(f"scene-{i}", path.stem, path))
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", type=Path, help="learn from this project's clips (default: synthetic)")
    parser.add_argument("--minutes", type=float, default=10.0, help="training time per model")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--preset", default="base", choices=("tiny", "small", "base"))
    parser.add_argument("--size", type=int, default=64, help="frame size (multiple of 8)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--kinds", nargs="+", default=["transformer"], choices=("vae", "convlstm", "transformer")
    )
    parser.add_argument("--clips", type=int, default=6, help="synthetic clips")
    parser.add_argument("--frames", type=int, default=240, help="frames per synthetic clip")
    parser.add_argument("--windows", type=int, default=32, help="held-out windows scored")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model config override, e.g. blend_input=false (JSON values; repeatable)",
    )
    parser.add_argument("--json", type=Path, help="write every row here as JSON")
    parser.add_argument("--write", action="store_true", help="record the tables under ### Quality in docs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.project:
            sources = sources_from_project(args.project)
        else:
            sources = synthetic_sources(Path(tmp), args.clips, args.frames)
        data = FrameData.load(sources, (args.size, args.size))
    print(
        f"{len(data.clips)} clips, {sum(len(c) for c in data.clips)} frames at {args.size}²; "
        f"held-out windows: {len(data.held_out(12))}"
    )
    report: dict[str, list[dict]] = {}
    notes: list[str] = []
    for kind in args.kinds:
        cfg = TrainConfig(
            kind=kind,
            preset=args.preset,
            model_overrides=_overrides(args.set),
            minutes=args.minutes,
            batch_size=args.batch,
            lr=LR[kind],
            device=args.device,
            eval_every=10**9,
            eval_windows=2,
        )
        t = time.perf_counter()
        for p in train(cfg, data):
            if p.step % 200 == 0 and not p.done:
                loss = p.losses.get("loss", 0.0)
                print(f"  {kind} step {p.step} loss {loss:.4f} {p.samples_per_s:.1f} samples/s", flush=True)
        print(f"{kind}: {p.step} steps in {time.perf_counter() - t:.0f} s on {p.device}")
        rows = evaluate(p.model, data, device=p.device, max_windows=args.windows)
        print(format_table(rows))
        report[kind] = [r.to_dict() for r in rows]
        notes.append(
            f"{kind}: {p.step} steps, {args.minutes:g} min on {p.device}\n\n```\n{format_table(rows)}\n```"
        )
        if kind == "transformer":
            lines = _verdicts(rows)
            if not str(p.device).startswith("cuda"):
                lines.append(
                    f"- Not the run that decides the targets (≤ 10 min on an H100): {p.device} only, "
                    f"{p.step} steps. That one: `python benchmarks/quality_models.py --device cuda "
                    "--preset base --minutes 10`."
                )
            notes.append("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.write:
        data_text = (
            str(args.project)
            if args.project
            else f"{args.clips} synthetic clips × {args.frames} frames (textured pan + moving, turning "
            "ellipses, H.264 crf 16)"
        )
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        head = f"`python benchmarks/quality_models.py {_recorded_args(sys.argv[1:])}` ({stamp})"
        windows = len(data.held_out(12, args.windows))
        write_quality(
            f"{head}\n\nData: {data_text} at {args.size}², preset {args.preset}, held-out = last 15% of each "
            f"clip ({windows} windows of 12 frames).\n\n" + "\n\n".join(notes),
            str(p.device),
        )


def _overrides(pairs: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value  # a bare string, e.g. guess=blend
    return out


def _verdicts(rows) -> list[str]:
    """One line per target: the Transformer beats the rival in PSNR *and* SSIM."""
    score = {(r.task, r.method): (r.psnr, r.ssim) for r in rows}
    lines = []
    for task, rival in (("interp-2x", "dis-flow"), ("predict-8", "repeat-last")):
        (p, s), (rp, rs) = score[(task, "transformer")], score[(task, rival)]
        verdict = "MET" if p > rp and s > rs else "NOT MET"
        line = f"target {task}: transformer {p - rp:+.2f} dB, SSIM {s - rs:+.4f} vs {rival}"
        print(f"{line} -> {verdict}")
        lines.append(f"- {line}: **{verdict}**")
    return lines


def _recorded_args(argv: list[str]) -> str:
    """The command line as recorded in the docs: without --write and --json PATH (they change no number)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--json":
            skip = True
        elif a != "--write" and not a.startswith("--json="):
            out.append(a)
    return " ".join(out)


def write_quality(text: str, device: str) -> None:
    """Replace (or add) the ``## Model quality (CPU|CUDA)`` section of docs/benchmarks.md: one per device
    kind, so a CPU run never overwrites the GPU run that decides the targets."""
    write_section(f"Model quality ({'CUDA' if device.startswith('cuda') else 'CPU'})", text)


if __name__ == "__main__":
    main()
