"""probe / probe_safe on real clips of every kind the factory makes: the numbers must be the clip's own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.errors import MediaError
from studio.media import MediaInfo, probe, probe_safe
from tests import clipfactory


def test_h264_clip(h264_clip: Path) -> None:
    info = probe(h264_clip)
    assert (info.container, info.video_codec) == ("mp4", "h264")
    assert (info.width, info.height, info.coded_width, info.coded_height) == (64, 48, 64, 48)
    assert info.fps == 24.0 and info.frames == 24 and info.duration == pytest.approx(1.0)
    assert (info.pix_fmt, info.bit_depth, info.rotation) == ("yuv420p", 8, 0)
    assert not info.variable_frame_rate and info.audio is None


def test_audio_stream(audio_clip: Path) -> None:
    audio = probe(audio_clip).audio
    assert audio is not None
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 2)
    assert audio.duration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("p10.mp4", {"pix_fmt": "yuv420p10le"}, {"pix_fmt": "yuv420p10le", "bit_depth": 10}),
        ("odd.mp4", {"width": 63, "height": 47}, {"width": 63, "height": 47, "pix_fmt": "yuv444p"}),
        ("hevc.mkv", {"codec": "libx265", "frames": 10}, {"video_codec": "hevc", "container": "matroska"}),
        ("ntsc.mp4", {"fps": 30000 / 1001, "frames": 30}, {"frames": 30, "duration": 1.001}),
        ("mpeg4.avi", {"codec": "mpeg4", "frames": 12, "fps": 12}, {"container": "avi", "frames": 12}),
    ],
)
def test_formats(make_test_clip, name: str, kwargs: dict, expected: dict) -> None:
    info = probe(make_test_clip(name, **kwargs))
    for key, value in expected.items():
        assert getattr(info, key) == pytest.approx(value, abs=1e-6) if isinstance(value, float) else value, (
            key
        )


def test_ntsc_rate_is_exact(make_test_clip) -> None:
    assert probe(make_test_clip("ntsc.mp4", fps=30000 / 1001, frames=30)).fps == pytest.approx(30000 / 1001)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_gives_displayed_size(make_test_clip, rotation: int) -> None:
    info = probe(make_test_clip(f"rot{rotation}.mp4", rotation=rotation, frames=4))
    assert info.rotation == rotation
    assert (info.coded_width, info.coded_height) == (64, 48)
    assert (info.width, info.height) == ((48, 64) if rotation in (90, 270) else (64, 48))


def test_variable_frame_rate(make_test_clip) -> None:
    info = probe(make_test_clip("vfr.mp4", vfr=True))
    times = clipfactory.vfr_times(24, 24)
    assert info.variable_frame_rate and info.frames == 24
    # MP4 stores no duration for the last frame's own gap: the muxer repeats the gap before it.
    assert info.duration == pytest.approx(float(2 * times[-1] - times[-2]), abs=1e-3)
    assert info.fps == pytest.approx(info.frames / info.duration)


def test_to_dict_is_json_and_round_trips(audio_clip: Path) -> None:
    info = probe(audio_clip)
    data = json.loads(json.dumps(info.to_dict()))
    assert {"width", "height", "fps", "frames", "duration", "video_codec", "audio"} <= data.keys()
    assert MediaInfo.from_dict(data) == info


def test_probe_safe_matches_probe(audio_clip: Path) -> None:
    assert probe_safe(audio_clip) == probe(audio_clip)


def test_module_cli_prints_json(h264_clip: Path, tmp_path: Path) -> None:
    run = [sys.executable, "-m", "studio.media.probe"]
    ok = subprocess.run([*run, str(h264_clip)], capture_output=True, text=True, check=True)
    assert json.loads(ok.stdout)["info"]["frames"] == 24
    bad = subprocess.run([*run, str(tmp_path / "nope.mp4")], capture_output=True, text=True)
    assert bad.returncode == 2 and "file not found" in json.loads(bad.stdout)["error"]


def test_probe_safe_survives_a_crashing_child(h264_clip: Path, tmp_path: Path, monkeypatch) -> None:
    """A child that dies of a signal (as FFmpeg can on a hostile file) is a MediaError, not our crash."""
    (tmp_path / "sitecustomize.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(MediaError, match="crashed"):
        probe_safe(h264_clip)


def test_probe_safe_times_out(h264_clip: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sitecustomize.py").write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(MediaError, match="longer than 0.5 s"):
        probe_safe(h264_clip, timeout=0.5)
