"""Generated clips at the clip's own size: the model's small square lifted by detail transfer from the real
frames follows the motion at full resolution."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.media import ClipReader, VideoWriter, probe
from studio.models.checkpoint import save_checkpoint
from studio.models.fullsize import centre_square, output_size
from studio.models.generate import generate_clip
from studio.models.registry import build_model, make_config
from studio.project import Project, clip_from_info

W, H, STEP = 96, 64, 2  # a wide clip panning STEP px per frame


def _pan(frames: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    noise = rng.random((H // 4, (W + STEP * frames) // 4 + 2, 3)).astype(np.float32)
    wide = cv2.resize(noise, ((W + STEP * frames) + 8, H), interpolation=cv2.INTER_CUBIC)
    wide = np.clip(wide * 200 + 28, 0, 255).astype(np.uint8)
    return np.stack([wide[:, STEP * k : STEP * k + W] for k in range(frames)])


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(np.float64) - b) ** 2)))


def test_sizes() -> None:
    assert output_size(1920, 1080) == (1280, 720) and output_size(96, 64) == (96, 64)
    assert output_size(1080, 1920) == (404, 720) and output_size(641, 361) == (640, 360)
    assert centre_square(96, 64) == (16, 0, 64) and centre_square(48, 64) == (0, 8, 48)


@pytest.mark.slow
def test_extended_frames_follow_the_pan_at_full_resolution(tmp_path: Path) -> None:
    video = _pan(40)
    path = tmp_path / "pan.mp4"
    with VideoWriter(path, W, H, 24, crf=12) as writer:
        for frame in video:
            writer.write(frame)
    clip = dataclasses.replace(clip_from_info("clip-1", path, probe(path), name="pan"), out_s=30 / 24)
    project = Project("pan", [clip], [])
    # an untrained Transformer: its frames are DIS-flow extrapolation at 32x32, the guess it starts from
    model = build_model("transformer", make_config("transformer", "tiny", image_size=32))
    checkpoint = save_checkpoint(tmp_path / "ck", model, step=0)
    result = generate_clip(project, checkpoint, "extend", ["clip-1"], frames=6, device="cpu")
    info = probe(result.path)
    assert (info.width, info.height, info.frames) == (W, H, 6)  # the clip's size, not the model's square
    with ClipReader(result.path) as reader:
        made = np.stack([reader.read(n) for n in range(6)])
    with ClipReader(path) as reader:
        truth = np.stack([reader.read(30 + n) for n in range(6)])
        last = reader.read(29)
    inner = np.s_[:, 4:-4, 16:-16]  # away from the edge where new content slides in
    ours = [_psnr(m[inner[1:]], t[inner[1:]]) for m, t in zip(made, truth, strict=True)]
    repeat = [_psnr(last[inner[1:]], t[inner[1:]]) for t in truth]
    assert np.mean(ours) > np.mean(repeat) + 3, (ours, repeat)  # it moves with the pan
    square = generate_clip(project, checkpoint, "extend", ["clip-1"], frames=2, device="cpu", square=True)
    assert (probe(square.path).width, probe(square.path).height) == (32, 32)
