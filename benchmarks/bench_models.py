"""Learned-model benchmarks: training throughput and inference speed of each model, one table.

    python benchmarks/bench_models.py [--device cpu|cuda] [--quick] [--preset small] [--no-write]

Per model (VAE, ConvLSTM, video Transformer) at the preset's size (small: 64×64):

- training samples/s (and frames/s = samples × the model's window) of the real loop
  (:func:`studio.models.train.train`: data sampling, forward, backward, optimiser; mixed precision on CUDA),
  measured after warm-up steps, without and with the GAN discriminator;
- inference frames/s of the model's use: VAE reconstruction, ConvLSTM and Transformer 8-frame extension
  (4 context frames), Transformer 2× interpolation; batch 8.

Frames are random (no decoding: the cost of the models only). Prints one table and writes it under
``## Models`` (``## Models (CUDA)`` on a GPU) in ``docs/benchmarks.md``; other sections are kept.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import cpu_model, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)

from studio.models.data import FrameData  # noqa: E402
from studio.models.device import choose_device  # noqa: E402
from studio.models.registry import build_model, make_config  # noqa: E402
from studio.models.train import TrainConfig, train  # noqa: E402

KINDS = ("vae", "convlstm", "transformer")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def random_data(size: int, frames: int = 240) -> FrameData:
    rng = np.random.default_rng(0)
    return FrameData([rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8)])


def train_rate(kind: str, preset: str, data: FrameData, device: str, steps: int, warmup: int, gan: bool):
    cfg = TrainConfig(kind=kind, preset=preset, steps=warmup + steps, batch_size=8, device=device, gan=gan)
    cfg.eval_every = 10**9  # no held-out evaluation inside the timed steps
    cfg.eval_windows = 1  # the loop's final evaluation (after the timed steps) stays short
    t0 = t1 = 0.0
    window = 1
    for p in train(cfg, data):
        if p.done:
            window = p.model.window
        elif p.step in (warmup, warmup + steps):  # timed: the steps after warm-up, not the final evaluation
            _sync(torch.device(p.device))
            t0, t1 = (time.perf_counter(), t1) if p.step == warmup else (t0, time.perf_counter())
    elapsed = t1 - t0
    samples = steps * cfg.batch_size / elapsed
    return samples, samples * window


@torch.inference_mode()
def infer_fps(kind: str, preset: str, device: torch.device, reps: int) -> dict[str, float]:
    torch.manual_seed(0)
    cfg = make_config(kind, preset)
    model = build_model(kind, cfg).to(device).eval()
    s = cfg.image_size
    video = torch.rand(8, 12, 3, s, s, device=device)
    amp = device.type == "cuda"
    uses = {
        "vae": {"reconstruct": (lambda: model.reconstruct(video[:, 0]), 8)},
        "convlstm": {"extend 8": (lambda: model.extend(video[:, :4], 8), 64)},
        "transformer": {
            "extend 8": (lambda: model.extend(video[:, :4], 8), 64),
            "interp 2x": (lambda: model.interpolate(video[:, :6], 2), 8 * 5),
        },
    }[kind]
    out = {}
    for name, (fn, frames) in uses.items():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            fn()
            _sync(device)
            t = time.perf_counter()
            for _ in range(reps):
                fn()
            _sync(device)
        out[name] = reps * frames / (time.perf_counter() - t)
    return out


def run(device_name: str, preset: str, quick: bool, kinds: tuple[str, ...] = KINDS) -> str:
    device = choose_device(device_name)
    # CPU full runs stay short: the shared CI/dev boxes have 2 cores (the 3D-conv input gradient of the GAN
    # path is especially slow on CPU).
    steps, warmup, reps = (5, 2, 2) if quick else ((30, 5, 10) if device.type == "cuda" else (10, 2, 4))
    size = make_config("vae", preset).image_size
    data = random_data(size)
    head = "| model | params | window | train samples/s | train frames/s | + GAN samples/s "
    head += "| inference frames/s |"
    rows = [head, "|---|---|---|---|---|---|---|"]
    for kind in kinds:
        model = build_model(kind, make_config(kind, preset))
        params = sum(p.numel() for p in model.parameters())
        if kind == "transformer":
            # Its training windows change length with the task (12, 11 or 9 frames): one untimed run first,
            # so the timed one does not pay for first-seen shapes (oneDNN/cuDNN set-up) as no other kind does.
            train_rate(kind, preset, data, device_name, steps, warmup, gan=False)
        sps, fps = train_rate(kind, preset, data, device_name, steps, warmup, gan=False)
        gan_sps, _ = train_rate(kind, preset, data, device_name, steps, warmup, gan=True)
        inf = infer_fps(kind, preset, device, reps)
        uses = ", ".join(f"{k}: {v:.0f}" for k, v in inf.items())
        cells = [
            kind,
            f"{params / 1e6:.2f} M",
            str(model.window),
            f"{sps:.1f}",
            f"{fps:.0f}",
            f"{gan_sps:.1f}",
            uses,
        ]
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    if device.type == "cuda":
        machine = f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}, bf16 autocast"
    else:
        machine = f"{cpu_model()}, {torch.get_num_threads()} torch threads"
        machine += f", nproc={os.cpu_count()}, torch {torch.__version__}, float32"
    return (
        "\n".join(rows)
        + f"\n\nPreset `{preset}` ({size}×{size}), batch 8, device {device}; machine: {machine}.\n"
        + f"Mode: {'quick' if quick else 'full'} ({steps} timed training steps after {warmup} warm-up; "
        + f"{reps} timed inference calls)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="auto", help="cpu, cuda, or auto")
    parser.add_argument("--preset", default="small", choices=("tiny", "small", "base"))
    parser.add_argument("--quick", action="store_true", help="a few steps only (smoke test)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS, help="models to measure")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    text = run(args.device, args.preset, args.quick, tuple(args.kinds))
    print(text)
    if not args.no_write:
        argv = " ".join(sys.argv[1:])
        print(
            "wrote",
            write_section(
                "Models (CUDA)" if choose_device(args.device).type == "cuda" else "Models",
                text,
                f"python benchmarks/bench_models.py {argv}".strip(),
            ),
        )


if __name__ == "__main__":
    main()
