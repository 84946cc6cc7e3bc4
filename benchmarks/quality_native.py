"""The native-resolution interpolator against the classical baselines, at the clips' own size, on realistic
footage: what the artist gets from *Retime to fill* and ``studio generate interpolate``.

    python benchmarks/quality_native.py [--minutes 10] [--device cpu|cuda|auto] [--preset small|base]
                                        [--frames 96] [--no-write]

Footage (tests/footage.py, H.264 crf 14): the library's pan (motorcycle), push-in (coffee), parallax scene
with an occluder (rocket, cat, a brick box) and an edit with a hard cut, at 640x360, plus the parallax scene
at 1280x720. Held out (never trained on): each clip's last shot when it has several, else its last 15 %;
no triplet spans a cut. The model trains for ``--minutes`` on the rest (crops at full size), then the model,
its untrained self (= full-resolution DIS flow, bit for bit), the linear blend and repeat-last are scored on
the same held-out triplets (2x: the middle frame of three), PSNR and SSIM at each clip's size. Inference
speed: one 2x frame at 1280x720, DIS flow and the model, median of 5.

Targets (issue #10): after <= 10 minutes on one GPU, +0.5 dB over DIS and better SSIM; after <= 10 CPU
minutes on 2 cores never worse than DIS; 720p 2x >= 30 fps on an H100-class GPU, >= 2 fps on 2 CPU cores.
Prints one table and writes it under ``## Model quality, native size`` (``(CUDA)`` on a GPU).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import machine, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)

from studio.media.cuts import detect_cuts  # noqa: E402
from studio.models.device import choose_device  # noqa: E402
from studio.models.interp import interpolate  # noqa: E402
from studio.models.interp_train import evaluate_interp, train_interp  # noqa: E402
from studio.models.native import NativeData  # noqa: E402
from studio.models.train import TrainConfig  # noqa: E402
from tests import footage  # noqa: E402


def make_footage(folder: Path, frames: int) -> dict[str, list]:
    """Decoded clips by group name: the 640x360 library and the 1280x720 parallax scene."""
    small = footage.library(folder, size=(640, 360), frames=frames)
    big = footage.write_clip(
        folder / "parallax-1280x720.mp4", [footage.parallax_shot("rocket", frames)], (1280, 720)
    )
    return {"640x360 (4 clips)": [footage.decode(p) for p in small], "1280x720": [footage.decode(big)]}


def speed(model, a, b, device, repeats: int = 5) -> float:
    """Median ms of one 2x frame (flows included)."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        interpolate(model, a, b, 0.5, device)
        if device.type == "cuda":
            import torch

            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--preset", default=None, help="model size (default: small on CPU, base on CUDA)")
    parser.add_argument("--frames", type=int, default=96, help="frames per clip")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    device = choose_device(args.device)
    preset = args.preset or ("base" if device.type == "cuda" else "small")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-native-") as tmp:
        groups = make_footage(Path(tmp), args.frames)
    clips = [c for group in groups.values() for c in group]
    owner = [name for name, group in groups.items() for _ in group]
    data = NativeData(clips, [detect_cuts(c) for c in clips])
    held = data.triplets(held_out=True)
    print(f"footage: {len(clips)} clips, {len(data.triplets(False, (2, 3, 4)))} training triplets, "
          f"{len(held)} held out", flush=True)  # fmt: skip

    cfg = TrainConfig(kind="interp", preset=preset, minutes=args.minutes, batch_size=4, lr=3e-4,
                      device=str(device), eval_every=10**9, warmup_steps=50)  # fmt: skip
    model, steps = None, 0
    t0 = time.perf_counter()
    for progress in train_interp(cfg, data):
        model, steps = progress.model, progress.step
        if progress.step % 50 == 0:
            print(f"step {progress.step} loss {progress.losses.get('loss', 0):.4f}", flush=True)
    trained_s = time.perf_counter() - t0
    assert model is not None

    lines = [
        f"Machine: {machine()}; device `{device}`; preset {preset}; trained {steps} steps in "
        f"{trained_s / 60:.1f} min; `python benchmarks/quality_native.py --minutes {args.minutes:g} "
        f"--device {args.device}`.",
        "",
        "| footage (held-out triplets) | repeat-last | linear blend | DIS flow (= untrained) "
        "| interp trained "
        "| trained - DIS |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in groups:
        sub = [tr for tr in held if owner[tr.clip] == name]
        scored = {r.method: (r.psnr, r.ssim) for r in evaluate_interp(model, data, device, triplets=sub)}
        rows = {m: scored[m] for m in ("repeat-last", "linear", "dis-flow", "interp")}
        gain, ssim_gain = (rows["interp"][i] - rows["dis-flow"][i] for i in (0, 1))
        cells = " | ".join(f"{p:.2f} dB / {s:.4f}" for p, s in rows.values())
        lines.append(f"| {name} ({len(sub)}) | {cells} | {gain:+.2f} dB / {ssim_gain:+.4f} |")
        print(lines[-1], flush=True)
    a, b = clips[-1][10], clips[-1][12]
    dis_ms, model_ms = speed(None, a, b, device), speed(model, a, b, device)
    lines += [
        "",
        f"Inference, one 2x frame at 1280x720 (flows included, median of 5): DIS flow {dis_ms:.0f} ms "
        f"({1000 / dis_ms:.1f} fps), interp {model_ms:.0f} ms ({1000 / model_ms:.1f} fps). "
        f"{time.perf_counter() - started:.0f} s in all.",
    ]
    table = "\n".join(lines)
    print("\n" + table)
    if not args.no_write:
        write_section("Model quality, native size" + (" (CUDA)" if device.type == "cuda" else ""), table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
