"""Files that probe fine but are damaged further in (issue 14, family 1): they degrade, or fail in one line
before any work, and never kill a render after the video work is done.

Audio damaged mid-way is silent over the damage (everything after it keeps its place), video shows the last
good frame, each with a warning naming the timecode; a damaged ``moov`` is refused by the probe in one line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import ClipReader, decode_audio, probe, probe_safe
from tests import clipfactory, damagedmedia


@pytest.fixture(scope="module")
def av_clip(make_test_clip) -> Path:
    """2 s of H.264 (keyframe every 8 frames) + a 440 Hz stereo AAC tone."""
    return make_test_clip("damage_src.mp4", frames=48, gop=8, audio=True)


def test_flipped_audio_packets_are_silent_in_place(av_clip: Path, tmp_path: Path) -> None:
    clean = decode_audio(av_clip)
    times = damagedmedia.flip_audio_packets(av_clip, tmp_path / "flipped.mp4", first=40, count=3)
    warnings: list[str] = []
    damaged = decode_audio(tmp_path / "flipped.mp4", on_damage=warnings.append)
    # Nothing after the damage moves earlier: the length is the clean one (an AAC frame either way at most)
    assert abs(damaged.shape[1] - clean.shape[1]) <= 1024
    start = round(times[0] * 48000)
    after = slice(start + 4 * 1024, start + 8 * 1024)  # well past the damaged frames and their overlap
    assert np.corrcoef(damaged[0, after], clean[0, after])[0, 1] > 0.99  # in sync with the clean decode
    assert np.abs(damaged[:, start + 1024 : start + 2048]).max() < 0.05  # the damaged span is silent
    [line] = warnings
    assert line.startswith("flipped.mp4: damaged audio at 00:00:00.") and "silent there" in line
    assert "\n" not in line


def test_a_layout_change_mid_stream_decodes(tmp_path: Path) -> None:
    """Mono AAC whose middle decodes as stereo, at 44.1 kHz: this raised "Frame does not match
    AudioResampler setup" (a ValueError) after the whole video pass."""
    path = damagedmedia.layout_switch_clip(tmp_path / "switch.mp4")
    audio = decode_audio(path, sample_rate=48000, channels=2)
    assert audio.shape[0] == 2 and abs(audio.shape[1] - 48000 * 44 * 1024 / 44100) < 2048
    assert np.isfinite(audio).all() and 0.2 < np.abs(audio).max() < 0.5


def test_a_damaged_video_header_is_one_line_before_any_work(av_clip: Path, tmp_path: Path) -> None:
    """The first track's codec description (``stsd`` in ``moov``) unreadable: the stream has no decoder.
    This was an AttributeError in the probe, and "the decoder crashed" from ``studio probe``."""
    bad = tmp_path / "badmoov.mp4"
    damagedmedia.rename_box(av_clip, bad, b"stsd", 0)
    with pytest.raises(MediaError, match="badmoov.mp4: the video codec is unknown or its header is damaged"):
        probe(bad)
    with pytest.raises(MediaError, match="video codec is unknown"):
        probe_safe(bad)
    run = subprocess.run(
        [sys.executable, "-m", "studio", "probe", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert "video codec is unknown" in line and "crashed" not in line


def test_a_damaged_audio_header_leaves_a_silent_clip(av_clip: Path, tmp_path: Path) -> None:
    bad = tmp_path / "badaudio.mp4"
    damagedmedia.rename_box(av_clip, bad, b"stsd", 1)
    assert probe(bad).audio is None  # the clip is used without sound
    with pytest.raises(MediaError, match="badaudio.mp4: the audio codec is unknown"):
        decode_audio(bad)


def test_wiped_video_shows_the_last_good_frame(av_clip: Path, tmp_path: Path) -> None:
    bad = tmp_path / "wiped.mp4"
    damagedmedia.wipe_video_packets(av_clip, bad, [16])  # a P-frame: the decoder drops 16..20 (refs)
    warnings: list[str] = []
    with ClipReader(bad, on_damage=warnings.append) as reader:
        shown = [clipfactory.frame_index(f) for f in reader.iter_frames()]
    assert shown[:16] == list(range(16)) and shown[21:] == list(range(21, 48))
    assert set(shown[16:21]) == {15}  # frame 15 held over the damage
    [line] = warnings  # one warning for the span, at its start
    assert line.startswith("wiped.mp4: damaged video at 00:00:00.667") and "last good frame" in line


def test_an_undecodable_start_shows_the_first_picture(av_clip: Path, tmp_path: Path) -> None:
    bad = tmp_path / "nohead.mp4"
    damagedmedia.wipe_video_packets(av_clip, bad, [0])  # the first keyframe: nothing decodes before 8
    warnings: list[str] = []
    with ClipReader(bad, on_damage=warnings.append) as reader:
        assert clipfactory.frame_index(reader.read(3)) == 8
        assert clipfactory.frame_index(reader.read(20)) == 20
    assert warnings == [
        "nohead.mp4: damaged video at 00:00:00.125 (frame 3 cannot be decoded): the last good frame is shown"
    ]


@pytest.mark.parametrize("kwargs", [{"gop": 8}, {"vfr": True}, {"codec": "mpeg4"}])
def test_clean_clips_report_no_damage(make_test_clip, kwargs: dict) -> None:
    warnings: list[str] = []
    path = make_test_clip("clean_damage_check.mp4", frames=30, audio=True, **kwargs)
    with ClipReader(path, on_damage=warnings.append) as reader:
        for _ in reader.iter_frames():
            pass
        for n in (29, 0, 17, 3, 18):
            reader.read(n)
    decode_audio(path, on_damage=warnings.append)
    assert warnings == []
