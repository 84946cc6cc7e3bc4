"""``studio render --pin CLIP:START-END:MIN[:MAX]``: held in the render, kept by --save-project, bad specs
in one line with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.cli import main
from studio.project import Pin, load_project


@pytest.fixture(scope="module")
def two_clips(make_test_clip):
    return [
        make_test_clip("pin_cli_a.mp4", width=96, height=64, frames=24),
        make_test_clip("pin_cli_b.mp4", width=96, height=64, frames=24, pattern="static"),
    ]


def _clips(two_clips) -> list[str]:
    return ["--clips", *map(str, two_clips), "--duration", "1", "--size", "96x64", "--fps", "12"]


def test_pins_are_held_recorded_and_saved(two_clips, tmp_path, capsys) -> None:
    out, rec, saved = tmp_path / "out.mp4", tmp_path / "rec", tmp_path / "pinned.avsproj.json"
    pins = ["--pin", "clip-2:0.25-0.75:0.8", "--pin", "pin_cli_a:0-0.25::0.1"]  # by id, then by name
    argv = [
        *_clips(two_clips),
        *pins,
        "--quality",
        "draft",
        "--attention",
        str(rec),
        "--save-project",
        str(saved),
    ]
    assert main(["render", *argv, "-o", str(out), "--no-progress", "--preset", "ultrafast"]) == 0
    shares = np.load(rec / "shares.npy")
    assert shares[3:9, 1].min() >= 0.8 - 0.02  # frames 3..8 = [0.25, 0.75) s at 12 fps
    assert shares[0:3, 0].max() <= 0.1 + 0.02
    meta = json.loads((rec / "meta.json").read_text())
    assert sorted((p["clip"], p["frames"], p["min"], p["max"]) for p in meta["pins"]) == [
        (0, [0, 3], None, 0.1),
        (1, [3, 9], 0.8, None),
    ]
    project = load_project(saved)
    assert project.placement("place-2").pins == (Pin(0.25, 0.75, 0.8),)
    assert project.placement("place-1").pins == (Pin(0.0, 0.25, None, 0.1),)
    assert project.settings.engine.quality == "draft"


def test_a_pin_added_to_a_saved_project_leaves_the_file_alone(two_clips, tmp_path) -> None:
    saved = tmp_path / "p.avsproj.json"
    base = [*_clips(two_clips), "--crossfade", "--no-progress", "--preset", "ultrafast"]
    assert main(["render", *base, "--save-project", str(saved), "-o", str(tmp_path / "a.mp4")]) == 0
    text = saved.read_text()
    rec = tmp_path / "rec"
    argv = [str(saved), "--pin", "clip-1:0-1::0.25", "--crossfade", "--attention", str(rec), "--no-progress"]
    assert main(["render", *argv, "-o", str(tmp_path / "b.mp4")]) == 0
    np.testing.assert_allclose(np.load(rec / "shares.npy")[:, 0], 0.25, atol=1e-6)  # the crossfade: exact
    assert saved.read_text() == text


@pytest.mark.parametrize(
    ("pin", "says"),
    [
        ("clip-2:0.25-0.75", "expected CLIP:START-END:MIN[:MAX]"),
        ("clip-2:0.75-0.25:0.5", "end: expected a time after the start"),
        ("clip-2:0-1:2", "min_share: expected a share in [0, 1]"),
        ("clip-2:0-1:0.6:0.2", "min_share 0.6 is above max_share 0.2"),
        ("nobody:0-1:0.3", "no clip with id or name 'nobody'"),
        ("clip-2:3-4:0.3", "has no placement between 3 s and 4 s"),
    ],
)
def test_a_bad_pin_is_one_line_and_exit_2(two_clips, tmp_path, capsys, pin, says) -> None:
    out = tmp_path / "out.mp4"
    assert main(["render", *_clips(two_clips), "--pin", pin, "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("studio: error: ") and says in err[0], err
    assert not out.exists()
