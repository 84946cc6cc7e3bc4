"""A frame strip of the demo render for the README: four output frames on top, where each came from below.

    python scripts/make_readme_strip.py [--out docs/images/demo_strip.png] [--crossfade]

The frames come from the same ``FrameRenderer`` the window uses (attention generator on the CPU unless
CUDA is there); the lower row colours each pixel by its dominant source clip (the maps video's palette),
with the clips' names in a legend.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.engine.frame import FrameRenderer, make_synthesizer  # noqa: E402
from studio.engine.maps_video import dominant_map  # noqa: E402
from studio.palette import clip_colour  # noqa: E402
from studio.paths import DEMO_PROJECT  # noqa: E402
from studio.project import load_project  # noqa: E402

TILE = (320, 180)
TIMES = (1.0, 3.0, 5.2, 7.0)  # seconds: Sky alone, Sky -> Title, Title -> Pattern, Pattern


def label(img: np.ndarray, text: str) -> None:
    """White text on a dark box (a thicker outline would drift: Hershey advances grow with thickness)."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    cv2.rectangle(img, (4, 4), (12 + w, 12 + h + base), (20, 20, 20), -1)
    cv2.putText(img, text, (8, 8 + h), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)


def make_strip(out: Path, crossfade: bool = False) -> Path:
    project = load_project(DEMO_PROJECT)
    fps = project.settings.fps
    synth = make_synthesizer(project, "auto", crossfade=crossfade)
    top, bottom = [], []
    with FrameRenderer(project, synthesizer=synth) as renderer:
        for seconds in TIMES:
            n = round(seconds * fps)
            renderer.render(n - 1)  # one frame of history, as in playback (coherence, stability)
            r = renderer.render(n)
            frame = cv2.resize(r.frame, TILE, interpolation=cv2.INTER_AREA)
            index = dominant_map(r.maps, TILE)
            colours = np.array([clip_colour(i) for i in range(len(project.clips))], np.uint8)
            source = np.where((index >= 0)[..., None], colours[np.maximum(index, 0)], 0).astype(np.uint8)
            shares = ", ".join(
                f"{c.name} {s:.0%}" for c, s in zip(project.clips, r.shares, strict=True) if s > 0.005
            )
            label(frame, f"t = {seconds:.1f} s")
            label(source, shares)
            top.append(frame)
            bottom.append(source)
    gap = np.full((TILE[1], 4, 3), 255, np.uint8)
    rows = [np.concatenate(sum(([t, gap] for t in row), [])[:-1], 1) for row in (top, bottom)]
    strip = np.concatenate([rows[0], np.full((4, rows[0].shape[1], 3), 255, np.uint8), rows[1]], 0)
    legend = np.full((28, strip.shape[1], 3), 255, np.uint8)
    x = 8
    for i, clip in enumerate(project.clips):
        cv2.rectangle(legend, (x, 8), (x + 14, 22), clip_colour(i), -1)
        cv2.putText(
            legend, clip.name, (x + 20, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1, cv2.LINE_AA
        )
        x += 40 + 10 * len(clip.name)
    strip = np.concatenate([strip, legend], 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.part.png")
    try:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR)):
            raise OSError(f"cannot write {out}")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "demo_strip.png")
    parser.add_argument("--crossfade", action="store_true", help="the plain crossfade instead of attention")
    args = parser.parse_args()
    print(make_strip(args.out, args.crossfade))


if __name__ == "__main__":
    main()
