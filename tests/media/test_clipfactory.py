"""The clip factory itself: what it writes is what tests expect (decoded again by PyAV and the CLI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from tests import clipfactory


def _decode_all(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def test_frames_carry_their_index(h264_clip: Path) -> None:
    frames = _decode_all(h264_clip)
    assert [clipfactory.frame_index(f) for f in frames] == list(range(24))
    for n, frame in enumerate(frames):
        diff = np.abs(frame.astype(np.int16) - clipfactory.expected_frame(n, 64, 48)).mean()
        assert diff < 10, (n, diff)


def test_odd_size_is_exact_444(tmp_path: Path) -> None:
    path = clipfactory.make_clip(tmp_path / "odd.mp4", width=63, height=47, frames=4)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height, stream.format.name) == (63, 47, "yuv444p")


def test_vfr_timestamps(tmp_path: Path) -> None:
    path = clipfactory.make_clip(tmp_path / "vfr.mp4", vfr=True, frames=12)
    with av.open(str(path)) as container:
        times = [f.time for f in container.decode(video=0)]
    assert times == pytest.approx([float(t) for t in clipfactory.vfr_times(12, 24)], abs=1e-3)
    gaps = np.diff(times)
    assert gaps.max() > 1.5 * gaps.min()  # really variable


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_matches_ffmpeg_cli(tmp_path: Path, rotation: int) -> None:
    """The ffmpeg CLI (autorotate on) is the reference for how a player displays the clip."""
    path = clipfactory.make_clip(tmp_path / "rot.mp4", rotation=rotation, frames=3)
    raw = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    expected = clipfactory.displayed_frame(2, 64, 48, rotation)
    shown = np.frombuffer(raw, np.uint8).reshape(3, *expected.shape)[2]
    assert np.abs(shown.astype(np.int16) - expected).mean() < 10


def test_ten_bit_and_audio(tmp_path: Path) -> None:
    path = clipfactory.make_clip(tmp_path / "ten.mp4", pix_fmt="yuv420p10le", audio=True, frames=12)
    with av.open(str(path)) as container:
        assert container.streams.video[0].format.name == "yuv420p10le"
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.sample_rate, audio.channels) == ("aac", 48000, 2)


def test_helpers(tmp_path: Path, audio_only_file: Path, still_png: Path) -> None:
    with av.open(str(audio_only_file)) as container:
        assert not container.streams.video and container.streams.audio
    with av.open(str(still_png)) as container:
        assert container.streams.video[0].codec_context.name == "png"
    cut = clipfactory.truncate_copy(still_png, tmp_path / "cut.png", 0.5)
    assert cut.stat().st_size == still_png.stat().st_size // 2


def test_fixture_factory_reuses_and_separates(make_test_clip) -> None:
    a = make_test_clip("dup.mp4", frames=4)
    assert make_test_clip("dup.mp4", frames=4) == a  # made once per session
    b = make_test_clip("dup.mp4", frames=6)  # same name, other arguments: its own file
    assert a != b
    assert [len(_decode_all(p)) for p in (a, b)] == [4, 6]
