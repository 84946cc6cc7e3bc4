"""Pins in the document: validation in one line, the file (version 2, version 1 migrated), the undoable edit,
and the per-frame arithmetic the engine uses (ramp, bounds, targets, the record's metadata, the CLI spec)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from studio.errors import ProjectError
from studio.paths import DEMO_PROJECT
from studio.project import (
    CURRENT_VERSION,
    MIGRATIONS,
    MovePlacement,
    Pin,
    Placement,
    Project,
    SetPins,
    load_project,
    project_from_dict,
    project_to_dict,
    save_project,
)
from studio.project.pins import (
    PIN_RAMP_S,
    add_pin,
    apply_pins,
    frame_pins,
    held_weights,
    parse_pin,
    pin_strength,
    pin_targets,
    pin_warnings,
    record_pins,
)
from tests.project.conftest import build_project

# ----------------------------------------------------------------------------------------------- the value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.0, 0.5, 0.3), "pin: end: expected a time after the start (1 s), got 0.5"),
        ((1.0, 1.0, 0.3), "pin: end: expected a time after the start"),
        ((-1.0, 1.0, 0.3), "pin: start: expected a number >= 0, got -1"),
        ((0.0, 1.0, 1.5), "pin: min_share: expected a share in [0, 1] or null, got 1.5"),
        ((0.0, 1.0, None, -0.1), "pin: max_share: expected a share in [0, 1] or null, got -0.1"),
        ((0.0, 1.0, 0.6, 0.4), "pin: min_share 0.6 is above max_share 0.4"),
        ((0.0, 1.0), "pin: a pin needs a min_share, a max_share or both"),
        ((0.0, float("nan"), 0.3), "pin: end: expected a number of seconds"),
        ((0.0, 1e300, 0.3), "pin: end: expected at most 86400 s, got 1e+300"),
        ((0.0, 1.0, True), "pin: min_share: expected a share in [0, 1] or null, got True"),
    ],
)
def test_a_bad_pin_is_refused_in_one_line(args: tuple, message: str) -> None:
    with pytest.raises(ProjectError) as err:
        Pin(*args)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_labels_and_order() -> None:
    assert Pin(0, 1, 0.3).label == "≥30 %"
    assert Pin(0, 1, None, 0.5).label == "≤50 %"
    assert Pin(0, 1, 0.25, 0.75).label == "25–75 %"
    placement = Placement("p", "c", 0.0, 5.0, pins=[Pin(3, 4, 0.2), Pin(1, 2, 0.3)])
    assert [pin.start for pin in placement.pins] == [1, 3]  # a sorted tuple, however given
    assert placement == Placement("p", "c", 0.0, 5.0, pins=(Pin(1, 2, 0.3), Pin(3, 4, 0.2)))


# ------------------------------------------------------------------------------------------------ the file


def _pinned(folder: Path) -> Project:
    project = build_project(folder)
    SetPins("pl-1", [Pin(0.5, 1.5, 0.3), Pin(2.0, 3.0, None, 0.5)]).redo(project)
    SetPins("pl-2", [Pin(0.0, 1.0, 0.2, 0.6)]).redo(project)
    return project


def test_pins_round_trip_through_save_and_load(tmp_path: Path) -> None:
    project = _pinned(tmp_path / "proj")
    path = save_project(project, tmp_path / "proj" / "pinned.avsproj.json")
    data = json.loads(path.read_text())
    assert data["version"] == CURRENT_VERSION == 2
    assert data["placements"][0]["pins"] == [
        {"start": 0.5, "end": 1.5, "min_share": 0.3, "max_share": None},
        {"start": 2.0, "end": 3.0, "min_share": None, "max_share": 0.5},
    ]
    loaded = load_project(path)
    assert loaded == project
    assert loaded.placement("pl-2").pins == (Pin(0.0, 1.0, 0.2, 0.6),)
    assert loaded.placement("pl-3").pins == ()


def test_a_version_1_file_loads_through_the_migration(tmp_path: Path) -> None:
    assert 1 in MIGRATIONS
    v1 = project_to_dict(build_project(tmp_path), tmp_path)
    v1["version"] = 1
    for placement in v1["placements"]:
        del placement["pins"]
    v1["placements"][0]["pins"] = [{"start": 0, "end": 1, "min_share": 0.5}]  # not a v1 key: not ours
    before = copy.deepcopy(v1)
    project = project_from_dict(v1, tmp_path)
    assert v1 == before  # the caller's dict is left as read
    assert all(p.pins == () for p in project.placements)
    assert project_to_dict(project, tmp_path)["version"] == CURRENT_VERSION
    expected = build_project(tmp_path)
    assert project.placements == expected.placements and project.clips == expected.clips


def test_the_bundled_version_1_demo_still_opens() -> None:
    assert json.loads(DEMO_PROJECT.read_text())["version"] == 1
    demo = load_project(DEMO_PROJECT)
    assert demo.placements and all(p.pins == () for p in demo.placements)


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        (
            [{"start": 0, "end": 1, "min_share": 1.5}],
            "placements[0].pins[0].min_share: expected a number in [0, 1]",
        ),
        (
            [{"start": 2, "end": 1, "min_share": 0.5}],
            "placements[0].pins[0]: end: expected a time after the start",
        ),
        ([{"start": 0, "end": 1}], "placements[0].pins[0]: a pin needs a min_share, a max_share or both"),
        (
            [{"start": 0, "end": 1, "min_share": 0.7, "max_share": 0.2}],
            "placements[0].pins[0]: min_share 0.7",
        ),
        ([{"end": 1, "min_share": 0.5}], "placements[0].pins[0].start: missing"),
        ("many", 'placements[0].pins: expected a list of pins, got "many"'),
    ],
)
def test_a_bad_pin_in_a_file_names_its_path(tmp_path: Path, pins: object, message: str) -> None:
    data = project_to_dict(build_project(tmp_path), tmp_path)
    data["placements"][0]["pins"] = pins
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value).startswith(f"bad.json: {message}") and "\n" not in str(err.value)


# ------------------------------------------------------------------------------------------------ the edit


def test_set_pins_is_undoable_and_exact(tmp_path: Path) -> None:
    project = build_project(tmp_path)
    before = project_to_dict(project)
    command = SetPins("pl-2", [Pin(0.5, 1.0, 0.4)])
    command.redo(project)
    assert project.placement("pl-2").pins == (Pin(0.5, 1.0, 0.4),)
    assert command.text == "Edit pins" and command.affects_render and command.time_range == (1.0, 4.0)
    after = project_to_dict(project)
    command.undo(project)
    assert project_to_dict(project) == before
    command.redo(project)
    assert project_to_dict(project) == after


def test_a_refused_set_pins_changes_nothing(tmp_path: Path) -> None:
    project = build_project(tmp_path)
    before = project_to_dict(project)
    with pytest.raises(ProjectError, match='no placement with id "pl-9"'):
        SetPins("pl-9", [Pin(0, 1, 0.3)]).redo(project)
    with pytest.raises(ProjectError, match="pins: expected Pin values, got dict"):
        SetPins("pl-1", [{"start": 0, "end": 1, "min_share": 0.3}])
    assert project_to_dict(project) == before


def test_moving_a_placement_moves_its_pins(tmp_path: Path) -> None:
    project = build_project(tmp_path)  # pl-1: clip-1 on [0, 4) at 12 fps
    SetPins("pl-1", [Pin(1.0, 2.0, 0.5)]).redo(project)

    def full() -> list[int]:
        return [n for n in range(48) if any(a.strength == 1 for a in frame_pins(project, n))]

    assert record_pins(project)[0]["frames"] == [12, 24] and full()[0] == 12
    MovePlacement("pl-1", 1.0).redo(project)
    assert record_pins(project)[0]["frames"] == [24, 36] and full()[0] == 24


# ------------------------------------------------------------------------------------- per-frame arithmetic


def test_the_ramp_is_smooth_and_short() -> None:
    pin = Pin(1.0, 2.0, 0.5)
    assert pin_strength(pin, 1.0) == pin_strength(pin, 1.999) == 1.0
    assert pin_strength(pin, 1.0 - PIN_RAMP_S) == 0.0 and pin_strength(pin, 2.0 + PIN_RAMP_S) == 0.0
    assert pin_strength(pin, 0.5) == pin_strength(pin, 3.0) == 0.0
    assert pin_strength(pin, 1.0 - PIN_RAMP_S / 2) == pytest.approx(0.5)
    t = np.linspace(0.5, 2.5, 2001)
    a = np.array([pin_strength(pin, x) for x in t])
    assert np.abs(np.diff(a)).max() < 0.01  # no jump anywhere


def test_targets_raise_or_lower_the_pinned_clip_and_rescale_the_others() -> None:
    w = np.array([0.5, 0.3, 0.2])
    t = pin_targets(w, np.array([0.0, 0.6, 0.0]), np.ones(3))  # clip 1 >= 60 %
    np.testing.assert_allclose(t, [0.4 * 5 / 7, 0.6, 0.4 * 2 / 7])  # the others keep their 5:2 ratio
    t = pin_targets(w, np.zeros(3), np.array([0.1, 1.0, 1.0]))  # clip 0 <= 10 %
    np.testing.assert_allclose(t, [0.1, 0.54, 0.36])
    t = pin_targets(w, np.array([0.7, 0.6, 0.0]), np.ones(3))  # mins over 1: scaled until they fit
    assert t.sum() == pytest.approx(1.0) and t[2] == pytest.approx(0.0) and t[0] > t[1]
    t = pin_targets(w, np.array([0.0, 0.0, 0.4]), np.array([0.3, 1.0, 1.0]))  # two pins at once
    np.testing.assert_allclose(t, [0.3, 0.3, 0.4])
    np.testing.assert_allclose(pin_targets(w, w, w), w)  # bounds already met: unchanged


def test_apply_pins_splits_a_clips_bounds_among_its_sources(tmp_path: Path) -> None:
    project = build_project(tmp_path)  # at 3.75 s: pl-1 (clip-1), pl-2, pl-3, pl-4 (clip-1 again)
    project.settings = type(project.settings)(**{**project.settings.__dict__, "fps": 4.0})
    SetPins("pl-1", [Pin(3.0, 4.0, 0.8)]).redo(project)
    n = 15  # t = 3.75 s
    active = frame_pins(project, n)
    assert [(a.placement_id, a.clip_index, a.strength) for a in active] == [("pl-1", 0, 1.0)]
    columns = np.array([0, 1, 2, 0])  # pl-1, pl-2, pl-3, pl-4
    importance = np.array([1.0, 2.0, 0.5, 3.0], np.float32)
    pinned = apply_pins(active, columns, importance, 3)
    np.testing.assert_allclose(pinned.importance, importance)  # the curves' importance is left as it is
    np.testing.assert_allclose(pinned.bounds[[0, 3], 0], [0.8 * 1 / 4, 0.8 * 3 / 4], rtol=1e-6)
    np.testing.assert_allclose(pinned.bounds[[1, 2], 0], 0.0)
    np.testing.assert_allclose(pinned.bounds[:, 1], 1.0)
    assert pinned.targets[[0, 3]].sum() == pytest.approx(0.8)  # 4 of 6.5 before: raised
    np.testing.assert_allclose(held_weights(importance, pinned.bounds), pinned.targets, atol=1e-6)
    assert apply_pins(active, np.array([1, 2]), importance[1:3], 3) is None  # its clip is not there


def test_a_min_pin_brings_in_a_clip_at_importance_0(tmp_path: Path) -> None:
    project = build_project(tmp_path)
    SetPins("pl-2", [Pin(0.0, 0.5, 0.4)]).redo(project)  # pl-2's curve starts at 0 at its start (1 s)
    n = 12  # t = 1.0 s at 12 fps: pl-1 (importance 1) and pl-2 (importance 0)
    pinned = apply_pins(frame_pins(project, n), np.array([0, 1]), np.array([1.0, 0.0], np.float32), 3)
    share = pinned.importance / pinned.importance.sum()
    assert share[1] == pytest.approx(0.4, abs=1e-6) and pinned.bounds[1, 0] == pytest.approx(0.4)


def test_the_record_metadata_names_clip_frames_and_bounds(tmp_path: Path) -> None:
    project = _pinned(tmp_path)  # 12 fps; pl-2 starts at 1.0 and lasts 3.0
    SetPins("pl-3", [Pin(1.0, 5.0, 0.1)]).redo(project)  # pl-3 on [2, 4): the pin is cut at its end
    meta = record_pins(project)
    assert [(m["placement"], m["clip"], m["frames"], m["min"], m["max"]) for m in meta] == [
        ("pl-1", 0, [6, 18], 0.3, None),
        ("pl-1", 0, [24, 36], None, 0.5),
        ("pl-2", 1, [12, 24], 0.2, 0.6),
        ("pl-3", 2, [36, 48], 0.1, None),
    ]
    assert meta[0]["ramp_s"] == PIN_RAMP_S and meta[0]["clip_id"] == "clip-1"
    json.dumps(meta)  # JSON-safe


def test_a_pin_on_the_guide_clip_is_said_to_be_unmet(tmp_path: Path) -> None:
    project = build_project(tmp_path)  # guide mode, guide clip-3 (birds)
    assert pin_warnings(project) == []
    SetPins("pl-3", [Pin(0.0, 1.0, 0.3)]).redo(project)
    [line] = pin_warnings(project)
    assert "guide" in line and "birds" in line and "\n" not in line


# ----------------------------------------------------------------------------------------- the CLI's spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("B:10-20:0.3", ("B", 10.0, 20.0, 0.3, None)),
        ("B:10-20::0.5", ("B", 10.0, 20.0, None, 0.5)),
        ("clip-2:0.5-1.25:0.2:0.6", ("clip-2", 0.5, 1.25, 0.2, 0.6)),
        ("my:clip:1-2:30%", ("my:clip", 1.0, 2.0, 0.3, None)),
    ],
)
def test_pin_specs_parse(spec: str, expected: tuple) -> None:
    p = parse_pin(spec)
    assert (p.clip, p.start, p.end, p.min_share, p.max_share) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("B", "expected CLIP:START-END:MIN[:MAX]"),
        ("B:10:0.3", "expected CLIP:START-END:MIN[:MAX]"),
        ("B:a-b:0.3", "START-END must be seconds"),
        ("B:20-10:0.3", "end: expected a time after the start"),
        ("B:10-20:lots", "MIN 'lots' is not a share"),
        ("B:10-20:", "a pin needs a min_share, a max_share or both"),
        ("B:10-20:1.5", "min_share: expected a share in [0, 1]"),
    ],
)
def test_bad_pin_specs_are_one_line(spec: str, message: str) -> None:
    with pytest.raises(ProjectError) as err:
        parse_pin(spec)
    assert message in str(err.value) and str(err.value).startswith(f"--pin {spec!r}")


def test_a_spec_goes_to_the_clips_placements_over_its_range(tmp_path: Path) -> None:
    project = build_project(tmp_path)  # clip-1 "waves": pl-1 on [0, 4), pl-4 on [3.5, 4)
    changes = dict(add_pin(project, parse_pin("waves:3-10:0.4")))
    assert changes == {"pl-1": (Pin(3.0, 4.0, 0.4),), "pl-4": (Pin(0.0, 0.5, 0.4),)}
    assert dict(add_pin(project, parse_pin("clip-3:0-3:0.2"))) == {"pl-3": (Pin(0.0, 1.0, 0.2),)}
    with pytest.raises(ProjectError, match=r"^--pin: clip 'birds' has no placement between 5 s and 6 s$"):
        add_pin(project, parse_pin("birds:5-6:0.2"))
    with pytest.raises(ProjectError, match="no clip with id or name 'nope'"):
        add_pin(project, parse_pin("nope:0-1:0.2"))
