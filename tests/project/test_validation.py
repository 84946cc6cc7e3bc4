"""Every rejected value names the path of the bad field, in one line a user can act on."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studio.errors import ProjectError
from studio.project import load_project, project_from_dict, project_to_dict
from tests.project.conftest import build_project

Data = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A mutation that sets (or, for the sentinel ``...``, deletes) a dotted/indexed path."""

    def apply(data: Data) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
        target = data
        for k in keys[:-1]:
            target = target[k]
        if value is ...:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return apply


CASES = [
    (_set("placements.1.speed", "fast"), 'placements[1].speed: expected a number in (0, 100], got "fast"'),
    (_set("placements.0.speed", 0), "placements[0].speed: expected a number in (0, 100], got 0"),
    (_set("placements.0.duration", -1), "placements[0].duration: expected a number in (0, 86400], got -1"),
    (_set("placements.2.start", None), "placements[2].start: expected a number in [0, 86400], got null"),
    (_set("placements.0.start", True), "placements[0].start: expected a number in [0, 86400], got true"),
    (
        _set("placements.3.end_mode", "bounce"),
        'placements[3].end_mode: expected one of "loop", "pingpong", "hold"',
    ),
    (
        _set("placements.1.importance.1.value", -0.5),
        "placements[1].importance[1].value: expected a number in [0, 1000000]",
    ),
    (
        _set("placements.1.importance.0.interp", "cubic"),
        "placements[1].importance[0].interp: expected one of",
    ),
    (_set("placements.1.importance", 3), "placements[1].importance: expected a list of keyframes, got 3"),
    (_set("placements.0.clip_id", "clip-9"), 'placements[0].clip_id: no clip with id "clip-9"'),
    (_set("placements.0.id", ...), "placements[0].id: missing"),
    (_set("placements.1.id", "pl-1"), 'placements[1].id: "pl-1" is used twice'),
    (_set("placements.0", "pl-1"), 'placements[0]: expected an object, got "pl-1"'),
    (_set("clips.0.fps", 0), "clips[0].fps: expected a number in [0.01, 100000], got 0"),
    (_set("clips.1.frames", 2.5), "clips[1].frames: expected an integer in [1, 2147483647], got 2.5"),
    (_set("clips.1.in_s", 2.0), "clips[1].in_s: expected a number in [0, 2), got 2"),
    (_set("clips.1.out_s", 0.25), "clips[1].out_s: expected a number in (0.5, 2592000], got 0.25"),
    (_set("clips.2.path", ""), 'clips[2].path: expected a non-empty string, got ""'),
    (_set("clips.0.has_audio", "yes"), 'clips[0].has_audio: expected true or false, got "yes"'),
    (_set("clips", {}), "clips: expected a list, got {}"),
    (_set("settings.duration", 0), "settings.duration: expected a number in (0, 86400], got 0"),
    (
        _set("settings.width", 641),
        "settings.width: expected an even integer (H.264 needs even sizes), got 641",
    ),
    (_set("settings.crf", 60), "settings.crf: expected an integer in [0, 51], got 60"),
    (_set("settings.fit", "zoom"), 'settings.fit: expected one of "fit", "fill", "stretch", got "zoom"'),
    (
        _set("settings.engine.temperature", float("nan")),
        "settings.engine.temperature: expected a number in [0.001, 1000000]",
    ),
    (_set("settings.engine.radius", -1), "settings.engine.radius: expected an integer in [0, 64], got -1"),
    (
        _set("settings.engine.coherence", 1.5),
        "settings.engine.coherence: expected a number in [0, 1], got 1.5",
    ),
    (_set("settings.engine.guide_clip", "clip-7"), 'settings.engine.guide_clip: no clip with id "clip-7"'),
    (_set("settings.engine.guide_clip", None), 'settings.engine.guide_clip: "guide" mode needs a guide clip'),
    (_set("name", 5), "name: expected a string, got 5"),
]


@pytest.fixture
def data(tmp_path: Path) -> Data:
    return project_to_dict(build_project(tmp_path), tmp_path)


@pytest.mark.parametrize(("mutate", "message"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_bad_field_is_named(data: Data, tmp_path: Path, mutate: Callable[[Data], None], message: str) -> None:
    bad = copy.deepcopy(data)
    mutate(bad)
    with pytest.raises(ProjectError) as err:
        project_from_dict(bad, tmp_path)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_the_file_name_prefixes_the_field_path(data: Data, tmp_path: Path) -> None:
    data["placements"][1]["speed"] = "fast"
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value) == 'demo.json: placements[1].speed: expected a number in (0, 100], got "fast"'


def test_the_unmutated_document_is_valid(data: Data, tmp_path: Path) -> None:
    assert project_to_dict(project_from_dict(data, tmp_path), tmp_path) == data
