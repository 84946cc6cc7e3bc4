"""Before/after crops (1:1 pixels) of the draft and the final synthesis, free and guide mode, for the README.

    python scripts/make_look_strip.py [--out docs/images/look_strip.png] [--frames 12]

Footage: ``tests/footage.py``'s library (real photos filmed by a virtual camera, H.264 at 640x360). Free
mode composes the pan (motorcycle) and the push-in (coffee); guide mode takes the parallax scene (rocket, cat
cut-out, brick occluder) as the guide and two other takes of that scene (``footage.takes``: a clean one, a
faster one) as sources, as in the look benchmark. Each row: draft | final | (guide),
a 256x192 crop of the last frame after ``--frames`` frames of temporal state, not resampled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.engine.config import GeneratorConfig  # noqa: E402
from studio.engine.generator import AttentionGenerator  # noqa: E402
from studio.engine.seamless import SeamlessSynthesizer  # noqa: E402
from studio.engine.synth import SynthInput  # noqa: E402
from tests import footage  # noqa: E402

CROP = np.s_[100:292, 200:456]  # 256x192 around the frame's centre


def render(sources: list[np.ndarray], frames: int, quality: str, guide: np.ndarray | None) -> np.ndarray:
    config = GeneratorConfig(device="cpu", mode="guide" if guide is not None else "free")
    draft = AttentionGenerator(config)
    synth = SeamlessSynthesizer(draft) if quality == "final" else draft
    out = None
    for n in range(frames):
        inp = SynthInput(
            frames=np.stack([s[n][None] for s in sources]),
            importance=np.ones(len(sources), np.float32),
            guide=None if guide is None else guide[n],
            sources=tuple(str(i) for i in range(len(sources))),
        )
        out = synth(inp).frame
    assert out is not None
    return out


def label(img: np.ndarray, text: str) -> np.ndarray:
    img = img.copy()
    cv2.rectangle(img, (0, 0), (8 + 8 * len(text), 18), (0, 0, 0), -1)
    cv2.putText(img, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "images" / "look_strip.png"))
    ap.add_argument("--frames", type=int, default=12)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pan, zoom, parallax, _ = (footage.decode(p) for p in footage.library(tmp, frames=a.frames))
        takes = [footage.decode(p) for p in footage.takes(tmp, frames=a.frames)]
    gap = np.full((192, 6, 3), 255, np.uint8)
    rows = []
    for name, guide, sources in (("free", None, [pan, zoom]), ("guide", parallax, takes)):
        cells = [label(render(sources, a.frames, q, guide)[CROP], f"{name}: {q}") for q in ("draft", "final")]
        if guide is not None:
            cells.append(label(guide[a.frames - 1][CROP], "the guide"))
        else:
            cells.append(label(pan[a.frames - 1][CROP], "source: pan"))
        rows.append(np.concatenate([c for cell in cells for c in (cell, gap)][:-1], 1))
    strip = np.concatenate([rows[0], np.full((6, rows[0].shape[1], 3), 255, np.uint8), rows[1]], 0)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(a.out, cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    print(a.out)


if __name__ == "__main__":
    main()
