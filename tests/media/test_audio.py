"""decode_audio and mix_audio: the right frequency, length and level, at any rate and channel count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.media import decode_audio, mix_audio
from tests.clipfactory import make_clip, tone


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.shape[-1], 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize(("rate", "channels"), [(48000, 2), (44100, 2), (16000, 1)])
def test_decode_resamples(audio_only_file: Path, rate: int, channels: int) -> None:
    audio = decode_audio(audio_only_file, sample_rate=rate, channels=channels)
    assert audio.dtype == np.float32 and audio.shape[0] == channels
    assert audio.shape[1] == pytest.approx(rate * 1.0, rel=0.03)  # the file holds 1 s
    assert peak_hz(audio[0], rate) == pytest.approx(440, abs=2)
    assert np.abs(audio).max() == pytest.approx(0.5, abs=0.05)


def test_decode_audio_of_a_video(audio_clip: Path) -> None:
    audio = decode_audio(audio_clip)
    assert audio.shape[0] == 2 and peak_hz(audio[1], 48000) == pytest.approx(440, abs=2)


def test_no_audio_stream_is_empty(h264_clip: Path) -> None:
    assert decode_audio(h264_clip).shape == (2, 0)
    assert decode_audio(h264_clip, channels=1).shape == (1, 0)


def test_mix_applies_per_sample_gains() -> None:
    a = np.full((2, 100), 0.2, np.float32)
    b = np.full((2, 60), 0.4, np.float32)
    ramp = np.linspace(0, 1, 100, dtype=np.float32)
    mix = mix_audio([a, b], [ramp, np.float32(0.5)])
    assert mix.shape == (2, 100)
    np.testing.assert_allclose(mix[0, :60], 0.2 * ramp[:60] + 0.2, rtol=1e-6)
    np.testing.assert_allclose(mix[1, 60:], 0.2 * ramp[60:], rtol=1e-6)  # b is over: silence after it


def test_mix_normalises_only_when_too_loud() -> None:
    loud = np.full((1, 10), 0.7, np.float32)
    mix = mix_audio([loud, loud], [np.ones(10), np.ones(10)])
    assert np.abs(mix).max() == pytest.approx(0.98)
    quiet = mix_audio([loud * 0.5], [np.ones(10)])
    assert np.abs(quiet).max() == pytest.approx(0.35)


def test_mix_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError):
        mix_audio([np.zeros((2, 10), np.float32)], [np.ones(9)])
    with pytest.raises(ValueError):
        mix_audio([np.zeros((2, 10), np.float32), np.zeros((1, 10), np.float32)], [1.0, 1.0])
    with pytest.raises(ValueError):
        mix_audio([], [])


def test_mono_source_is_duplicated_at_the_same_level(tmp_path: Path) -> None:
    from tests import clipfactory

    mono = clipfactory.make_audio(tmp_path / "mono.m4a", seconds=0.5, channels=1, tone_hz=1000)
    audio = decode_audio(mono, channels=2)
    assert audio.shape[0] == 2 and np.array_equal(audio[0], audio[1])
    rms = float(np.sqrt((audio[0, 4000:-4000] ** 2).mean()))  # away from the codec's onset/end transients
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert peak_hz(audio[0], 48000) == pytest.approx(1000, abs=4)


@pytest.mark.parametrize("offset", [0.5, -0.5])
def test_audio_is_aligned_to_the_first_video_frame(tmp_path: Path, offset: float) -> None:
    """Audio starting after the picture gets silence in front; audio starting before it loses its head."""
    path = make_clip(tmp_path / "offset.mp4", frames=48, audio=True, audio_offset=offset)
    audio = decode_audio(path, sample_rate=48000)
    loud = np.flatnonzero(np.abs(audio[0]) > 0.05)
    if offset > 0:
        assert abs(loud[0] - 24000) <= 48  # the tone starts 0.5 s into the clip, within a millisecond
        assert np.abs(audio[:, :22800]).max() < 1e-3  # silence, up to the codec's pre-echo (one AAC frame)
    else:
        # the first 0.5 s of the tone played before the first frame: the rest starts at once, mid-tone,
        # in phase with the tone 0.5 s in (a 440 Hz period is 109 samples: 10 samples off gives 0.84)
        assert loud[0] <= 48 and abs(audio.shape[1] - 1.5 * 48000) < 2048
        assert np.corrcoef(audio[0, 480:5280], tone(2.0)[0, 24480:29280])[0, 1] > 0.99
