"""Chunked renders on a local Ray (2 CPUs, one session for the module): the joined MP4 against a
single-machine render of the same project (frame count, timestamps, every frame within the border
tolerance, audio, attention record), a worker killed mid-chunk, a cancel, a clip a worker cannot read.

The draft quality carries temporal state from frame to frame, so the chunk borders are where a chunked
render could differ; the renders are lossless (crf 0) so that what differs is the rendering, not x264.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import av
import numpy as np
import pytest

from studio.engine.cluster import ClusterRenderJob
from studio.engine.cluster.chunks import BORDER_DB, psnr
from studio.engine.render import RenderJob
from studio.errors import MediaError
from studio.media import probe
from studio.project import EngineSettings, GenerationSettings, Placement, Project, clip_from_info
from studio.project.record import AttentionRecordReader

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow  # Ray's start-up alone is several seconds

W, H, FPS, SECONDS = 160, 90, 24.0, 2.0
LONG_SECONDS = 6.0  # the fault test's: chunks of 3 s take several of the driver's polls


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def clips(make_test_clip) -> list[Path]:
    return [
        make_test_clip("cluster_a.mp4", width=W, height=H, frames=48, audio=True, tone_hz=440.0),
        make_test_clip(
            "cluster_b.mp4", width=W, height=H, frames=48, audio=True, tone_hz=1500.0, pattern="noise"
        ),
    ]


def project_of(clips: list[Path], seconds: float = SECONDS) -> Project:
    """Both clips overlapping from 0.25 s to the end (the attention and its state at work), draft quality."""
    engine = EngineSettings(quality="draft")
    settings = GenerationSettings(duration=seconds, fps=FPS, width=W, height=H, audio=True, engine=engine)
    project = Project(name="cluster", settings=settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path)))
    project.placements += [
        Placement("p0", "c0", start=0.0, duration=seconds),
        Placement("p1", "c1", start=0.25, duration=seconds - 0.25),
    ]
    return project


@pytest.fixture(scope="module")
def single(clips, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("single")
    RenderJob(
        project_of(clips), folder / "single.mp4", attention_dir=folder / "record", device="cpu", crf=0
    ).run()
    return folder / "single.mp4"


def frames_and_pts(path: Path) -> tuple[np.ndarray, list[int]]:
    with av.open(str(path)) as container:
        decoded = list(container.decode(video=0))
    return np.stack([f.to_ndarray(format="rgb24") for f in decoded]), [int(f.pts) for f in decoded]


def audio_of(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)


@pytest.fixture(scope="module")
def long_single(clips, tmp_path_factory) -> Path:
    """A longer render, for chunks that take long enough to be caught mid-way."""
    out = tmp_path_factory.mktemp("long-single") / "single.mp4"
    RenderJob(project_of(clips, LONG_SECONDS), out, device="cpu", crf=0).run()
    return out


def cluster_job(clips, output: Path, seconds: float = SECONDS, **kwargs) -> ClusterRenderJob:
    options = {"chunk_seconds": 0.5, "warmup_seconds": 0.5, "device": "cpu", "crf": 0, **kwargs}
    return ClusterRenderJob(project_of(clips, seconds), output, address="local", **options)


def assert_same_render(single: Path, joined: Path, seconds: float = SECONDS) -> None:
    expected, expected_pts = frames_and_pts(single)
    got, got_pts = frames_and_pts(joined)
    assert len(got) == len(expected) == round(seconds * FPS)
    assert got_pts == expected_pts  # one frame every 1/fps from 0, as the single encode
    worst = min(psnr(a, b) for a, b in zip(expected, got, strict=True))
    assert worst >= BORDER_DB, f"a frame is {worst:.1f} dB from the single-machine render"
    # the shares agree to ~1e-4 at the borders: the attention-following mix is the same but for the AAC
    # encoder's rounding of a slightly different input (bit-equal where the shares are; the crossfade's)
    joined_audio, single_audio = audio_of(joined), audio_of(single)
    assert joined_audio.shape == single_audio.shape
    noise = float(np.sum((joined_audio - single_audio) ** 2)) or 1e-30
    assert 10 * np.log10(float(np.sum(single_audio**2)) / noise) >= 40.0


def test_chunked_render_equals_single_machine_render(ray_session, clips, single, tmp_path) -> None:
    job = cluster_job(clips, tmp_path / "joined.mp4", attention_dir=tmp_path / "record")
    seen = list(job)
    assert len(job.plan) == 4 and all(c.warmup == 12 for c in job.plan[1:])
    assert_same_render(single, tmp_path / "joined.mp4")
    assert all(db >= BORDER_DB for db, _ in job.borders.values()) and len(job.borders) == 3
    assert seen[-1].result is job.result and job.result.frames == 48
    frames = [p.done for p in seen if p.stage == "frames"]
    assert frames[-1] == 48 and seen[-2].stage == "audio"

    record = AttentionRecordReader(tmp_path / "record")
    reference = AttentionRecordReader(single.parent / "record")
    assert record.complete and record.frames == 48 and record.has_correspondence
    assert record.settings["synthesizer"] == reference.settings["synthesizer"]
    np.testing.assert_allclose(record.shares(), reference.shares(), atol=1e-3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joined.mp4", "record"]  # no segments left


def test_a_task_killed_mid_chunk_is_retried(ray_session, clips, long_single, tmp_path) -> None:
    job = cluster_job(clips, tmp_path / "joined.mp4", LONG_SECONDS, chunk_seconds=3.0)  # 2 chunks of 72
    killed = None
    for _ in job:
        if killed is None and 1 in job.worker_pids and job.chunk_done[1] < job.plan[1].frames:
            killed = job.worker_pids[1]
            os.kill(killed, signal.SIGKILL)  # the worker dies mid-chunk, as on a lost node
    assert killed is not None, "chunk 1 was never seen mid-way"
    assert job.worker_pids[1] != killed  # rendered again, by another worker process
    assert_same_render(long_single, tmp_path / "joined.mp4", LONG_SECONDS)


def test_closing_the_job_cancels_every_task_and_leaves_no_file(ray_session, clips, tmp_path) -> None:
    job = cluster_job(clips, tmp_path / "joined.mp4")
    progress = iter(job)
    for p in progress:
        if p.done > 0:
            break
    progress.close()  # what Ctrl-C does in the CLI
    assert list(tmp_path.iterdir()) == []
    assert _cpus_freed(ray, 2)  # every task stopped: both CPUs are free again


def _cpus_freed(ray, cpus: int, wait_s: float = 10.0) -> bool:
    deadline = time.monotonic() + wait_s
    while ray.available_resources().get("CPU", 0) < cpus:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_clip_a_worker_cannot_read_fails_the_job_in_one_line(ray_session, clips, tmp_path) -> None:
    broken = [tmp_path / "a.mp4", clips[1]]
    shutil.copy(clips[0], broken[0])
    project = project_of(broken)
    broken[0].write_bytes(b"not a video any more")  # after the project was loaded: the worker finds out
    job = ClusterRenderJob(project, tmp_path / "out" / "joined.mp4", address="local", device="cpu")
    with pytest.raises(MediaError) as error:
        job.run()
    assert "a.mp4" in str(error.value) and "\n" not in str(error.value)
    assert list((tmp_path / "out").iterdir()) == []
