"""Text-to-video: what capturing the attention of every word costs, on the tiny pipeline, one table.

    python benchmarks/bench_t2v.py [--devices cpu cuda] [--repeats 5] [--no-write]

The tiny randomly initialised ``LTXPipeline`` of ``scripts/make_tiny_t2v.py`` (2 transformer blocks, 4 heads,
a 4×-compressing VAE) makes a clip end to end through ``studio.models.t2v.generate.generate_video`` (denoise,
decode, MP4) without and with the word-attention capture (``--attention``: the record written too), the two
runs interleaved so the box's load hits both alike; the median of ``--repeats`` each. The overhead is
(with - without) / without: of the process's CPU time on the CPU (what the work costs, whatever else the
shared box runs meanwhile; wall time beside it), of wall time on CUDA. On the tiny model attention is a large
part of all the work, so this is an upper bound of the capture's share; on a real model the MLPs, the VAE and
full-size attention dominate.

Prints the table and writes it under ``## Text to video`` in ``docs/benchmarks.md`` (other sections kept).
CUDA rows appear only where a GPU is present.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import machine, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)

from studio.models.t2v.generate import T2VSettings, generate_video  # noqa: E402
from studio.models.t2v.load import load_pipeline  # noqa: E402

CASES = (((96, 64), 9, 8), ((160, 96), 17, 8))  # (size, frames, steps): 1152 and 4800 video tokens
PROMPT = "a red fox runs over the snowy forest at night"


def _tiny_model(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("make_tiny_t2v", ROOT / "scripts" / "make_tiny_t2v.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_tiny_t2v(folder / "tiny-ltx")


def _time(loaded, settings: T2VSettings, out: Path, attention: Path | None) -> tuple[float, float]:  # noqa: ANN001
    """(wall seconds, CPU seconds of this process, all its threads)."""
    if loaded.device.type == "cuda":
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    generate_video(loaded, settings, out, attention=attention)
    if loaded.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(devices: list[str], repeats: int) -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-t2v-") as tmp:
        folder = Path(tmp)
        model = _tiny_model(folder)
        for device in devices:
            loaded = load_pipeline(model, device=device)
            for size, frames, steps in CASES:
                settings = T2VSettings(PROMPT, frames=frames, size=size, steps=steps)
                _time(loaded, settings, folder / "warm.mp4", folder / "warm.attention")  # first-call costs
                plain, captured = [], []
                for _ in range(repeats):
                    plain.append(_time(loaded, settings, folder / "a.mp4", None))
                    captured.append(_time(loaded, settings, folder / "b.mp4", folder / "b.attention"))
                measure = 1 if loaded.device.type == "cpu" else 0  # CPU time on the CPU, wall on a GPU
                without = statistics.median(t[measure] for t in plain)
                with_capture = statistics.median(t[measure] for t in captured)
                walls = [statistics.median(t[0] for t in runs) for runs in (plain, captured)]
                unit = "CPU s" if measure else "s"
                rows.append(
                    f"| {loaded.device.type} | {size[0]}×{size[1]} × {frames} | {steps} | "
                    f"{without:.3f} {unit} | {with_capture:.3f} {unit} | {walls[0]:.2f} / {walls[1]:.2f} | "
                    f"{(with_capture - without) / without * 100:+.0f}% |"
                )
    head = (
        "| device | size × frames | steps | without capture | with word attention | wall s (without / with) "
        "| overhead |\n|---|---|---|---|---|---|---|"
    )
    note = (
        f"\n\nThe tiny `LTXPipeline` of `scripts/make_tiny_t2v.py` (random weights, 2 blocks × 4 heads, "
        f"guidance 3: a batched conditional + unconditional pass), `generate_video` end to end (denoise, "
        f"decode, MP4; with capture the record is written too); median of {repeats} interleaved runs each "
        f"after one warm-up. Machine: {machine()}, {torch.get_num_threads()} torch threads, torch "
        f"{torch.__version__}. The box is shared with other engineers' jobs: expect ±30%."
    )
    return head + "\n" + "\n".join(rows) + note


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    parser.add_argument("--devices", nargs="+", default=default, help="cpu and/or cuda")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    text = run(args.devices, args.repeats)
    print(text)
    if not args.no_write:
        argv = " ".join(sys.argv[1:])
        print("wrote", write_section("Text to video", text, f"python benchmarks/bench_t2v.py {argv}".strip()))


if __name__ == "__main__":
    main()
