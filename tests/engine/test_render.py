"""RenderJob end to end on real clips: the MP4 decoded again, attention record, cancel, errors, threads."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from studio.engine.render import Progress, RenderJob
from studio.engine.synth import Crossfade
from studio.errors import Cancelled, CancelToken, MediaError, ProjectError
from tests import clipfactory
from tests.engine.test_render_support import H, W, audio_streams, decode_video, make_project, offline


@pytest.fixture(scope="module")
def clips(make_test_clip) -> list[Path]:
    """Two 96x64 1 s clips with different tones (440 Hz, 1500 Hz)."""
    return [
        make_test_clip("render_a.mp4", width=W, height=H, frames=24, audio=True, tone_hz=440.0, gop=12),
        make_test_clip("render_b.mp4", width=W, height=H, frames=24, audio=True, tone_hz=1500.0, gop=12),
    ]


def _threads() -> set[int]:
    return {t.ident for t in threading.enumerate()}


def test_render_mp4_audio_and_record(clips, tmp_path) -> None:
    # clip 0 on [0, 1), clip 1 on [0.5, 1.5), nothing on [1.5, 2): black frames with all-zero shares.
    project = make_project(clips, [(0, 0.0, 1.0, None), (1, 0.5, 1.0, None)], duration=2.0, window=1)
    out, record = tmp_path / "out.mp4", tmp_path / "record"
    job = RenderJob(project, out, attention_dir=record, device="cpu")
    seen: list[Progress] = list(job)
    result = job.result

    assert result.path == out and result.frames == 48 and result.device == "cpu"
    assert result.attention_dir == record and result.maps_video is None
    frames = decode_video(out)
    assert frames.shape == (48, H, W, 3)
    assert frames[36:].max() < 8  # nothing active -> black
    assert frames[:36].mean() > 40
    [(rate, seconds)] = audio_streams(out)
    assert rate == 48000 and seconds == pytest.approx(2.0, abs=0.05)
    shots = [p for p in seen if p.stage == "shots"]  # the clips' scene cuts first, unless known already
    assert seen[: len(shots)] == shots and all(p.done == 0 for p in shots)
    seen = seen[len(shots) :]
    frames_seen = [p for p in seen if p.stage == "frames"]
    assert [p.done for p in frames_seen] == list(range(1, 49)) and frames_seen[-1].eta_s == 0.0
    assert [p.stage for p in seen[48:]] == ["audio", "done"]  # the audio pass, then the outcome
    assert seen[-1].result is result and seen[-1].done == seen[-1].total == 48
    assert all(p.result is None for p in seen[:-1])

    meta = json.loads((record / "meta.json").read_text())
    assert meta["complete"] and meta["clips"] == [c.name for c in project.clips]
    shares = np.load(record / "shares.npy")
    maps = np.load(record / "maps.npy")
    stride = meta["stride"]
    assert shares.shape == (48, 2)
    assert maps.shape == (48, 2, -(-H // stride), -(-W // stride))
    np.testing.assert_allclose(shares[:36].sum(1), 1.0, atol=1e-4)
    np.testing.assert_allclose(maps[:36].astype(np.float32).sum(1), 1.0, atol=1e-2)
    assert np.all(shares[36:] == 0) and np.all(maps[36:] == 0)
    assert np.all(shares[:12, 1] == 0) and np.all(shares[24:36, 0] == 0)  # only the active clip is heard
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "record"]  # no temp leftovers


def test_time_map_reaches_the_pixels(make_test_clip, tmp_path) -> None:
    """One source at a time through the crossfade: each output frame is the mapped source frame (barcode)."""
    clip = make_test_clip("render_bar.mp4", width=W, height=H, frames=24, gop=6)
    # [0, 1): frames 0..23; [1, 2.5): the same clip started at 1 s, looping (24 frames, then 0..11 again).
    project = make_project([clip], [(0, 0.0, 1.0, None), (0, 1.0, 1.5, None)], duration=2.5, audio=False)
    out = tmp_path / "bar.mp4"
    RenderJob(project, out, synthesizer=Crossfade(), crf=10).run()
    frames = decode_video(out)
    assert len(frames) == 60
    expected = [n % 24 if n < 24 else (n - 24) % 24 for n in range(60)]
    assert [clipfactory.frame_index(f) for f in frames] == expected
    assert audio_streams(out) == []  # settings.audio = False: no audio track


def test_cancel_leaves_nothing(clips, tmp_path) -> None:
    project = make_project(clips, [(0, 0.0, 2.0, None), (1, 0.0, 2.0, None)], duration=2.0)
    token = CancelToken()
    before = _threads()
    job = RenderJob(
        project,
        tmp_path / "out.mp4",
        attention_dir=tmp_path / "rec",
        maps_video=tmp_path / "maps.mp4",
        synthesizer=Crossfade(),
        cancel=token,
    )
    with pytest.raises(Cancelled):
        for p in job:
            if p.done == 5:
                token.cancel()
    assert list(tmp_path.iterdir()) == []  # no output, no sidecar, no temp file or folder
    assert _threads() == before
    assert job.result is None


@pytest.mark.parametrize("stop_at", ["frames", "audio"])
def test_closing_the_generator_leaves_nothing(clips, tmp_path, stop_at) -> None:
    """A consumer that stops iterating (GeneratorExit at the yield) gets the same clean-up as a cancel."""
    project = make_project(clips, [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    before = _threads()
    job = RenderJob(
        project,
        tmp_path / "out.mp4",
        attention_dir=tmp_path / "rec",
        maps_video=tmp_path / "maps.mp4",
        synthesizer=Crossfade(),
    )
    progress = iter(job)
    for p in progress:
        if p.stage == stop_at and (stop_at != "frames" or p.done == 3):
            break
    progress.close()
    assert list(tmp_path.iterdir()) == []  # no output, no sidecar, no temp file or folder
    assert _threads() == before
    assert job.result is None


def test_progress_measures_rate_and_eta() -> None:
    p = Progress.measure(6, 24, 2.0)
    assert (p.done, p.total, p.fps, p.eta_s) == (6, 24, 3.0, 6.0)
    assert (p.stage, p.warnings, p.result) == ("frames", (), None)
    assert Progress.measure(0, 24, 0.0).eta_s == float("inf")  # no rate before the first frame
    assert Progress.measure(24, 24, 4.0).eta_s == 0.0
    assert Progress.measure(0, 0, 0.0).eta_s == 0.0  # nothing to render is done at once


def test_decode_error_is_one_line(clips, tmp_path) -> None:
    broken = clipfactory.copy_clip(clips[1], tmp_path / "broken.mp4")
    project = make_project([clips[0], broken], [(0, 0.0, 1.0, None), (1, 0.5, 0.5, None)], duration=1.0)
    clipfactory.make_text_as_video(broken)  # the file went bad after it was imported
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = _threads()
    with pytest.raises(MediaError) as info:
        RenderJob(project, out_dir / "out.mp4", synthesizer=Crossfade()).run()
    assert "broken.mp4" in str(info.value) and "\n" not in str(info.value)
    assert list(out_dir.iterdir()) == []
    assert _threads() == before


def test_offline_media_refused(clips, tmp_path) -> None:
    project = offline(make_project(clips, [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0), 1)
    with pytest.raises(ProjectError) as info:
        RenderJob(project, tmp_path / "out.mp4").run()
    assert project.clips[1].name in str(info.value) and "offline" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_replaces_an_old_record(clips, tmp_path) -> None:
    project = make_project(clips, [(0, 0.0, 0.5, None)], duration=0.5, audio=False)
    record = tmp_path / "rec"
    record.mkdir()
    (record / "stale.txt").write_text("old")
    RenderJob(project, tmp_path / "o.mp4", attention_dir=record, synthesizer=Crossfade()).run()
    assert sorted(p.name for p in record.iterdir()) == ["maps.npy", "meta.json", "shares.npy", "trace.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.mp4", "rec"]


def test_estimate_before_run(clips, tmp_path) -> None:
    project = make_project(clips, [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0)
    est = RenderJob(project, tmp_path / "o.mp4", device="cpu").estimate()
    assert est.frames == 24 and est.seconds > 0 and est.peak_memory_bytes > 0
    assert est.device.startswith("CPU") and est.fallback is None
    assert est.seconds == pytest.approx(est.ms_per_frame * 24 / 1000)
    assert list(tmp_path.iterdir()) == []  # estimating writes nothing


def test_missing_gpu_falls_back_with_a_warning(clips, tmp_path) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    project = make_project(clips, [(0, 0.0, 0.25, None)], duration=0.25, audio=False)
    warnings: list[str] = []
    job = RenderJob(project, tmp_path / "o.mp4", device="cuda", on_warning=warnings.append)
    assert job.estimate().fallback
    seen = list(job)
    result = job.result
    assert result.device == "cpu" and len(warnings) >= 1 and result.warnings == tuple(warnings)
    assert seen[0].warnings[:1] == (warnings[0],)  # the fallback is on the records from the first frame on
    assert seen[-1].warnings == result.warnings


def test_output_folder_untouched_on_failure(clips, tmp_path) -> None:
    """A pre-existing output survives a failed re-render (atomic replace only on success)."""
    out = tmp_path / "out.mp4"
    shutil.copyfile(clips[0], out)
    original = out.read_bytes()
    project = offline(make_project(clips, [(0, 0.0, 1.0, None)], duration=1.0), 0)
    with pytest.raises(ProjectError):
        RenderJob(project, out).run()
    assert out.read_bytes() == original


def test_encode_error_propagates(clips, tmp_path, monkeypatch) -> None:
    """A writer failing in the encode thread (disk full...) stops the job with its error, nothing left."""
    from studio.media import VideoWriter

    original = VideoWriter.write

    def write(self, frame):
        if self.frames_written == 3:
            raise MediaError("out.mp4: No space left on device")
        original(self, frame)

    monkeypatch.setattr(VideoWriter, "write", write)
    project = make_project(clips, [(0, 0.0, 1.0, None)], duration=1.0)
    before = _threads()
    with pytest.raises(MediaError, match="No space left"):
        RenderJob(
            project, tmp_path / "out.mp4", attention_dir=tmp_path / "rec", synthesizer=Crossfade()
        ).run()
    assert list(tmp_path.iterdir()) == []
    assert _threads() == before


@pytest.mark.gpu
def test_render_on_cuda(clips, tmp_path) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA here")
    project = make_project(clips, [(0, 0.0, 1.0, None), (1, 0.0, 1.0, None)], duration=1.0, window=1)
    result = RenderJob(project, tmp_path / "o.mp4", attention_dir=tmp_path / "rec", device="cuda").run()
    assert result.device.startswith("cuda") and not result.warnings
    np.testing.assert_allclose(np.load(tmp_path / "rec" / "shares.npy").sum(1), 1.0, atol=1e-3)
    assert decode_video(tmp_path / "o.mp4").shape == (24, H, W, 3)
