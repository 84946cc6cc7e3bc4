"""Engine test material: real H.264 clips written with PyAV, decoded back to frames, and SynthInput helpers.

Each clip has its own look so tests can tell sources apart in the output:

- ``gradient``: the media layer's moving test pattern (``tests/clipfactory.py``): gradients + moving square.
- ``stripes``: diagonal stripes drifting to the right, pure red/black (no green, no blue).
- ``dots``: a moving grid of blue discs on black (no red, no green).
- ``guide``: big bright shapes (rectangles, a ring) with hard edges, drifting: what guide mode should keep.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from studio.engine.synth import SynthInput
from tests import clipfactory

WIDTH, HEIGHT, FRAMES = 96, 64, 12


def _stripes(n: int) -> np.ndarray:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    red = 127.5 + 127.5 * np.sin((xx + yy * 0.6 - 1.5 * n) * (2 * np.pi / 11.0))
    return np.stack([red, np.zeros_like(red), np.zeros_like(red)], -1).astype(np.uint8)


def _dots(n: int) -> np.ndarray:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    cy, cx = (yy + 0.5 * n) % 16 - 8, (xx - n) % 16 - 8
    blue = np.where(cy**2 + cx**2 < 25, 230, 20)
    zero = np.zeros_like(blue)
    return np.stack([zero, zero, blue], -1).astype(np.uint8)


def _guide(n: int) -> np.ndarray:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    img = np.full((HEIGHT, WIDTH), 30.0)
    img[(yy > 8) & (yy < 30) & (xx > 6 + n) & (xx < 40 + n)] = 220
    ring = np.hypot(yy - 42, xx - 66 + n * 0.5)
    img[(ring > 10) & (ring < 17)] = 200
    img[(yy > 48) & (xx < 30)] = 160
    return np.repeat(img[..., None], 3, -1).astype(np.uint8)


def write_clip(path: Path, frames: np.ndarray, fps: int = 24) -> Path:
    """H.264 (yuv444p, crf 10: close to the pixels, still a real lossy decode) MP4 of (N, H, W, 3) uint8."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv444p"
        stream.options = {"crf": "10"}
        for rgb in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())
    return path


def decode(path: Path) -> np.ndarray:
    """Every frame of a clip as (N, H, W, 3) uint8 RGB."""
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


@pytest.fixture(scope="session")
def engine_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """name -> decoded frames (FRAMES, HEIGHT, WIDTH, 3) uint8, from real MP4 files."""
    folder = tmp_path_factory.mktemp("engine-clips")
    paths = {
        "gradient": clipfactory.make_clip(folder / "gradient.mp4", width=WIDTH, height=HEIGHT, frames=FRAMES),
        "stripes": write_clip(folder / "stripes.mp4", np.stack([_stripes(n) for n in range(FRAMES)])),
        "dots": write_clip(folder / "dots.mp4", np.stack([_dots(n) for n in range(FRAMES)])),
        "guide": write_clip(folder / "guide.mp4", np.stack([_guide(n) for n in range(FRAMES)])),
    }
    clips = {name: decode(path) for name, path in paths.items()}
    for name, frames in clips.items():
        assert frames.shape == (FRAMES, HEIGHT, WIDTH, 3), name
    return clips


def around(frames: np.ndarray, n: int, window: int) -> np.ndarray:
    """The T = 2*window+1 frames centred on n (clamped at the clip's ends, as the time map holds)."""
    index = np.clip(np.arange(n - window, n + window + 1), 0, len(frames) - 1)
    return frames[index]


@pytest.fixture
def make_input(engine_clips: dict[str, np.ndarray]) -> Callable[..., SynthInput]:
    """``make_input(["stripes", "dots"], n, importance=None, window=1, guide=None)`` -> SynthInput."""

    def make(
        names: list[str],
        n: int,
        importance: list[float] | None = None,
        window: int = 1,
        guide: str | None = None,
    ) -> SynthInput:
        frames = np.stack([around(engine_clips[name], n, window) for name in names])
        weights = (
            np.ones(len(names), np.float32) if importance is None else np.asarray(importance, np.float32)
        )
        guide_frame = engine_clips[guide][n] if guide else None
        return SynthInput(frames=frames, importance=weights, guide=guide_frame)

    return make


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)
