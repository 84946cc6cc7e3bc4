"""The crossfade: exactly the importance-weighted average of the centre frames, within 1 grey level."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engine.synth import Crossfade, SynthInput


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_crossfade_is_the_weighted_average(k: int) -> None:
    rng = np.random.default_rng(k)
    frames = rng.integers(0, 256, (k, 3, 37, 53, 3), dtype=np.uint8)  # odd sizes: no SIMD-width luck
    importance = (rng.random(k) + 0.05).astype(np.float32)
    out = Crossfade(stride=8)(SynthInput(frames, importance))
    weights = importance.astype(np.float64) / importance.sum()
    exact = np.tensordot(weights, frames[:, 1].astype(np.float64), axes=1)
    assert out.frame.dtype == np.uint8 and out.frame.shape == (37, 53, 3)
    assert np.abs(out.frame.astype(np.float64) - exact).max() <= 0.51  # rounded once: < 1 grey
    np.testing.assert_allclose(out.shares, weights, rtol=1e-6)
    assert out.maps.shape == (k, 5, 7) and out.maps.dtype == np.float16


def test_crossfade_extremes_saturate_not_wrap() -> None:
    frames = np.stack([np.full((1, 8, 8, 3), 255, np.uint8), np.full((1, 8, 8, 3), 255, np.uint8)] * 2)
    out = Crossfade()(SynthInput(frames, np.array([1.0, 1.0, 1.0, 1.0], np.float32)))
    assert (out.frame == 255).all()
