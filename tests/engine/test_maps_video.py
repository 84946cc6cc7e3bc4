"""The dominant-source video: a colour per clip, the map upsampled to pixels, the legend, the sidecar."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engine.maps_video import MapsOverlay, dominant_map
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.palette import clip_colour
from tests.engine.test_render_support import H, W, decode_video, make_project, ramp


def test_dominant_map_upsamples_patch_argmax() -> None:
    maps = np.zeros((3, 2, 3), np.float16)  # 3 clips, 2 x 3 patches
    maps[0, 0, :] = 1.0
    maps[1, 1, :2] = 0.7
    maps[2, 1, :2] = 0.3
    # patch (1, 2) is all zero: no source
    index = dominant_map(maps, (12, 8))  # (W, H): patches of 4 x 4 pixels
    assert index.shape == (8, 12)
    assert np.all(index[:4] == 0) and np.all(index[4:, :8] == 1) and np.all(index[4:, 8:] == -1)


def test_overlay_tints_toward_the_dominant_clip_and_draws_a_legend() -> None:
    size = (320, 180)
    overlay = MapsOverlay(["alpha", "beta"], size, opacity=0.5)
    frame = np.full((180, 320, 3), 100, np.uint8)
    maps = np.zeros((2, 23, 40), np.float16)
    maps[0, :, :20] = 1.0
    maps[1, :, 20:] = 1.0
    out = overlay(frame, maps)
    c0, c1 = np.array(clip_colour(0)), np.array(clip_colour(1))
    np.testing.assert_allclose(out[150, 60], (100 + c0) / 2, atol=1)  # left half -> clip 0, below the legend
    np.testing.assert_allclose(out[150, 260], (100 + c1) / 2, atol=1)
    assert not np.array_equal(out[:20, :40], np.full((20, 40, 3), (100 + c0) // 2))  # the legend is there
    untinted = overlay(frame, np.zeros_like(maps))  # nothing active: the frame as is (legend aside)
    assert np.array_equal(untinted[100:], frame[100:])


def test_render_writes_maps_video(make_test_clip, tmp_path) -> None:
    clips = [
        make_test_clip("maps_a.mp4", width=W, height=H, frames=24, pattern="static"),
        make_test_clip("maps_b.mp4", width=W, height=H, frames=24, pattern="static"),
    ]
    # A alone, then B alone (importance hand-over with hold keys): the tint changes colour.
    project = make_project(
        clips,
        [(0, 0.0, 1.0, ramp((0, 1.0), (0.5, 0.0), interp="hold")), (1, 0.5, 0.5, None)],
        duration=1.0,
        audio=False,
    )
    maps_path = tmp_path / "maps.mp4"
    RenderJob(project, tmp_path / "o.mp4", maps_video=maps_path, synthesizer=Crossfade(), crf=12).run()
    plain, tinted = decode_video(tmp_path / "o.mp4"), decode_video(maps_path)
    assert tinted.shape == plain.shape == (24, H, W, 3)
    for n, clip in ((5, 0), (18, 1)):
        expected = (plain[n, 40:, 48:].astype(np.float32) + np.array(clip_colour(clip))) / 2
        assert np.abs(tinted[n, 40:, 48:] - expected).mean() == pytest.approx(0, abs=4)
