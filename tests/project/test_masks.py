"""Painted masks in the document: keys and their validation, the file (version 2, optional key, pictures
referenced relatively), a missing picture, SetMasks (undo, and only the changed time range), the events."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest

from studio.errors import ProjectError
from studio.project import (
    CURRENT_VERSION,
    MaskKey,
    Placement,
    SetMasks,
    load_project,
    project_to_dict,
    save_project,
)
from studio.project.events import ProjectEvents
from studio.project.masks import (
    changed_span,
    key_at,
    mask_file,
    missing_masks,
    store_mask_png,
    with_key,
)
from tests.project.conftest import build_project

PNG = b"\x89PNG\r\n\x1a\n not decoded by the project package"


def _saved(tmp_path: Path) -> tuple:
    project = build_project(tmp_path / "proj")
    path = save_project(project, tmp_path / "proj" / "film.avsproj.json")
    return project, path


def _key(path: str, time: float, **kw) -> MaskKey:
    return MaskKey(time, path, **kw)


def test_a_bad_key_is_one_line_naming_the_field() -> None:
    for kwargs, field in (
        ({"time": -1.0}, "time"),
        ({"time": 1e300}, "time"),  # no placement is that long: a typo
        ({"mode": "maybe"}, "mode"),
        ({"strength": 1.5}, "strength"),
        ({"feather": -2.0}, "feather"),
        ({"motion": "wobble"}, "motion"),
        ({"path": "/abs/m.png"}, "path"),
        ({"path": "a\\b.png"}, "path"),
    ):
        values = {"time": 0.0, "path": "film.masks/m.png", **kwargs}
        with pytest.raises(ProjectError, match=rf"^mask: {field}: ") as info:
            MaskKey(**values)
        assert "\n" not in str(info.value)


def test_keys_in_force_hold_until_the_next_and_two_at_one_time_are_refused() -> None:
    keys = (_key("a.png", 0.5), _key("b.png", 2.0))
    assert [key_at(keys, t) for t in (0.0, 0.5, 1.9, 2.0, 9.0)] == [None, 0, 0, 1, 1]
    replaced = with_key(keys, _key("c.png", 2.0, mode="must"))
    assert [k.path for k in replaced] == ["a.png", "c.png"]
    with pytest.raises(ProjectError, match="two mask keys at 2 s"):
        Placement("pl-1", "clip-1", 0.0, 4.0, masks=(keys[1], keys[1]))


def test_changed_span_is_where_the_key_in_force_differs() -> None:
    a, b = _key("a.png", 1.0), _key("b.png", 3.0)
    assert changed_span((), (a,), 5.0) == (1.0, 5.0)  # a first key: from it to the end
    assert changed_span((a,), (a, b), 5.0) == (3.0, 5.0)  # a later key: only after it
    assert changed_span((a, b), (dataclasses.replace(a, mode="must"), b), 5.0) == (1.0, 3.0)  # up to the next
    assert changed_span((a, b), (a, b), 5.0) is None
    assert changed_span((a,), (), 5.0) == (1.0, 5.0)


def test_masks_round_trip_with_relative_pictures_and_the_folder_can_move(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    rel = store_mask_png(path, "pl-1", PNG)
    assert rel.startswith("film.avsproj.masks/pl-1-") and rel.endswith(".png")
    assert (path.parent / rel).read_bytes() == PNG
    assert not list((path.parent / "film.avsproj.masks").glob(".*"))  # the temp name was renamed away
    key = _key(rel, 0.5, mode="must", strength=0.7, feather=12.0, motion="track")
    project.placements[0] = dataclasses.replace(project.placements[0], masks=(key,))
    save_project(project, path)

    data = json.loads(path.read_text())
    assert data["version"] == CURRENT_VERSION == 2
    assert data["placements"][0]["masks"] == [
        {"time": 0.5, "path": rel, "mode": "must", "strength": 0.7, "feather": 12.0, "motion": "track"}
    ]
    assert "masks" not in data["placements"][1]  # optional: absent = no masks

    moved = tmp_path / "moved"
    shutil.move(str(path.parent), moved)
    loaded = load_project(moved / path.name)
    assert loaded.placements[0].masks == (key,)
    assert mask_file(loaded.path, key).read_bytes() == PNG  # found in the moved folder
    assert missing_masks(loaded) == []
    assert project_to_dict(loaded)["placements"][0]["masks"][0]["path"] == rel


def test_save_as_into_another_folder_takes_the_pictures_along(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    rel = store_mask_png(path, "pl-1", PNG)
    project.placements[0] = dataclasses.replace(project.placements[0], masks=(_key(rel, 0.0),))
    elsewhere = save_project(project, tmp_path / "elsewhere" / "copy.avsproj.json")
    assert (elsewhere.parent / rel).read_bytes() == PNG
    shutil.rmtree(path.parent)  # the old folder gone: the copy stands alone
    assert missing_masks(load_project(elsewhere)) == []


def test_a_missing_picture_is_one_warning_line_and_the_project_opens(tmp_path: Path, caplog) -> None:
    project, path = _saved(tmp_path)
    rel = store_mask_png(path, "pl-2", PNG)
    project.placements[1] = dataclasses.replace(project.placements[1], masks=(_key(rel, 0.0),))
    save_project(project, path)
    (path.parent / rel).unlink()
    with caplog.at_level(logging.WARNING):
        loaded = load_project(path)
    records = [r for r in caplog.records if "mask" in r.getMessage()]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\n" not in message and rel in message and "ignored" in message
    assert loaded.placements[1].masks[0].path == rel  # kept: relinking the file brings it back


def test_a_file_with_bad_masks_names_the_path(tmp_path: Path) -> None:
    project, path = _saved(tmp_path)
    data = json.loads(path.read_text())
    data["placements"][0]["masks"] = [{"time": 0.0, "path": "m.png", "mode": "sometimes"}]
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r"placements\[0\]\.masks\[0\]\.mode") as info:
        load_project(path)
    assert "\n" not in str(info.value)
    data["placements"][0]["masks"] = [{"time": 1.0, "path": "a.png"}, {"time": 1.0, "path": "b.png"}]
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match=r"placements\[0\]\.masks: two mask keys at 1 s"):
        load_project(path)


def test_set_masks_is_undoable_and_names_only_the_frames_it_changes(tmp_path: Path) -> None:
    project, _ = _saved(tmp_path)
    placement = project.placements[0]  # pl-1 on [0, 4)
    before = project_to_dict(project)
    first = SetMasks("pl-1", [_key("a.png", 1.0)])
    first.redo(project)
    assert project.placement("pl-1").masks == (_key("a.png", 1.0),)
    assert first.affects_render and first.time_range == (placement.start + 1.0, placement.end)
    second = SetMasks("pl-1", with_key(project.placement("pl-1").masks, _key("b.png", 3.0)))
    second.redo(project)
    assert second.time_range == (3.0, 4.0)  # the first key's frames are untouched
    second.undo(project)
    first.undo(project)
    assert project_to_dict(project) == before
    with pytest.raises(ProjectError, match="MaskKey"):
        SetMasks("pl-1", ["a.png"])  # type: ignore[list-item]
    with pytest.raises(ProjectError, match='no placement with id "nope"'):
        SetMasks("nope", []).redo(project)


def test_events_say_a_mask_edit_changes_only_its_span(tmp_path: Path) -> None:
    project, _ = _saved(tmp_path)
    events = ProjectEvents(project)
    seen = []
    events.changed.connect(seen.append)
    SetMasks("pl-1", [_key("a.png", 2.5)]).redo(project)
    change = events.announce()
    assert change.masks.placements == ("pl-1",) and change.affects_render
    start = project.placement("pl-1").start
    assert change.render_span == (start + 2.5, project.placement("pl-1").end)
    assert seen == [change]
    # any other edit in the same step: every frame may have changed
    SetMasks("pl-1", [_key("a.png", 1.0)]).redo(project)
    project.placements[1] = dataclasses.replace(project.placements[1], start=project.placements[1].start + 1)
    assert events.announce().render_span is None
