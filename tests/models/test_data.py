"""Training data: decoded real clips, cached, a held-out split training never touches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio import paths
from studio.errors import StudioError
from studio.models.data import ClipSource, FrameData, decode_clip, sources_from_project, to_tensor, to_uint8
from tests.clipfactory import frame_index


def _numbered(frames: int, size: int = 16) -> np.ndarray:
    """Frame n is filled with the value n: a frame's origin is its value."""
    return np.broadcast_to(
        np.arange(frames, dtype=np.uint8)[:, None, None, None], (frames, size, size, 3)
    ).copy()


def test_real_clip_decodes_at_the_training_size_in_order(moving_clip: Path) -> None:
    frames = decode_clip(ClipSource("c", "moving", moving_clip), (64, 48))
    assert frames.shape == (72, 48, 64, 3) and frames.dtype == np.uint8
    assert [frame_index(f) for f in frames[::7]] == list(range(0, 72, 7))


def test_decoded_frames_are_cached_and_reused(moving_clip: Path) -> None:
    src = ClipSource("c", "moving", moving_clip)
    first = decode_clip(src, (32, 32))
    cached = list(paths.cache_dir("models", "frames").glob("*.npy"))
    assert cached
    assert np.array_equal(decode_clip(src, (32, 32)), first)


def test_training_never_sees_held_out_frames() -> None:
    data = FrameData([_numbered(100), _numbered(40)], holdout=0.15, min_holdout=12)
    assert data.splits == [85, 28]
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        batch = data.sample(4, 8, rng)
        seen |= set(np.unique(batch).tolist())
    held = data.held_out(12)
    assert held.shape[1:] == (12, 16, 16, 3)
    assert max(seen) < 85  # the longer clip's tail (85..99) never appears in training
    assert set(np.unique(held).tolist()) <= set(range(85, 100)) | set(range(28, 40))


def test_held_out_windows_are_deterministic_and_capped() -> None:
    data = FrameData([_numbered(200)], holdout=0.5)
    a, b = data.held_out(12, max_windows=3), data.held_out(12, max_windows=3)
    assert a.shape[0] == 3 and np.array_equal(a, b)


def test_crops_and_flips_keep_window_shape() -> None:
    data = FrameData([np.random.default_rng(0).integers(0, 255, (40, 40, 40, 3), dtype=np.uint8)])
    out = data.sample(3, 5, np.random.default_rng(1), crop=(32, 24))
    assert out.shape == (3, 5, 24, 32, 3)


def test_too_short_clips_and_bad_sizes_are_user_errors(moving_clip: Path) -> None:
    data = FrameData([_numbered(10)])
    with pytest.raises(StudioError, match="training frames"):
        data.sample(1, 12, np.random.default_rng(0))
    with pytest.raises(StudioError, match="held-out"):
        data.held_out(12)
    with pytest.raises(StudioError, match="multiple of 8"):
        FrameData.load([ClipSource("c", "moving", moving_clip)], (30, 30))
    with pytest.raises(StudioError, match="not found"):
        decode_clip(ClipSource("c", "gone", moving_clip.with_name("gone.mp4")), (32, 32))


def test_sources_from_project_by_name_and_id(project_file: Path) -> None:
    assert [s.id for s in sources_from_project(project_file)] == ["clip-1", "clip-2"]
    assert [s.id for s in sources_from_project(project_file, ["models_other"])] == ["clip-2"]
    with pytest.raises(StudioError, match=r"named .nope.* \(online clip ids: clip-1, clip-2\)"):
        sources_from_project(project_file, ["nope"])


def test_tensor_round_trip_is_exact() -> None:
    frames = np.random.default_rng(2).integers(0, 256, (2, 3, 8, 8, 3), dtype=np.uint8)
    t = to_tensor(frames)
    assert t.shape == (2, 3, 3, 8, 8) and float(t.max()) <= 1.0
    assert np.array_equal(to_uint8(t), frames)


def test_the_tail_of_a_clip_decodes_alone(moving_clip: Path) -> None:
    src = ClipSource("clip-1", "moving", moving_clip)
    whole = decode_clip(src, (32, 32))
    tail = decode_clip(src, (32, 32), 5, tail=True)
    assert np.array_equal(tail, whole[-5:])
    assert np.array_equal(decode_clip(src, (32, 32), 5), whole[:5])  # the head, cached apart from the tail
