"""The time map: output frame -> (clip, source frame, importance), for every end mode, speed and in/out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.project import (
    Clip,
    GenerationSettings,
    ImportanceCurve,
    Keyframe,
    Placement,
    Project,
    active_count,
    frame_sources,
    importance_matrix,
    source_frames,
)


def _one(frames: int = 5, fps: float = 24.0, out_fps: float = 24.0, **placement) -> Project:
    clip = Clip("c", Path("/media/c.mp4"), "c", fps=fps, frames=frames, width=8, height=8,
                in_s=placement.pop("in_s", 0.0), out_s=placement.pop("out_s", None))  # fmt: skip
    p = Placement("p", "c", placement.pop("start", 0.0), placement.pop("duration", 1.0), **placement)
    return Project("t", [clip], [p], GenerationSettings(duration=1.0, fps=out_fps))


def _frames(project: Project, count: int) -> list[int | None]:
    out: list[int | None] = []
    for n in range(count):
        samples = frame_sources(project, n)
        out.append(samples[0].source_frame if samples else None)
    return out


def test_loop_wraps_to_the_first_frame() -> None:
    assert _frames(_one(end_mode="loop"), 12) == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]


def test_pingpong_turns_without_repeating_the_turn_frames() -> None:
    assert _frames(_one(end_mode="pingpong"), 13) == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4]


def test_hold_stays_on_the_last_frame() -> None:
    assert _frames(_one(end_mode="hold"), 8) == [0, 1, 2, 3, 4, 4, 4, 4]


@pytest.mark.parametrize(
    ("speed", "expected"),
    [(2.0, [0, 2, 4, 1, 3, 0, 2]), (0.5, [0, 0, 1, 1, 2, 2, 3]), (1.5, [0, 1, 3, 4, 1, 2, 4])],
)
def test_speed_scales_local_time(speed: float, expected: list[int]) -> None:
    assert _frames(_one(speed=speed, end_mode="loop"), 7) == expected


def test_in_and_out_points_select_the_segment() -> None:
    # 24 fps: in 0.25 s = frame 6, out 0.5 s = frame 12 (exclusive).
    loop = _one(frames=48, in_s=0.25, out_s=0.5)
    assert _frames(loop, 14) == [6, 7, 8, 9, 10, 11, 6, 7, 8, 9, 10, 11, 6, 7]
    pingpong = _one(frames=48, in_s=0.25, out_s=0.5, end_mode="pingpong")
    assert _frames(pingpong, 12) == [6, 7, 8, 9, 10, 11, 10, 9, 8, 7, 6, 7]
    hold = _one(frames=48, in_s=0.25, out_s=0.5, end_mode="hold")
    assert _frames(hold, 9) == [6, 7, 8, 9, 10, 11, 11, 11, 11]
    assert frame_sources(loop, 1)[0].source_time == pytest.approx(0.25 + 1 / 24)


def test_active_span_is_half_open_and_output_fps_resamples() -> None:
    project = _one(frames=48, start=0.25, duration=0.5, out_fps=12.0)  # output frames 3..8 at 12 fps
    assert _frames(project, 11) == [None, None, None, 0, 2, 4, 6, 8, 10, None, None]


def test_out_point_past_the_end_of_the_file_is_clamped() -> None:
    assert _frames(_one(frames=4, out_s=10.0, end_mode="hold"), 6) == [0, 1, 2, 3, 3, 3]


def test_zero_importance_is_still_reported(project: Project) -> None:
    # pl-2 starts at 1 s with a curve from 0: at its first frame it is present with importance 0.
    samples = {s.placement_id: s for s in frame_sources(project, 12)}
    assert samples["pl-2"].importance == 0.0
    assert samples["pl-2"].clip_index == 1 and samples["pl-2"].clip_id == "clip-2"
    assert samples["pl-1"].importance == 1.0


def test_vectorised_helpers_agree_with_frame_sources(project: Project) -> None:
    frames = project.settings.frame_count
    matrix = importance_matrix(project)
    counts = active_count(project)
    assert matrix.shape == (frames, len(project.clips)) and matrix.dtype == np.float32
    for n in range(frames):
        samples = frame_sources(project, n)
        assert counts[n] == len(samples)
        expected = np.zeros(len(project.clips))
        for s in samples:
            expected[s.clip_index] += s.importance
        np.testing.assert_allclose(matrix[n], expected, atol=1e-6)
    for p in project.placements:
        outs, srcs = source_frames(project, p)
        by_frame = {
            n: s.source_frame
            for n in range(frames)
            for s in frame_sources(project, n)
            if s.placement_id == p.id
        }
        assert dict(zip(outs.tolist(), srcs.tolist(), strict=True)) == by_frame


def test_two_placements_of_one_clip_add_up_in_its_column() -> None:
    project = _one(duration=1.0)
    curve = ImportanceCurve((Keyframe(0.0, 0.25),))
    project.placements.append(Placement("q", "c", 0.5, 0.5, importance=curve))
    matrix = importance_matrix(project)
    assert matrix[:12, 0].tolist() == [1.0] * 12
    assert matrix[12:24, 0].tolist() == [1.25] * 12
    assert active_count(project).tolist() == [1] * 12 + [2] * 12


def test_vectorised_helpers_agree_on_awkward_spans() -> None:
    """Starts/ends on, a hair off, and between frame times (at 30 and 29.97 fps): no frame gained or lost."""
    rng = np.random.default_rng(11)
    for fps in (30.0, 30000 / 1001):
        project = _one(frames=40, fps=25.0, out_fps=fps)
        project.settings = GenerationSettings(duration=3.0, fps=fps)
        project.placements.clear()
        for i in range(12):
            start = float(
                rng.choice([0.1, 1 / 3, 0.7, round(rng.uniform(0, 2), 6), rng.integers(0, 60) / fps])
            )
            duration = float(rng.choice([0.2, 2 / 3, 1.0, round(rng.uniform(0.01, 1.5), 6)]))
            project.placements.append(
                Placement(f"p{i}", "c", start, duration, speed=float(rng.uniform(0.3, 3)))
            )
        counts = active_count(project)
        for n in range(project.settings.frame_count):
            assert counts[n] == len(frame_sources(project, n)), (fps, n)
        for p in project.placements:
            outs, srcs = source_frames(project, p)
            expected = {n: s.source_frame for n in range(project.settings.frame_count)
                        for s in frame_sources(project, n) if s.placement_id == p.id}  # fmt: skip
            assert dict(zip(outs.tolist(), srcs.tolist(), strict=True)) == expected
