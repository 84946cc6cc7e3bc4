"""Nothing can be saved that cannot be opened again: every bound of ``studio.project.limits``, probed at the
bound, just inside it and just outside it, on both paths that make a project file.

* the file path: a document with the value is read (``load_project``);
* the model path: the value set on the dataclasses in memory (as the window, the CLI, an import do), then
  saved (``save_project``) and read back.

At and just inside a bound both paths keep the value exactly; just outside both refuse it in one line
naming the field, and the model path writes no file.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from studio.errors import ProjectError
from studio.project import (
    Clip,
    GenerationSettings,
    ImportanceCurve,
    Keyframe,
    Placement,
    Project,
    limits,
    load_project,
    project_to_dict,
    save_project,
)
from studio.project.limits import Bound

TABLES = {
    "settings": limits.SETTINGS,
    "settings.engine": limits.ENGINE,
    "clips[0]": limits.CLIP,
    "placements[0]": limits.PLACEMENT,
    "placements[0].importance[0]": limits.KEYFRAME,
}
# Neighbours another rule also constrains: (field, side) -> (inside value, outside value, other fields).
# Output sides must be even (the nearest valid size is 2 away); the shortest output is one frame; a clip's
# frame count at its bound needs a rate that keeps the clip within a month.
SPECIAL: dict[tuple[str, str], tuple[Any, Any, dict[str, Any]]] = {
    ("settings.width", "lo"): (limits.MIN_SIDE + 2, limits.MIN_SIDE - 2, {}),
    ("settings.width", "hi"): (limits.MAX_SIDE - 2, limits.MAX_SIDE + 2, {}),
    ("settings.height", "lo"): (limits.MIN_SIDE + 2, limits.MIN_SIDE - 2, {}),
    ("settings.height", "hi"): (limits.MAX_SIDE - 2, limits.MAX_SIDE + 2, {}),
    ("settings.duration", "lo"): (0.51 / 24, 0.49 / 24, {"fps": 24.0}),  # one frame, and none
    ("clips[0].frames", "hi"): (limits.MAX_CLIP_FRAMES - 1, limits.MAX_CLIP_FRAMES + 1, {"fps": 100_000.0}),
}


def _neighbours(bound: Bound, side: str) -> tuple[list[Any], Any]:
    """(values that must be kept, the value just outside) at one end of ``bound``."""
    edge = bound.lo if side == "lo" else bound.hi
    opened = bound.lo_open if side == "lo" else bound.hi_open
    inward = math.inf if side == "lo" else -math.inf
    if bound.integer:
        step = 1 if side == "lo" else -1
        return ([] if opened else [edge]) + [edge + step], edge if opened else edge - step
    inside = math.nextafter(edge, inward)
    outside = edge if opened else math.nextafter(edge, -inward)
    return ([] if opened else [edge]) + [inside], outside


def _cases() -> list[tuple[str, str, list[Any], Any, dict[str, Any]]]:
    cases = []
    for table, bounds in TABLES.items():
        for key, bound in bounds.items():
            for side in ("lo", "hi"):
                if (bound.lo if side == "lo" else bound.hi) is None:
                    continue
                name = f"{table}.{key}"
                if (name, side) in SPECIAL:
                    inside, outside, context = SPECIAL[(name, side)]
                    kept = [inside]
                else:
                    (kept, outside), context = _neighbours(bound, side), {}
                cases.append((name, side, kept, outside, context))
    return cases


CASES = _cases()


def _project(folder: Path) -> Project:
    media = folder / "clip.mp4"
    media.write_bytes(b"never decoded here")
    clip = Clip("clip-1", media, "clip", fps=24.0, frames=48, width=64, height=48)
    curve = ImportanceCurve((Keyframe(0.0, 1.0),))
    placement = Placement("p-1", "clip-1", 0.0, 2.0, importance=curve)
    return Project("limits", [clip], [placement], GenerationSettings())


def _set_in_document(data: dict[str, Any], table: str, values: dict[str, Any]) -> None:
    target = {
        "settings": lambda: data["settings"],
        "settings.engine": lambda: data["settings"]["engine"],
        "clips[0]": lambda: data["clips"][0],
        "placements[0]": lambda: data["placements"][0],
        "placements[0].importance[0]": lambda: data["placements"][0]["importance"][0],
    }[table]()
    target.update(values)


def _set_in_model(project: Project, table: str, values: dict[str, Any]) -> None:
    """As an edit in memory does it: ``dataclasses.replace`` (the settings check themselves right here)."""
    s = project.settings
    if table == "settings":
        project.settings = dataclasses.replace(s, **values)
    elif table == "settings.engine":
        project.settings = dataclasses.replace(s, engine=dataclasses.replace(s.engine, **values))
    elif table == "clips[0]":
        project.clips[0] = dataclasses.replace(project.clips[0], **values)
    else:
        p = project.placements[0]
        if table == "placements[0]":
            project.placements[0] = dataclasses.replace(p, **values)
        else:
            key = dataclasses.replace(p.importance.keyframes[0], **values)
            project.placements[0] = dataclasses.replace(p, importance=ImportanceCurve((key,)))


def _read_back(path: Path, table: str, key: str) -> Any:
    loaded = project_to_dict(load_project(path), path.parent)
    holder = {
        "settings": loaded["settings"],
        "settings.engine": loaded["settings"]["engine"],
        "clips[0]": loaded["clips"][0],
        "placements[0]": loaded["placements"][0],
        "placements[0].importance[0]": loaded["placements"][0]["importance"][0],
    }[table]
    return holder[key]


@pytest.mark.parametrize(
    ("name", "side", "kept", "outside", "context"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_a_bound_holds_on_both_paths(
    tmp_path: Path, name: str, side: str, kept: list[Any], outside: Any, context: dict[str, Any]
) -> None:
    table, key = name.rsplit(".", 1)
    for value in kept:
        # the file path: a document holding the value opens, with the value as written
        data = project_to_dict(_project(tmp_path), tmp_path)
        _set_in_document(data, table, {**context, key: value})
        written = tmp_path / "by-hand.avsproj.json"
        written.write_text(json.dumps(data))
        assert _read_back(written, table, key) == value
        # the model path: set in memory, saved, opened again
        project = _project(tmp_path)
        _set_in_model(project, table, {**context, key: value})
        saved = save_project(project, tmp_path / "saved.avsproj.json")
        assert _read_back(saved, table, key) == value

    data = project_to_dict(_project(tmp_path), tmp_path)
    _set_in_document(data, table, {**context, key: outside})
    written = tmp_path / "outside.avsproj.json"
    written.write_text(json.dumps(data))
    with pytest.raises(ProjectError) as read_error:
        load_project(written)
    target = tmp_path / "never.avsproj.json"
    with pytest.raises(ProjectError) as model_error:
        project = _project(tmp_path)
        _set_in_model(project, table, {**context, key: outside})
        save_project(project, target)
    for error in (read_error, model_error):
        message = str(error.value)
        assert "\n" not in message and name in message, message
    assert not target.exists()


def test_a_2000_fps_clip_saves_and_opens(tmp_path: Path) -> None:
    """A high-speed camera's file: its rate only maps time to frame numbers, so it is a clip like another."""
    project = _project(tmp_path)
    project.clips[0] = dataclasses.replace(project.clips[0], fps=2000.0, frames=4000)
    saved = save_project(project, tmp_path / "fast.avsproj.json")
    assert load_project(saved).clips[0].fps == 2000.0
