"""Display matrices with flips: the reader shows what the ffmpeg CLI (autorotate on) shows, for all eight
orientations a matrix can express."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from studio.media import ClipReader, probe, probe_safe
from studio.media.orientation import from_matrix, orient
from tests.clipfactory import expected_frame

W, H = 64, 48
CASES = [(deg, hflip, vflip) for deg in (0, 90, 180, 270) for hflip, vflip in ((0, 0), (1, 0), (0, 1))]


def _write(path: Path, degrees: int, hflip: bool, vflip: bool) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv444p"
        stream.options = {"crf": "0"}  # lossless: pixels compare exactly
        stream.set_display_rotation(degrees, hflip=hflip, vflip=vflip)  # degrees counter-clockwise
        for n in range(2):
            frame = av.VideoFrame.from_ndarray(expected_frame(n, W, H), format="rgb24")
            frame.pts = n
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _ffmpeg_frames(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo"]
    raw = subprocess.run([*cmd, "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, *shape)


@pytest.mark.parametrize(("degrees", "hflip", "vflip"), CASES)
def test_reader_shows_what_ffmpeg_shows(tmp_path: Path, degrees: int, hflip: int, vflip: int) -> None:
    path = _write(tmp_path / "o.mp4", degrees, bool(hflip), bool(vflip))
    info = probe(path)
    assert (info.width, info.height) == ((H, W) if degrees in (90, 270) else (W, H))
    assert info.mirrored == bool(hflip != vflip)  # a flip of both axes is a half turn, no mirror
    with ClipReader(path) as reader:
        ours = np.stack([reader.read(n) for n in range(2)])
    assert np.array_equal(ours, _ffmpeg_frames(path, ours.shape[1:]))


def test_mirrored_survives_the_child_process_probe(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.mp4", 90, True, False)
    assert probe_safe(path) == probe(path) and probe(path).mirrored


def test_matrices_that_are_no_right_angle_transform_are_left_to_the_rotation_angle() -> None:
    one = 1 << 16
    cos45 = round(0.7071 * one)
    assert from_matrix([cos45, -cos45, 0, cos45, cos45, 0, 0, 0, 1 << 30]) is None
    assert from_matrix([2 * one, 0, 0, 0, one, 0, 0, 0, 1 << 30]) is None  # a stretch
    assert from_matrix([one, 0, 0, 0, one, 0, 0, 0, 1 << 30]) == (0, False)
    assert from_matrix([one - 3, 2, 0, -1, one + 1, 0, 0, 0, 1 << 30]) == (0, False)  # writers' rounding


def test_orient_turns_clockwise_then_mirrors() -> None:
    a = np.arange(6).reshape(2, 3)
    assert np.array_equal(orient(a, 90), np.rot90(a, -1)) and orient(a, 90).flags.c_contiguous
    assert np.array_equal(orient(a, 270, True), np.rot90(a, 1)[:, ::-1])
    assert orient(a, 0) is a
