"""The timeline's waveform summary: min/max per 10 ms, computed once per file version (then cached)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.media import waveform as waveform_module
from studio.media.waveform import BUCKET_S, summarise, waveform


def test_summarise_keeps_each_buckets_extremes() -> None:
    audio = np.zeros((2, 1000), np.float32)
    audio[0, 15] = 0.9  # in bucket 1 (10 samples a bucket at 1 kHz), left channel
    audio[1, 27] = -0.4  # bucket 2, right channel
    summary = summarise(audio, sample_rate=1000)
    assert summary.shape == (2, 100)
    assert summary[1, 1] == pytest.approx(0.9) and summary[0, 2] == pytest.approx(-0.4)
    assert np.count_nonzero(summary) == 2


def test_computed_once_per_file_version(audio_clip: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    clip = tmp_path / "tone.mp4"
    shutil.copy(audio_clip, clip)
    decoded: list[Path] = []
    real = waveform_module.decode_audio

    def counting(path, **kwargs):  # noqa: ANN001, ANN003, ANN202
        decoded.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(waveform_module, "decode_audio", counting)
    first = waveform(clip)
    assert first.shape[0] == 2 and first.shape[1] == pytest.approx(1.0 / BUCKET_S, abs=3)  # a 1 s clip
    assert first[1].max() == pytest.approx(0.5, abs=0.05) and first[0].min() == pytest.approx(-0.5, abs=0.05)
    np.testing.assert_array_equal(waveform(clip), first)
    assert decoded == [clip]  # the second request came from the cache
    stat = clip.stat()
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file was edited
    waveform(clip)
    assert decoded == [clip, clip]


def test_a_file_without_sound_has_an_empty_waveform(h264_clip: Path) -> None:
    assert waveform(h264_clip).shape == (2, 0)
