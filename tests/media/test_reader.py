"""ClipReader: frame n is frame n, by seeking or sequentially, whatever the format, rate, rotation or size."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from studio.media import ClipReader
from tests import clipfactory


def _close(a: np.ndarray, b: np.ndarray, tolerance: float = 10.0) -> bool:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) < tolerance


def test_every_frame_is_itself(h264_clip: Path) -> None:
    with ClipReader(h264_clip) as reader:
        assert (reader.fps, reader.frame_count, reader.size) == (24.0, 24, (64, 48))
        for n, frame in enumerate(reader.iter_frames()):
            assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
            assert clipfactory.frame_index(frame) == n
            assert _close(frame, clipfactory.expected_frame(n, 64, 48))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("seek_gop5.mp4", {"gop": 5, "frames": 40}),  # B-frames, many keyframes: every seek path
        ("seek_10bit.mkv", {"gop": 7, "frames": 30, "pix_fmt": "yuv420p10le"}),
        ("seek_vfr.mp4", {"gop": 6, "frames": 30, "vfr": True}),
    ],
)
def test_seeking_equals_sequential_in_random_order(make_test_clip, name: str, kwargs: dict) -> None:
    path = make_test_clip(name, **kwargs)
    with ClipReader(path) as reader:
        sequential = list(reader.iter_frames())
    order = list(range(len(sequential))) * 2
    random.Random(7).shuffle(order)
    with ClipReader(path, cache_frames=1) as reader:  # a 1-frame cache: (almost) every read decodes
        for n in order:
            assert np.array_equal(reader.read(n), sequential[n]), n


def test_past_the_end_holds_the_last_frame(h264_clip: Path) -> None:
    with ClipReader(h264_clip) as reader:
        last = reader.read(23)
        assert np.array_equal(reader.read(24), last) and np.array_equal(reader.read(10**6), last)
        assert clipfactory.frame_index(reader.read(-5)) == 0
        assert len(list(reader.iter_frames(20, 100))) == 4


def test_variable_frame_rate_maps_to_the_frame_showing(make_test_clip) -> None:
    path = make_test_clip("vfr.mp4", vfr=True)
    times = clipfactory.vfr_times(24, 24)
    with ClipReader(path, fps=24) as reader:
        assert reader.frame_count == round(reader.info.duration * 24)
        for n, frame in enumerate(reader.iter_frames()):
            showing = max(i for i, t in enumerate(times) if t <= n / 24 + 1e-9)
            assert clipfactory.frame_index(frame) == showing, n


@pytest.mark.parametrize(("fps", "step"), [(12.0, 2.0), (48.0, 0.5)])
def test_other_grid_rate(h264_clip: Path, fps: float, step: float) -> None:
    with ClipReader(h264_clip, fps=fps) as reader:
        assert reader.frame_count == round(24 * fps / 24)
        got = [clipfactory.frame_index(f) for f in reader.iter_frames()]
    assert got == [int(n * step) for n in range(len(got))]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_applied(make_test_clip, rotation: int) -> None:
    path = make_test_clip(f"rot{rotation}.mp4", rotation=rotation, frames=4)
    with ClipReader(path) as reader:
        frame = reader.read(3)
    assert frame.shape == clipfactory.displayed_frame(3, 64, 48, rotation).shape
    assert _close(frame, clipfactory.displayed_frame(3, 64, 48, rotation))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("p10.mp4", {"pix_fmt": "yuv420p10le"}),
        ("odd.mp4", {"width": 63, "height": 47}),
        ("hevc.mkv", {"codec": "libx265", "frames": 10}),
        ("mpeg4.avi", {"codec": "mpeg4", "frames": 12, "fps": 12}),
    ],
)
def test_pixel_formats_become_rgb(make_test_clip, name: str, kwargs: dict) -> None:
    path = make_test_clip(name, **kwargs)
    width, height = kwargs.get("width", 64), kwargs.get("height", 48)
    with ClipReader(path) as reader:
        frame = reader.read(5)
    assert frame.dtype == np.uint8 and frame.shape == (height, width, 3)
    assert clipfactory.frame_index(frame) == 5
    assert _close(frame, clipfactory.expected_frame(5, width, height), tolerance=18 if "avi" in name else 10)


def test_output_size_and_fit(h264_clip: Path) -> None:
    with ClipReader(h264_clip, size=(32, 32), fit="fit") as reader:
        frame = reader.read(3)
        assert frame.shape == (32, 32, 3)
        assert frame[:4].max() == 0 and frame[-4:].max() == 0  # 32x24 picture letterboxed in 32x32
    with ClipReader(h264_clip, size=(128, 96), fit="stretch") as reader:
        assert clipfactory.frame_index(reader.read(9)) == 9


def test_frames_are_read_only(h264_clip: Path) -> None:
    """Frames are shared with the cache: writing into one must fail loudly rather than corrupt later reads."""
    with ClipReader(h264_clip) as reader:
        frame = reader.read(0)
        with pytest.raises(ValueError):
            frame[0, 0, 0] = 1


def test_no_thread_outlives_the_reader(h264_clip: Path) -> None:
    import threading

    with ClipReader(h264_clip) as reader:
        frames = reader.iter_frames()
        next(frames)  # a half-consumed iteration, then the reader closes
    assert not [t for t in threading.enumerate() if t.name.startswith("clipreader-rgb")]


def test_a_decoder_refusal_is_a_media_error(h264_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FFmpeg's exception types never leave studio.media: the engine catches MediaError, not av's. (Here no
    picture decodes at all; with one, a damaged frame shows it instead: tests/media/test_damaged_media.py.)"""
    import av

    from studio.errors import MediaError

    def refuse(self: ClipReader, index: int) -> None:
        raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    with ClipReader(h264_clip) as reader:
        monkeypatch.setattr(ClipReader, "_decode", refuse)
        monkeypatch.setattr(ClipReader, "_first_picture", lambda self: None)
        with pytest.raises(MediaError, match=r"h264\.mp4: cannot decode frame 3: .*Invalid data") as info:
            reader.read(3)
        assert "\n" not in str(info.value)
        with pytest.raises(MediaError, match="cannot decode frame 5"):
            list(reader.iter_frames(5, 8))


def test_corrupted_middle_never_crashes(make_test_clip, tmp_path: Path) -> None:
    """Garbage inside the picture data: every frame still comes back (damaged pictures) or a MediaError."""
    from studio.errors import MediaError

    data = bytearray(make_test_clip("corrupt_src.mp4", gop=8, frames=48).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(bytes(data))
    with ClipReader(path) as reader:
        for n in [0, 47, 20, *range(reader.frame_count)]:
            try:
                assert reader.read(n).shape == (48, 64, 3)
            except MediaError as exc:
                assert "\n" not in str(exc)
