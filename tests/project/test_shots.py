"""Scene cuts on the timeline: where a placement's picture cuts, and *Split at cuts*: one placement per shot
(of a subclip whose in/out points are the shot's), showing the same source frames at every output frame,
and one undo step."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from studio.project import Clip, ImportanceCurve, Keyframe, Placement, Project
from studio.project.model import GenerationSettings
from studio.project.shots import cut_times, shot_ranges, split_at_cuts
from studio.project.timemap import frame_sources

FPS = 24.0
CUTS = [30, 60]  # a 96-frame file of three shots: 0-29, 30-59, 60-95


def _project(placement: Placement, in_s: float = 0.0, out_s: float | None = None) -> Project:
    clip = Clip(
        "clip-1",
        Path("/media/shots.mp4"),
        "shots",
        in_s=in_s,
        out_s=out_s,
        fps=FPS,
        frames=96,
        width=64,
        height=36,
    )
    return Project("t", [clip], [placement], GenerationSettings(duration=10.0, fps=FPS, width=64, height=36))


def _shown(project: Project) -> list[tuple[Path, int] | None]:
    """What every output frame shows: (file, source frame), or None."""
    out = []
    for n in range(project.settings.frame_count):
        samples = frame_sources(project, n)
        assert len(samples) <= 1
        out.append((project.clip(samples[0].clip_id).path, samples[0].source_frame) if samples else None)
    return out


def test_cut_marks_are_where_the_picture_changes_shot() -> None:
    project = _project(Placement("p-1", "clip-1", 1.0, 3.0))
    assert cut_times(project, project.placements[0], CUTS) == pytest.approx([30 / FPS, 60 / FPS])
    double = _project(Placement("p-1", "clip-1", 0.0, 3.0, speed=2.0))  # twice as fast, looping
    assert cut_times(double, double.placements[0], CUTS) == pytest.approx(
        [15 / FPS, 30 / FPS, 48 / FPS, 63 / FPS]
    )  # and as it loops
    assert cut_times(project, project.placements[0], []) == []


def test_split_makes_one_placement_per_shot_and_undoes_in_one_step() -> None:
    curve = ImportanceCurve((Keyframe(0.0, 1.0), Keyframe(4.0, 3.0)))
    project = _project(Placement("p-1", "clip-1", 1.0, 4.0, importance=curve))
    before = copy.deepcopy(project)
    shown = _shown(project)
    command = split_at_cuts(project, "p-1", CUTS)
    command.redo(project)
    assert [(p.start, p.duration) for p in project.placements] == pytest.approx(
        [(1.0, 30 / FPS), (1 + 30 / FPS, 30 / FPS), (1 + 60 / FPS, 36 / FPS)]
    )
    shots = [project.clip(p.clip_id) for p in project.placements]
    assert [(c.in_s, c.end_s) for c in shots] == pytest.approx(
        [(0, 30 / FPS), (30 / FPS, 60 / FPS), (60 / FPS, 4)]
    )
    assert [c.name for c in shots] == ["shots · shot 1", "shots · shot 2", "shots · shot 3"]
    assert _shown(project) == shown  # the same source frame at every output frame
    for p in project.placements:  # the importance curve is cut with them
        for t in (0.0, p.duration / 2, p.duration - 1e-3):
            assert p.importance.value_at(t) == pytest.approx(curve.value_at(p.start - 1.0 + t))
    command.undo(project)
    assert project == before


def test_split_keeps_the_speed_and_what_a_loop_plays_after_its_first_pass() -> None:
    project = _project(Placement("p-1", "clip-1", 0.0, 3.0, speed=2.0), in_s=0.5)
    shown = _shown(project)
    assert shot_ranges(project.clips[0], CUTS) == pytest.approx(
        [(0.5, 30 / FPS), (30 / FPS, 60 / FPS), (60 / FPS, 4)]
    )
    split_at_cuts(project, "p-1", CUTS).redo(project)
    assert [p.speed for p in project.placements] == [2.0] * 4
    assert project.placements[-1].clip_id == "clip-1"  # the second pass: the whole clip, looping on
    assert _shown(project) == shown


def test_hold_holds_the_last_shot_and_one_shot_is_not_split() -> None:
    project = _project(Placement("p-1", "clip-1", 0.0, 6.0, end_mode="hold"))
    shown = _shown(project)
    split_at_cuts(project, "p-1", CUTS).redo(project)
    assert len(project.placements) == 3 and project.placements[-1].end == pytest.approx(6.0)
    assert _shown(project) == shown
    short = _project(Placement("p-1", "clip-1", 0.0, 1.0))  # 24 frames: it never reaches the first cut
    assert split_at_cuts(short, "p-1", CUTS) is None
    assert split_at_cuts(short, "p-1", []) is None


def test_a_second_split_uses_the_subclips_it_made() -> None:
    project = _project(Placement("p-1", "clip-1", 0.0, 4.0))
    split_at_cuts(project, "p-1", CUTS).redo(project)
    clips = len(project.clips)
    project.placements.append(Placement("p-9", "clip-1", 5.0, 4.0))
    split_at_cuts(project, "p-9", CUTS).redo(project)
    assert len(project.clips) == clips
    assert [p.clip_id for p in project.placements[3:]] == [p.clip_id for p in project.placements[:3]]
