"""Audio follows the picture: tone power tracks the shares, no clicks, the time map's direction and speed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.engine.audio_follow import follow_audio, source_track
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.media import decode_audio
from studio.project import Clip, Placement
from studio.project.timemap import importance_matrix
from tests.engine.test_render_support import H, W, make_project, ramp

RATE = 48000
TONES = (440.0, 1500.0)


@pytest.fixture(scope="module")
def tone_clips(make_test_clip) -> list[Path]:
    return [
        make_test_clip(f"follow_{int(hz)}.mp4", width=W, height=H, frames=48, audio=True, tone_hz=hz, gop=12)
        for hz in TONES
    ]


def crossfade_shares(project) -> np.ndarray:
    """What the crossfade produces: importance normalised per frame (0 where nothing is active)."""
    imp = importance_matrix(project).astype(np.float64)
    total = imp.sum(1, keepdims=True)
    return np.where(total > 0, imp / np.where(total > 0, total, 1), 0.0).astype(np.float32)


def tone_amplitudes(audio: np.ndarray, hz: float, window: int = 2400) -> np.ndarray:
    """Amplitude of one sine per window (projection on sin/cos at exactly ``hz``), left channel."""
    x = audio[0]
    out = []
    t = np.arange(window) / RATE
    basis = np.exp(-2j * np.pi * hz * t)
    for start in range(0, len(x) - window + 1, window):
        out.append(2 * abs(np.dot(x[start : start + window], basis)) / window)
    return np.array(out)


def test_tone_power_follows_the_shares_in_the_rendered_mp4(tone_clips, tmp_path) -> None:
    # A hands over to B across the whole 2 s; the crossfade's shares are the normalised importance.
    project = make_project(
        tone_clips,
        [(0, 0.0, 2.0, ramp((0, 1.0), (2, 0.0))), (1, 0.0, 2.0, ramp((0, 0.0), (2, 1.0)))],
        duration=2.0,
    )
    out = tmp_path / "follow.mp4"
    RenderJob(project, out, synthesizer=Crossfade()).run()
    audio = decode_audio(out, sample_rate=RATE)
    assert audio.shape[1] == pytest.approx(2 * RATE, abs=1100)
    a, b = (tone_amplitudes(audio, hz) for hz in TONES)
    measured = a / (a + b)  # the fraction of A in the mix, per 50 ms window
    centres = (np.arange(len(a)) + 0.5) * 2400 / RATE
    expected = 1.0 - centres / 2.0
    inner = slice(2, -2)  # the first/last windows see AAC priming and padding
    np.testing.assert_allclose(measured[inner], expected[inner], atol=0.06)
    assert np.corrcoef(measured[inner], expected[inner])[0, 1] > 0.99


def test_hard_cuts_do_not_click(tone_clips) -> None:
    # A is cut at frame 25 ("hold" keys: its share drops to 0 in one frame) and B enters abruptly at frame 13;
    # both moments fall where the 440 Hz tone is near its peak (440 * n / 24 is not a whole number of cycles),
    # so a gain that stepped there would jump by ~0.2.
    cut, enter = 25 / 24, 13 / 24
    project = make_project(
        tone_clips,
        [(0, 0.0, 2.0, ramp((0, 1.0), (cut, 0.0), interp="hold")), (1, enter, 2.0 - enter, None)],
        duration=2.0,
    )
    shares = crossfade_shares(project)
    assert np.abs(np.diff(shares, axis=0)).max() > 0.4  # the shares really jump
    mix = follow_audio(project, shares, sample_rate=RATE)
    assert mix.shape == (2, 2 * RATE)
    # A sine of amplitude 0.5 moves at most 0.5 * 2 pi f / rate per sample; a click is a jump far beyond.
    bound = sum(0.5 * 2 * np.pi * hz / RATE for hz in TONES) * 1.1
    assert np.abs(np.diff(mix, axis=1)).max() < bound
    assert np.abs(mix).max() <= 0.98 + 1e-6
    # ...and yet the cuts are there (50 ms windows): A silent after 1.04 s, B silent before 0.54 s.
    a, b = (tone_amplitudes(mix, hz) for hz in TONES)
    assert a[23:].max() < 0.01 and a[:20].min() > 0.1
    assert b[:10].max() < 0.01 and b[12:].min() > 0.1


def test_clips_without_audio_are_silent(tone_clips, make_test_clip) -> None:
    mute = make_test_clip("follow_mute.mp4", width=W, height=H, frames=48)
    project = make_project([tone_clips[0], mute], [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    shares = crossfade_shares(project)
    mix = follow_audio(project, shares, sample_rate=RATE)
    a = tone_amplitudes(mix, TONES[0])
    assert mix.shape == (2, RATE) and a[2:-2].min() > 0.1  # A at half share, nothing from the mute clip
    only_mute = make_project([mute], [(0, 0.0, 1.0, None)], duration=1.0)
    assert not np.any(follow_audio(only_mute, crossfade_shares(only_mute), sample_rate=RATE))


def _ramp_audio(seconds: float) -> np.ndarray:
    """A 'signal' whose value is its own source time, so the track shows where it read."""
    t = np.arange(round(seconds * RATE), dtype=np.float32) / RATE
    return np.stack([t, t])


@pytest.mark.parametrize(
    ("end_mode", "speed", "check"),
    [
        ("loop", 1.0, "loop"),
        ("pingpong", 1.0, "pingpong"),
        ("hold", 1.0, "hold"),
        ("loop", 2.0, "speed"),
    ],
)
def test_source_track_follows_the_time_map(end_mode: str, speed: float, check: str) -> None:
    clip = Clip("c", Path("x.mp4"), "x", fps=24.0, frames=24, has_audio=True)  # 1 s segment
    placement = Placement("p", "c", start=0.0, duration=3.0, speed=speed, end_mode=end_mode)
    track, frozen = source_track(_ramp_audio(1.0), clip, placement, RATE, 0, 3 * RATE)
    s = track[0]
    step = np.diff(s)
    if check == "loop":  # forwards at speed 1, wrapping to the start once a second
        assert np.median(step) == pytest.approx(1 / RATE, rel=1e-3)
        assert np.sum(step < -0.5) == 2 and not frozen.any()
    elif check == "pingpong":  # forwards then backwards
        assert np.all(step[: RATE // 2] > 0) and np.all(step[int(1.1 * RATE) : int(1.8 * RATE)] < 0)
        assert not frozen[: int(2.5 * RATE)].any()
    elif check == "hold":  # plays to the last frame, then a frozen (silent) picture
        assert np.all(step[: int(0.9 * RATE)] > 0)
        assert frozen[int(1.1 * RATE) :].all() and not frozen[: int(0.9 * RATE)].any()
    else:  # speed 2: two source seconds per output second (resampled)
        assert np.median(step) == pytest.approx(2 / RATE, rel=1e-3)


def test_blocks_join_exactly(tone_clips) -> None:
    """Short blocks (flat memory) give the same samples as one block: no seams at block edges."""
    project = make_project(
        tone_clips,
        [(0, 0.0, 2.0, ramp((0, 1.0), (25 / 24, 0.0), interp="hold")), (1, 0.3, 1.7, None)],
        duration=2.0,
        end_mode="pingpong",
    )
    shares = crossfade_shares(project)
    whole = follow_audio(project, shares, sample_rate=RATE, block_s=10.0)
    pieces = follow_audio(project, shares, sample_rate=RATE, block_s=0.07)
    assert whole.shape == pieces.shape == (2, 2 * RATE)
    np.testing.assert_allclose(pieces, whole, atol=1e-6)
    assert np.abs(whole).max() > 0.3
