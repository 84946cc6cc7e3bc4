"""Undoable edits: each undo restores the exact previous document; refused edits change nothing."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from studio.errors import ProjectError
from studio.project import (
    AddClip,
    AddPlacement,
    Clip,
    Command,
    Keyframe,
    Macro,
    MovePlacement,
    Placement,
    Project,
    RelinkClip,
    RemoveClip,
    RemovePlacement,
    SetKeyframes,
    SetPlacementField,
    SetSetting,
    SetSettings,
    TrimPlacement,
    project_to_dict,
)


def _new_clip(project: Project, tmp_path: Path) -> Clip:
    path = tmp_path / "extra.mp4"
    path.write_bytes(b"x")
    return Clip(project.new_id("clip"), path, "extra", fps=25.0, frames=50, width=64, height=48)


def _commands(project: Project, tmp_path: Path) -> list[Command]:
    relinked = tmp_path / "relinked.mp4"
    relinked.write_bytes(b"x")
    return [
        AddClip(_new_clip(project, tmp_path)),
        AddClip(_new_clip(project, tmp_path), index=0),
        RemoveClip("clip-1"),  # two placements, in the middle of the list
        RemoveClip("clip-3"),  # the guide clip: settings change too
        AddPlacement(Placement(project.new_id("pl"), "clip-2", 0.5, 1.0, speed=2.0)),
        AddPlacement(Placement("pl-9", "clip-3", 0.0, 1.0), index=1),
        RemovePlacement("pl-2"),
        MovePlacement("pl-3", 0.25),
        TrimPlacement("pl-1", start=0.5, duration=2.0),
        TrimPlacement("pl-2", in_s=0.25, out_s=None),
        SetPlacementField("pl-2", "speed", 0.75),
        SetPlacementField("pl-1", "end_mode", "hold"),
        SetKeyframes("pl-3", [Keyframe(0.0, 1.0, "smooth"), Keyframe(1.0, 0.0)]),
        SetSetting("engine.temperature", 0.5),
        SetSetting("duration", 2.5),
        SetSettings({"engine.mode": "free", "engine.guide_clip": None}),
        RelinkClip("clip-2", relinked),
        RelinkClip("clip-1", tmp_path / "gone.mp4"),
    ]


def _snapshot(project: Project) -> tuple[dict, Project]:
    return project_to_dict(project), copy.deepcopy(project)


@pytest.mark.parametrize("i", range(18))
def test_undo_restores_the_exact_document_and_redo_repeats(project: Project, tmp_path: Path, i: int) -> None:
    command = _commands(project, tmp_path)[i]
    before = _snapshot(project)
    command.redo(project)
    after = _snapshot(project)
    assert after != before, "the command changed nothing"
    command.undo(project)
    assert _snapshot(project) == before
    command.redo(project)
    assert _snapshot(project) == after


def test_commands_report_what_they_affect(project: Project, tmp_path: Path) -> None:
    move = MovePlacement("pl-3", 0.25)  # was [2, 4), now [0.25, 2.25)
    move.redo(project)
    assert move.affects_render and move.time_range == (0.25, 4.0)
    add = AddClip(_new_clip(project, tmp_path))
    add.redo(project)
    assert not add.affects_render
    crf = SetSetting("crf", 30)
    assert not crf.affects_render
    assert SetSetting("engine.radius", 1).affects_render
    # In/out points are the clip's: every placement of that clip is affected.
    trim = TrimPlacement("pl-1", in_s=0.5)
    trim.redo(project)
    assert trim.time_range == (0.0, 4.0)
    assert project.clip("clip-1").in_s == 0.5


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            SetSetting("engine.temperature", -1),
            "settings.engine.temperature: expected a number in [0.001, 1000000]",
        ),
        (SetSetting("engine.nonsense", 1), "settings.engine.nonsense: no such setting"),
        (SetSetting("fps", "fast"), "settings.fps: expected a number"),
        (SetSetting("engine.guide_clip", "clip-9"), 'settings.engine.guide_clip: no clip with id "clip-9"'),
        (
            SetSetting("engine.guide_clip", None),
            'settings.engine.guide_clip: "guide" mode needs a guide clip',
        ),
        (SetPlacementField("pl-2", "speed", 0), "placements[1].speed: expected a number in (0, 100]"),
        (SetPlacementField("pl-2", "end_mode", "bounce"), "placements[1].end_mode: expected one of"),
        (MovePlacement("pl-1", -2.0), "placements[0].start: expected a number in [0, 86400]"),
        (MovePlacement("pl-77", 1.0), 'no placement with id "pl-77"'),
        (TrimPlacement("pl-2", in_s=5.0), "clips[1].in_s: expected a number in [0, 2)"),
        (
            SetKeyframes("pl-1", [Keyframe(0.0, -1.0)]),
            "placements[0].importance[0].value: expected a number in [0, 1000000]",
        ),
        (AddPlacement(Placement("pl-1", "clip-1", 0.0, 1.0)), 'the id "pl-1" is already used'),
        (AddPlacement(Placement("pl-8", "clip-8", 0.0, 1.0)), 'no clip with id "clip-8"'),
        (RemoveClip("clip-8"), 'no clip with id "clip-8"'),
    ],
)
def test_a_refused_edit_leaves_the_project_unchanged(
    project: Project, command: Command, message: str
) -> None:
    before = _snapshot(project)
    with pytest.raises(ProjectError) as err:
        command.redo(project)
    assert str(err.value).startswith(message)
    assert _snapshot(project) == before


def test_relink_brings_a_clip_online_with_new_metadata(project: Project, tmp_path: Path) -> None:
    class Info:
        fps, frames, width, height, audio = 50.0, 500, 1280, 720, None

    project.clips[0] = Clip(**{**project.clips[0].__dict__, "offline_reason": "file not found: x"})
    target = tmp_path / "found.mp4"
    target.write_bytes(b"x")
    RelinkClip("clip-1", target, Info()).redo(project)
    clip = project.clip("clip-1")
    assert (
        clip.path == target and clip.online and (clip.fps, clip.frames, clip.has_audio) == (50.0, 500, False)
    )


def test_a_macro_is_one_step_all_or_nothing(project: Project) -> None:
    original = project_to_dict(project)
    bad = Macro("Bad group", [MovePlacement("pl-1", 2.0), RemovePlacement("pl-2"), SetSetting("crf", 99)])
    with pytest.raises(ProjectError):
        bad.redo(project)  # refused last: everything before it is undone
    assert project_to_dict(project) == original

    swap = Macro("Swap", [MovePlacement("pl-1", 2.0), Macro("Inner", [RemovePlacement("pl-2")])])
    swap.redo(project)
    assert swap.affects_render and swap.time_range == (0.0, 6.0)
    changed = project_to_dict(project)
    swap.undo(project)
    assert project_to_dict(project) == original
    swap.redo(project)
    assert project_to_dict(project) == changed


def test_new_ids_are_short_and_unique(project: Project) -> None:
    assert (
        project.new_id("clip") == "clip-4" and project.new_id("pl") == "pl-5" and project.new_id("x") == "x-1"
    )
