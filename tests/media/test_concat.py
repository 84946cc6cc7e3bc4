"""concat_segments: H.264 segments joined as they are (no re-encoding) into one MP4 with exact frame count and
timestamps, an audio track encoded once over the whole, and refusals in one line."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import VideoWriter, concat_segments

W, H, FPS = 64, 48, 24


def _frames(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (H, W, 3)).astype(np.int16)
    return [np.clip(base + 4 * i, 0, 255).astype(np.uint8) for i in range(n)]


def _segment(path: Path, frames: list[np.ndarray], crf: int = 18) -> Path:
    with VideoWriter(path, W, H, FPS, crf=crf) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def _decode(path: Path) -> tuple[list[np.ndarray], list[int], list[bool]]:
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    return (
        [f.to_ndarray(format="rgb24") for f in decoded],
        [f.pts for f in decoded],
        [f.key_frame for f in decoded],
    )


def test_segments_join_bit_for_bit_with_one_frame_every_tick(tmp_path) -> None:
    sizes = (13, 1, 10)
    segments = [_segment(tmp_path / f"s{i}.mp4", _frames(n, i)) for i, n in enumerate(sizes)]
    out = concat_segments(segments, tmp_path / "joined.mp4", FPS, frames=sizes)
    frames, pts, keys = _decode(out)
    expected = [f for s in segments for f in _decode(s)[0]]
    assert len(frames) == sum(sizes)
    assert all(np.array_equal(a, b) for a, b in zip(frames, expected, strict=True))  # copied, not re-encoded
    step = pts[1] - pts[0]
    assert pts == [n * step for n in range(sum(sizes))]
    assert [i for i, k in enumerate(keys) if k] == [0, 13, 14]  # each segment opens on its own keyframe
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joined.mp4", "s0.mp4", "s1.mp4", "s2.mp4"]


def test_audio_is_muxed_in_over_the_whole_length(tmp_path) -> None:
    segments = [_segment(tmp_path / f"s{i}.mp4", _frames(12, i)) for i in range(2)]
    t = np.arange(48000) / 48000
    tone = np.stack([0.5 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32)  # 1 s = the 24 frames
    blocks = [tone[:, i : i + 5000] for i in range(0, 48000, 5000)]
    out = concat_segments(segments, tmp_path / "joined.mp4", FPS, audio=iter(blocks))
    with av.open(str(out)) as container:
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert samples.shape[1] == pytest.approx(48000, abs=2048)  # AAC's priming and last frame
    assert np.abs(samples[:, 4096:40000]).max() == pytest.approx(0.5, abs=0.05)


def test_segments_of_other_encoder_settings_are_refused(tmp_path) -> None:
    segments = [_segment(tmp_path / "a.mp4", _frames(5, 0)), tmp_path / "b.mp4"]
    with VideoWriter(segments[1], W * 2, H, FPS) as writer:  # another size: other SPS
        for _ in range(5):
            writer.write(np.zeros((H, W * 2, 3), np.uint8))
    with pytest.raises(MediaError, match="b.mp4 was encoded with other parameters"):
        concat_segments(segments, tmp_path / "joined.mp4", FPS)
    assert not any(p.name.startswith(".joined") or p.name == "joined.mp4" for p in tmp_path.iterdir())


def test_a_frame_count_that_does_not_match_fails_and_leaves_nothing(tmp_path) -> None:
    segments = [_segment(tmp_path / f"s{i}.mp4", _frames(6, i)) for i in range(2)]
    with pytest.raises(MediaError, match="s1.mp4 holds 6 frames, not the 7 rendered"):
        concat_segments(segments, tmp_path / "joined.mp4", FPS, frames=[6, 7])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s0.mp4", "s1.mp4"]


def test_a_missing_segment_is_one_line(tmp_path) -> None:
    with pytest.raises(MediaError, match="cannot read segment gone.mp4"):
        concat_segments([tmp_path / "gone.mp4"], tmp_path / "joined.mp4", FPS)
