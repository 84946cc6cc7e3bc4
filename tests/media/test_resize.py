"""fit_frame: letterbox, crop and stretch put the picture where an editor would."""

from __future__ import annotations

import numpy as np
import pytest

from studio.media import fit_frame


def _white(width: int, height: int) -> np.ndarray:
    return np.full((height, width, 3), 255, np.uint8)


def test_fit_letterboxes_wide_picture() -> None:
    out = fit_frame(_white(200, 100), (100, 100), "fit")
    assert out.shape == (100, 100, 3)
    rows = np.flatnonzero(out[:, 50, 0] > 0)
    assert (rows.min(), rows.max()) == (25, 74)  # 100x50 picture centred, black bars of 25 above and below


def test_fit_pillarboxes_tall_picture() -> None:
    out = fit_frame(_white(50, 100), (200, 100), "fit")
    cols = np.flatnonzero(out[50, :, 0] > 0)
    assert (cols.min(), cols.max()) == (75, 124)


def test_fill_crops_evenly() -> None:
    picture = np.zeros((100, 200, 3), np.uint8)
    picture[:, :50] = 255  # left quarter white
    out = fit_frame(picture, (100, 100), "fill")
    assert out.shape == (100, 100, 3)
    # Scaled to 200x100 (no change) then the middle 100 columns kept: columns 50..149 of the source.
    assert out.max() == 0


def test_stretch_ignores_aspect() -> None:
    picture = np.zeros((10, 40, 3), np.uint8)
    picture[:, 20:] = 200
    out = fit_frame(picture, (20, 20), "stretch")
    assert out.shape == (20, 20, 3)
    assert out[:, :9].max() == 0 and out[:, 11:].min() == 200


def test_same_size_is_untouched_and_bad_args_refused() -> None:
    picture = _white(8, 6)
    assert fit_frame(picture, (8, 6), "fill") is picture
    with pytest.raises(ValueError):
        fit_frame(picture, (8, 6), "zoom")
    with pytest.raises(ValueError):
        fit_frame(picture, (0, 6), "fit")
