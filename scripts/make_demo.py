"""Generate the bundled demo: three small procedural clips and a project that hands over between them.

    python scripts/make_demo.py [--out resources/demo]

The clips are drawn with OpenCV/numpy and encoded with PyAV (H.264 + AAC chords), each with its own colour
palette so the attention maps read at a glance: "Sky" (warm sunset, a sun, hills, birds), "Title" (magenta
stripes and a scrolling title card), "Pattern" (a green/teal rotating star over a bouncing checkerboard).
Deterministic (no randomness but a fixed seed), so rerunning gives the same files.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from studio.media.probe import probe
from studio.paths import DEMO_PROJECT
from studio.project.curve import ImportanceCurve, Keyframe
from studio.project.io import save_project
from studio.project.model import EngineSettings, GenerationSettings, Placement, Project, clip_from_info

W, H, FPS, SECONDS, RATE = 480, 270, 24, 5.0, 48000


# ------------------------------------------------------------------------------------------------- pictures
def sky(n: int) -> np.ndarray:
    """A sunset: vertical gradient, a sun sinking, two layers of hills, a few birds crossing."""
    t = n / FPS
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    top, bottom = np.array([40, 60, 140], np.float32), np.array([255, 150, 70], np.float32)
    img = np.broadcast_to(top * (1 - y) + bottom * y, (H, W, 3)).copy()
    sun = (int(W * 0.65), int(H * 0.35 + 12 * t))
    cv2.circle(img, sun, 34, (255, 230, 140), -1, cv2.LINE_AA)
    xs = np.arange(W)
    for base, amp, freq, speed, colour in (
        (0.72, 18, 0.018, 8, (90, 60, 90)),
        (0.84, 12, 0.031, 20, (50, 30, 60)),
    ):
        ridge = (H * base + amp * np.sin(xs * freq + t * speed * 0.05)).astype(np.int32)
        pts = np.concatenate([np.stack([xs, ridge], 1), [[W - 1, H - 1], [0, H - 1]]]).astype(np.int32)
        cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)
    for i in range(4):
        bx = int((40 + i * 70 + t * 45) % (W + 40)) - 20
        by = int(60 + 18 * i + 6 * math.sin(t * 3 + i))
        flap = int(6 * math.sin(t * 12 + i))
        cv2.polylines(
            img, [np.array([[bx - 9, by - flap], [bx, by], [bx + 9, by - flap]])], False, (30, 20, 40), 2
        )
    return np.clip(img, 0, 255).astype(np.uint8)


def title(n: int) -> np.ndarray:
    """A title card: diagonal magenta/violet stripes sliding, a dark band with text scrolling across."""
    t = n / FPS
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    stripe = (np.sin((xx + yy) * 0.08 - t * 4.0) > 0)[..., None]
    img = np.where(stripe, np.array([200, 40, 150], np.uint8), np.array([90, 30, 150], np.uint8))
    img = np.ascontiguousarray(img)  # uint8: cv2.putText draws on 8-bit images only
    cv2.rectangle(img, (0, H // 2 - 40), (W, H // 2 + 40), (25, 10, 35), -1)
    text = "ATTENTION VIDEO STUDIO  *  "
    x = int(30 - (t * 90) % 620)  # two copies 620 px apart: a seamless crawl, text on screen from frame 0
    for dx in (0, 620):
        cv2.putText(
            img, text, (x + dx, H // 2 + 14), cv2.FONT_HERSHEY_DUPLEX, 1.1, (255, 240, 250), 2, cv2.LINE_AA
        )
    cv2.putText(
        img,
        f"scene {1 + n // 24:02d}",
        (16, H - 18),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (255, 200, 240),
        1,
        cv2.LINE_AA,
    )
    return np.clip(img, 0, 255).astype(np.uint8)


def pattern(n: int) -> np.ndarray:
    """A bouncing teal checkerboard under a rotating lime star."""
    t = n / FPS
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    off = 20 * math.sin(t * 2.0)
    checker = ((((xx + off) // 30) + ((yy + 2 * off) // 30)) % 2)[..., None]
    img = np.where(checker > 0, np.array([0, 120, 110], np.uint8), np.array([10, 50, 60], np.uint8))
    img = np.ascontiguousarray(img)
    cx, cy = W / 2 + 120 * math.sin(t * 1.3), H / 2 + 50 * abs(math.sin(t * 2.6)) - 25
    angles = np.arange(10) * math.pi / 5 + t * 1.5
    radii = np.where(np.arange(10) % 2 == 0, 70.0, 28.0)
    star = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)
    cv2.fillPoly(img, [star], (170, 255, 60), cv2.LINE_AA)
    cv2.circle(img, (int(cx), int(cy)), 12, (250, 255, 210), -1, cv2.LINE_AA)
    return np.clip(img, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------- sound
def chord(hz: tuple[float, ...], pulse: float) -> np.ndarray:
    """(2, n) float32: a soft chord, tremolo at ``pulse`` Hz, faded in/out so a loop does not click."""
    t = np.arange(int(SECONDS * RATE)) / RATE
    mono = sum(np.sin(2 * np.pi * f * t) for f in hz) / len(hz)
    mono *= 0.6 + 0.4 * np.sin(2 * np.pi * pulse * t) ** 2
    fade = np.minimum(1.0, np.minimum(t, SECONDS - t) / 0.05)
    left, right = mono * fade * 0.45, np.roll(mono, 240) * fade * 0.45
    return np.stack([left, right]).astype(np.float32)


# ----------------------------------------------------------------------------------------------- encoding
def encode(path: Path, draw: Callable[[int], np.ndarray], audio: np.ndarray, crf: int = 30) -> None:
    """H.264 (yuv420p, +faststart) + AAC 64 kb/s, written under a temp name and renamed."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = out.add_stream("libx264", rate=Fraction(FPS))
            video.width, video.height, video.pix_fmt = W, H, "yuv420p"
            video.options = {"crf": str(crf), "preset": "slow"}
            sound = out.add_stream("aac", rate=RATE, layout="stereo")
            sound.bit_rate = 64000
            for n in range(int(SECONDS * FPS)):
                out.mux(video.encode(av.VideoFrame.from_ndarray(draw(n), format="rgb24")))
            out.mux(video.encode(None))
            for start in range(0, audio.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(audio[:, start : start + 1024]), format="fltp", layout="stereo"
                )
                frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def curve(*keys: tuple[float, float]) -> ImportanceCurve:
    return ImportanceCurve(tuple(Keyframe(t, v, "smooth") for t, v in keys))


def make_demo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    specs = [
        ("sky", "Sky", sky, chord((261.63, 329.63, 392.0), 0.5)),  # C major, slow swell
        ("title", "Title", title, chord((220.0, 261.63, 329.63), 2.0)),  # A minor, pulsing
        ("pattern", "Pattern", pattern, chord((146.83, 220.0, 293.66), 4.0)),  # D fifths, fast pulse
    ]
    project = Project(
        name="Demo",
        settings=GenerationSettings(
            duration=8.0, fps=24.0, width=640, height=360, crf=23, engine=EngineSettings()
        ),
    )
    for clip_id, name, draw, audio in specs:
        path = folder / f"{clip_id}.mp4"
        encode(path, draw, audio)
        project.clips.append(clip_from_info(clip_id, path, probe(path), name=name))
    # Three overlapping placements; each importance curve hands over to the next clip.
    project.placements += [
        Placement("p-sky", "sky", start=0.0, duration=4.0, importance=curve((0, 1), (2.2, 1), (3.8, 0.05))),
        Placement(
            "p-title",
            "title",
            start=2.0,
            duration=4.5,
            importance=curve((0, 0.05), (1.5, 1), (3, 1), (4.3, 0.05)),
        ),
        Placement(
            "p-pattern", "pattern", start=4.5, duration=3.5, importance=curve((0, 0.05), (1.5, 1), (3.5, 1))
        ),
    ]
    path = save_project(project, folder / DEMO_PROJECT.name)
    path.with_name(path.name + ".bak").unlink(missing_ok=True)  # a regenerated file needs no backup
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEMO_PROJECT.parent, help="folder (default: resources/demo)"
    )
    args = parser.parse_args()
    path = make_demo(args.out)
    for f in sorted(args.out.iterdir()):
        print(f"{f.name:28s} {f.stat().st_size / 1024:7.1f} KiB")
    print(f"project: {path}")


if __name__ == "__main__":
    main()
