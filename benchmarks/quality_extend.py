"""Extend at the clip's own size against the classical baselines, 1 and 8 frames ahead, on realistic footage.

    python benchmarks/quality_extend.py [--frames 96] [--no-write]

Footage: as benchmarks/quality_native.py (tests/footage.py: pan, push-in, parallax with an occluder, an edit
with a hard cut, at 640x360, and the parallax scene at 1280x720). From every 8th frame of each shot (4 frames
of context, never across a cut), each method predicts the next 8 frames; PSNR and SSIM of frames 1 and 8
ahead against the real ones. Methods: repeat-last, DIS extrapolation (``baselines.predict`` "dis-flow": the
last flow applied k times) and the studio's extend (``native_generate.extrapolate``: two frames of velocity,
the path traced through the moving field). No training: the target (issue #10) is that 8-frames-ahead extend
beats DIS extrapolation. Writes ``## Extend, native size`` in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import machine, write_section  # noqa: E402 (benchmarks/ is on sys.path as a script)
from quality_native import make_footage  # noqa: E402

from studio.media.cuts import detect_cuts, shots  # noqa: E402
from studio.models.baselines import predict  # noqa: E402
from studio.models.interp import to_frame  # noqa: E402
from studio.models.metrics import psnr, ssim  # noqa: E402
from studio.models.native_generate import extrapolate  # noqa: E402

AHEAD = 8
CONTEXT = 4
METHODS = ("repeat-last", "dis-flow", "studio extend")


def run(method: str, context: np.ndarray) -> np.ndarray:
    if method == "studio extend":
        return extrapolate(context, AHEAD)[0]
    return predict(context, AHEAD, method)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-extend-") as tmp:
        groups = make_footage(Path(tmp), args.frames)
    lines = [
        f"Machine: {machine()}; `python benchmarks/quality_extend.py --frames {args.frames}`.",
        "",
        "| footage (starts) | " + " | ".join(f"{m}: 1 ahead | {m}: 8 ahead" for m in METHODS) + " |",
        "|---|" + "---:|" * (2 * len(METHODS)),
    ]
    for name, clips in groups.items():
        scores = {m: ([], []) for m in METHODS}
        starts = 0
        for clip in clips:
            for a, b in shots(detect_cuts(clip), len(clip)):
                for s in range(a + CONTEXT, b - AHEAD + 1, 8):
                    starts += 1
                    truth = clip[s : s + AHEAD]
                    for m in METHODS:
                        made = run(m, clip[s - CONTEXT : s])
                        for k, sink in zip((0, AHEAD - 1), scores[m], strict=True):
                            x, y = to_frame(made[k]), to_frame(truth[k])
                            sink.append((float(psnr(x, y)), float(ssim(x, y))))
        cells = []
        for m in METHODS:
            for sink in scores[m]:
                p, q = np.mean(sink, axis=0)
                cells.append(f"{p:.2f} dB / {q:.3f}")
        lines.append(f"| {name} ({starts}) | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    lines += ["", f"{time.perf_counter() - started:.0f} s in all."]
    table = "\n".join(lines)
    print("\n" + table)
    if not args.no_write:
        write_section("Extend, native size", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
