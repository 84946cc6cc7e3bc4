"""The realistic footage generator (tests/footage.py): what it writes decodes to what it says, camera motion
is the motion asked for, and cuts are cuts."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests import footage

SIZE = (320, 180)


def _luma(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _steps(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference between consecutive frames."""
    return np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)
    return float(10 * np.log10(255**2 / mse))


def test_library_clips_decode_at_their_size_and_length(tmp_path: Path) -> None:
    paths = footage.library(tmp_path, size=SIZE, frames=12)
    assert [p.name.split("-")[0] for p in paths] == ["pan", "zoom", "parallax", "cuts"]
    firsts = []
    for path in paths:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
            assert float(stream.average_rate) == 24
        frames = footage.decode(path)
        assert frames.shape == (12, SIZE[1], SIZE[0], 3)
        assert frames.std() > 20  # a picture, not a flat field
        firsts.append(frames[0])
    # Four different scenes.
    for i in range(len(firsts)):
        for j in range(i):
            assert np.abs(firsts[i].astype(np.int16) - firsts[j]).mean() > 20


def test_encoded_clip_is_the_rendered_ground_truth_and_deterministic(tmp_path: Path) -> None:
    shots = [footage.parallax_shot(frames=6)]
    truth = footage.render_frames(shots, SIZE)
    assert np.array_equal(truth, footage.render_frames(shots, SIZE))
    decoded = footage.decode(footage.write_clip(tmp_path / "p.mp4", shots, SIZE))
    assert decoded.shape == truth.shape
    # crf 14 and 4:2:0 chroma: close to the truth.
    assert min(_psnr(d, t) for d, t in zip(decoded, truth, strict=True)) > 33


def test_pan_moves_the_scene_by_the_requested_pixels(tmp_path: Path) -> None:
    dx, dy = 3.0, 0.5
    frames = footage.decode(footage.pan_clip(tmp_path / "pan.mp4", size=SIZE, frames=8, pan=(dx, dy)))
    luma = [_luma(f) for f in frames]
    window = cv2.createHanningWindow(SIZE, cv2.CV_32F)
    # The camera moves by (dx, dy): the scene by minus that. Over 7 frames phase correlation is exact to a few
    # hundredths of a pixel per frame; frame to frame its sub-pixel estimate is biased by up to ~0.15 px (the
    # interpolation's phase response at fractional offsets), so those are checked more loosely.
    (sx, sy), _ = cv2.phaseCorrelate(luma[0], luma[-1], window)
    assert abs(sx / 7 + dx) < 0.03 and abs(sy / 7 + dy) < 0.03, (sx / 7, sy / 7)
    for a, b in zip(luma[:-1], luma[1:], strict=True):
        (sx, sy), _ = cv2.phaseCorrelate(a, b, window)
        assert abs(sx + dx) < 0.2 and abs(sy + dy) < 0.2, (sx, sy)


def test_sub_pixel_pan_is_smooth_not_nearest_neighbour() -> None:
    frames = footage.render_frames([footage.Shot("coffee", 4, pan=(0.25, 0.0))], SIZE)
    steps = _steps(frames)
    assert all(0.2 < s < 3 for s in steps), steps  # every quarter pixel shows, none jumps a whole one


def test_hard_cut_is_the_only_big_change_and_the_fade_is_gradual(tmp_path: Path) -> None:
    frames = footage.decode(footage.cut_clip(tmp_path / "cut.mp4", size=SIZE, frames=16))
    diffs = _steps(frames)
    cut = int(np.argmax(diffs)) + 1
    assert cut == 8
    others = np.delete(diffs, cut - 1)
    assert diffs[cut - 1] > 25 and others.max() < diffs[cut - 1] / 4, diffs

    shots, transitions = footage.cut_shots(24)  # pan | hard cut | tissue, crossfade of 4 frames, cat
    assert transitions == [0, 4]
    spans = footage.spans(shots, transitions)
    assert spans == [(0, 8), (8, 16), (12, 24)]
    frames = footage.render_frames(shots, SIZE, transitions)
    assert len(frames) == 24
    assert np.array_equal(frames[:8], np.stack(list(footage.shot_frames(shots[0], SIZE))))
    tissue = np.stack(list(footage.shot_frames(shots[1], SIZE))).astype(np.float32)
    cat = np.stack(list(footage.shot_frames(shots[2], SIZE))).astype(np.float32)
    for j in range(4):  # frames 12-15: the tissue's last 4 frames dissolving into the cat's first 4
        a = (j + 1) / 5
        mix = (1 - a) * tissue[4 + j] + a * cat[j]
        assert np.abs(frames[12 + j] - mix).max() <= 1
    assert np.array_equal(frames[16:], cat[4:].astype(np.uint8))


@pytest.mark.parametrize("size", [(161, 97), (64, 36)])
def test_any_size_odd_too(tmp_path: Path, size: tuple[int, int]) -> None:
    path = footage.write_clip(tmp_path / "odd.mp4", footage.zoom_shot(frames=3), size)
    frames = footage.decode(path)
    assert frames.shape == (3, size[1], size[0], 3)
    with av.open(str(path)) as container:
        expected = "yuv444p" if size[0] % 2 or size[1] % 2 else "yuv420p"
        assert container.streams.video[0].codec_context.pix_fmt == expected


def test_bad_arguments_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="unknown photo"):
        footage.photo("nope")
    with pytest.raises(ValueError, match="transitions"):
        footage.spans([footage.Shot("coffee", 4)] * 3, [0])
    with pytest.raises(ValueError, match="does not fit"):
        footage.spans([footage.Shot("coffee", 4)] * 2, [5])
