"""RenderJob(frames=range): exactly those frames, the same audio mix cut to that span in sync, the attention
record and the mattes covering the same frames; decoded again with studio.media."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.errors import ProjectError
from studio.media import ClipReader, decode_audio, probe
from tests.engine.test_render_support import H, W, make_project

RATE = 48000
LOW, HIGH = 440.0, 1500.0


@pytest.fixture(scope="module")
def clips(make_test_clip) -> list[Path]:
    """A 440 Hz clip and a 1500 Hz clip, 1 s each."""
    return [
        make_test_clip("range_low.mp4", width=W, height=H, frames=24, audio=True, tone_hz=LOW, gop=6),
        make_test_clip("range_high.mp4", width=W, height=H, frames=24, audio=True, tone_hz=HIGH, gop=6),
    ]


@pytest.fixture(scope="module")
def project(clips):
    # the low tone on [0, 1), the high one on [1, 2): the hand-over is at 1 s of the output
    return make_project(clips, [(0, 0.0, 1.0, None), (1, 1.0, 1.0, None)], duration=2.0)


@pytest.fixture(scope="module")
def full(project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("range-full") / "full.mp4"
    RenderJob(project, out, synthesizer=Crossfade(), crf=12).run()
    return out


def _frames(path: Path) -> np.ndarray:
    info = probe(path)
    with ClipReader(path) as reader:
        return np.stack([reader.read(n) for n in range(info.frames)])


def _tone_level(audio: np.ndarray, hz: float, window: int = 480) -> np.ndarray:
    """How loud ``hz`` is in each 10 ms window of the left channel (a single-bin DFT)."""
    mono = audio[0, : len(audio[0]) // window * window].reshape(-1, window).astype(np.float64)
    t = np.arange(window) / RATE
    return np.abs(mono @ np.exp(-2j * np.pi * hz * t)) / window


def _hand_over_s(audio: np.ndarray) -> float:
    """When the high tone first gets louder than the low one, in seconds."""
    louder = np.flatnonzero(_tone_level(audio, HIGH) > _tone_level(audio, LOW))
    return float(louder[0]) * 480 / RATE


def test_a_range_renders_exactly_its_frames_with_the_audio_cut_in_sync(project, full, tmp_path) -> None:
    out = tmp_path / "range.mp4"
    span = range(12, 36)  # 0.5 s to 1.5 s: the hand-over lands half a second in
    job = RenderJob(project, out, synthesizer=Crossfade(), crf=12, frames=span)
    seen = list(job)
    assert job.result.frames == 24 and seen[-1].total == 24

    whole, part = _frames(full), _frames(out)
    assert part.shape == (24, H, W, 3)
    assert np.abs(part.astype(int) - whole[12:36].astype(int)).mean() < 3  # the same pictures, re-encoded
    assert np.abs(part[:12].astype(int) - whole[:12].astype(int)).mean() > 10  # not the first frames

    whole_audio, part_audio = decode_audio(full, RATE), decode_audio(out, RATE)
    assert whole_audio.shape[1] / RATE == pytest.approx(2.0, abs=0.03)
    assert part_audio.shape[1] / RATE == pytest.approx(whole_audio.shape[1] / RATE * 24 / 48, abs=0.03)
    assert _hand_over_s(whole_audio) == pytest.approx(1.0, abs=0.03)
    assert _hand_over_s(part_audio) == pytest.approx(_hand_over_s(whole_audio) - 0.5, abs=0.03)
    # the same mix, cut: the span's samples are the full render's samples of that span
    offset = round(0.5 * RATE)
    middle = slice(2400, 21600)  # away from the ends, where AAC's frames begin and end
    np.testing.assert_allclose(part_audio[:, middle], whole_audio[:, offset:][:, middle], atol=0.05)


def test_the_record_and_the_mattes_cover_the_same_frames(project, tmp_path) -> None:
    full_record, record, mattes = tmp_path / "full.attention", tmp_path / "r.attention", tmp_path / "m"
    RenderJob(project, tmp_path / "f.mp4", synthesizer=Crossfade(), attention_dir=full_record).run()
    RenderJob(
        project, tmp_path / "r.mp4", synthesizer=Crossfade(), frames=range(20, 30), attention_dir=record,
        mattes_dir=mattes,
    ).run()  # fmt: skip
    meta = json.loads((record / "meta.json").read_text())
    assert meta["frames"] == meta["frames_written"] == 10 and meta["first_frame"] == 20 and meta["complete"]
    shares = np.load(record / "shares.npy")
    np.testing.assert_allclose(shares, np.load(full_record / "shares.npy")[20:30], atol=1e-6)
    assert shares[:4, 0].min() > 0.99 and shares[4:, 1].min() > 0.99  # frames 20-23 low clip, 24-29 high
    manifest = json.loads((mattes / "mattes.json").read_text())
    assert manifest["frames"] == 10
    first_clip = mattes / manifest["clips"][0]["matte"].split("/")[0]
    assert sorted(p.name for p in first_clip.iterdir()) == [f"{n:06d}.png" for n in range(10)]


def test_a_range_outside_the_output_is_refused_in_one_line(project, tmp_path) -> None:
    for bad in (range(40, 60), range(5, 5), range(0, 10, 2)):
        with pytest.raises(ProjectError, match="not within the output's") as info:
            RenderJob(project, tmp_path / "x.mp4", synthesizer=Crossfade(), frames=bad)
        assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
