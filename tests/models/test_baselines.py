"""The classical baselines do what they claim on scenes whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from studio.models import baselines


def _texture(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth random texture (blurred noise): flow can lock onto it."""
    import cv2

    rng = np.random.default_rng(seed)
    noise = rng.random((h // 4, w // 4, 3)).astype(np.float32)
    return np.clip(cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC) * 255, 0, 255).astype(np.uint8)


def _panning(frames: int, dx: int) -> np.ndarray:
    """A camera pan: frame k is a window of a wide texture moved dx·k pixels."""
    wide = _texture(48, 64 + dx * frames + 8)
    return np.stack([wide[:, 4 + dx * k : 4 + dx * k + 64] for k in range(frames)])


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32))[:, 8:-8, 8:-8].mean())  # ignore borders


def test_repeat_last_and_linear_on_a_static_scene_are_exact() -> None:
    still = np.repeat(_texture()[None], 3, axis=0)
    for method in ("repeat-last", "linear"):
        out = baselines.predict(still, 4, method)
        assert out.shape == (4, 48, 64, 3)
        assert np.array_equal(out[-1], still[-1])


def test_flow_recovers_a_pan() -> None:
    pan = _panning(2, 2)
    f = baselines.flow(pan[0], pan[1])  # content moves left by 2 px: a(x) = b(x - 2)
    assert np.median(f[8:-8, 8:-8, 0]) == pytest.approx(-2.0, abs=0.3)
    assert np.median(np.abs(f[8:-8, 8:-8, 1])) < 0.3


def test_dis_flow_prediction_beats_repeat_last_on_a_pan() -> None:
    pan = _panning(6, 2)
    truth = pan[3:6]
    flow_err = _mae(baselines.predict(pan[:3], 3, "dis-flow"), truth)
    repeat_err = _mae(baselines.predict(pan[:3], 3, "repeat-last"), truth)
    assert flow_err < 0.5 * repeat_err


@pytest.mark.parametrize("factor", [2, 4])
def test_dis_flow_interpolation_beats_the_blend_on_a_pan(factor: int) -> None:
    pan = _panning(factor + 1, 2)
    keys = pan[::factor]
    for method in baselines.INTERPOLATION_METHODS:
        assert baselines.interpolate_sequence(keys, factor, method).shape == pan.shape
    flow_err = _mae(baselines.interpolate_sequence(keys, factor, "dis-flow")[1:-1], pan[1:-1])
    blend_err = _mae(baselines.interpolate_sequence(keys, factor, "linear")[1:-1], pan[1:-1])
    assert flow_err < 0.5 * blend_err


def test_flow_fill_matches_the_baselines_for_any_mask() -> None:
    pan = _panning(9, 2)
    known = [t % 4 == 0 for t in range(9)]  # 4× interpolation: one flow pair per gap
    out = baselines.flow_fill(pan, known)
    assert np.array_equal(out[::4], pan[::4])
    assert np.array_equal(out[1:4], baselines.interpolate_sequence(pan[[0, 4]], 4, "dis-flow")[1:4])
    known = [t < 3 for t in range(9)]  # prediction: extrapolated along the last known motion
    out = baselines.flow_fill(pan, known)[3:]
    assert np.array_equal(out, baselines.predict(pan[:3], 6, "dis-flow"))
    assert _mae(out, pan[3:]) < 0.5 * _mae(baselines.predict(pan[:3], 6, "repeat-last"), pan[3:])
    gap = baselines.flow_fill(pan, [t in (0, 2) for t in range(9)])  # known frames 2 apart: per-frame motion
    assert _mae(gap[3:], pan[3:]) < 0.5 * _mae(np.repeat(pan[2:3], 6, axis=0), pan[3:])
    one = baselines.flow_fill(pan, [t == 4 for t in range(9)])  # a single known frame: repeated
    assert np.array_equal(one[0], pan[4]) and np.array_equal(one[8], pan[4])
    with pytest.raises(ValueError):
        baselines.flow_fill(pan, [False] * 9)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError):
        baselines.predict(np.zeros((2, 8, 8, 3), np.uint8), 1, "magic")
