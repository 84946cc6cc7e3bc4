"""decode_audio and mix_audio: the right frequency, length and level, at any rate and channel count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.media import decode_audio, mix_audio


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
