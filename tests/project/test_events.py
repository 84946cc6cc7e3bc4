"""The document's typed change events: each edit, undo and redo announces exactly what it changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.project import (
    AddClip,
    AddPlacement,
    Clip,
    Keyframe,
    Macro,
    MovePlacement,
    Placement,
    Project,
    RemoveClip,
    SetKeyframes,
    SetPlacementField,
    SetSetting,
    SetSettings,
)
from studio.project.events import Change, ProjectEvents


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    clips = []
    for i in (1, 2):
        path = tmp_path / f"c{i}.mp4"
        path.write_bytes(b"x")
        clips.append(Clip(f"clip-{i}", path, f"c{i}", fps=24.0, frames=48, width=64, height=48))
    placements = [Placement("p-1", "clip-1", 0.0, 2.0), Placement("p-2", "clip-2", 1.0, 2.0)]
    return Project("demo", clips, placements)


def _recorder(events: ProjectEvents) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    for name in ("clips", "placements", "curves", "settings", "changed"):
        getattr(events, name).connect(lambda value, name=name: seen.append((name, value)))
    return seen


def test_a_move_announces_that_placement_only(project: Project) -> None:
    events = ProjectEvents(project)
    seen = _recorder(events)
    MovePlacement("p-2", 3.0).redo(project)
    change = events.announce()
    assert [name for name, _ in seen] == ["placements", "changed"]
    assert change.placements.changed == ("p-2",) and not change.placements.reordered
    assert change.affects_render and not change.clips and not change.curves and not change.settings


def test_a_curve_edit_is_a_curve_event_not_a_placement_event(project: Project) -> None:
    events = ProjectEvents(project)
    SetKeyframes("p-1", [Keyframe(0.0, 1.0), Keyframe(1.0, 0.2)]).redo(project)
    change = events.announce()
    assert change.curves.placements == ("p-1",) and not change.placements


def test_undo_announces_the_same_parts_back(project: Project) -> None:
    events = ProjectEvents(project)
    command = SetPlacementField("p-1", "speed", 2.0)
    command.redo(project)
    assert events.announce().placements.changed == ("p-1",)
    command.undo(project)
    assert events.announce().placements.changed == ("p-1",)
    assert not events.announce()  # nothing since


def test_settings_carry_their_dotted_keys_and_whether_pixels_change(project: Project) -> None:
    events = ProjectEvents(project)
    SetSettings({"crf": 30, "audio": False}).redo(project)
    change = events.announce()
    assert change.settings.keys == {"crf", "audio"} and not change.affects_render
    SetSetting("engine.temperature", 0.5).redo(project)
    change = events.announce()
    assert change.settings.keys == {"engine.temperature"} and change.affects_render
    SetSetting("fps", 30.0).redo(project)
    assert events.announce().settings.timing


def test_clips_added_removed_and_a_rename_that_changes_no_pixel(project: Project, tmp_path: Path) -> None:
    events = ProjectEvents(project)
    path = tmp_path / "c3.mp4"
    path.write_bytes(b"x")
    AddClip(Clip("clip-3", path, "c3", fps=24.0, frames=48, width=64, height=48)).redo(project)
    assert events.announce().clips.added == ("clip-3",)
    project.clips[0] = Clip(
        "clip-1", project.clips[0].path, "renamed", fps=24.0, frames=48, width=64, height=48
    )
    change = events.announce()
    assert change.clips.renamed_only == ("clip-1",) and not change.affects_render
    RemoveClip("clip-2").redo(project)  # takes its placement with it
    change = events.announce()
    assert change.clips.removed == ("clip-2",) and change.placements.removed == ("p-2",)


def test_a_macro_is_one_announcement_with_all_its_parts(project: Project) -> None:
    events = ProjectEvents(project)
    changes: list[Change] = []
    events.changed.connect(changes.append)
    Macro("two", [AddPlacement(Placement("p-3", "clip-1", 4.0, 1.0)), MovePlacement("p-1", 0.5)]).redo(
        project
    )
    events.announce()
    assert len(changes) == 1
    assert changes[0].placements.added == ("p-3",) and changes[0].placements.changed == ("p-1",)


def test_replace_announces_the_new_project_and_forgets_the_old(project: Project) -> None:
    events = ProjectEvents(project)
    got: list[Project] = []
    events.replaced.connect(got.append)
    other = Project("other")
    events.replace(other)
    assert got == [other] and events.project is other and not events.announce()
