"""Values a hostile user types or hand-edits into a project (issue 14, families 2-4): each is one line on
stderr and exit status 2, before anything is allocated, and nothing is written.

The cases that used to eat the machine (``--duration 1e12``: 87 TiB; ``--fps 1e9``; a search geometry of
6 GiB) run in a child under an address-space limit (``tests.hostile.child``); the rest call ``main()``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import main
from studio.media import probe
from studio.project import Placement, Project, clip_from_info, project_to_dict
from studio.project.model import GenerationSettings
from tests.hostile.child import NO_TORCH_CAP, TORCH_CAP, run_all


@pytest.fixture(scope="module")
def clip(make_test_clip) -> Path:  # noqa: ANN001
    return make_test_clip("hostile_cli.mp4", width=64, height=48, frames=12)


def _document(clip: Path, folder: Path, **settings: object) -> dict:
    """A valid project around ``clip`` (160x90, draft), as a JSON dict to spoil."""
    project = Project(
        "hostile",
        [clip_from_info("clip-1", clip, probe(clip))],
        [Placement("p-1", "clip-1", 0.0, 0.5)],
        GenerationSettings(duration=0.5, fps=12.0, width=160, height=90, audio=False),
    )
    data = project_to_dict(project, folder)
    data["settings"]["engine"]["quality"] = "draft"
    data["settings"].update(settings)
    return data


def _write(folder: Path, data: dict, name: str = "p.avsproj.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studio: error: ") and "Traceback" not in captured.err
    return lines[0]


def test_flags_that_ate_the_machine_are_refused_in_a_capped_child(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    base = ["render", "--clips", str(clip), "-o", str(out)]
    cases = [
        (["--duration", "1e12"], "--duration: expected"),  # 87 TiB of shares
        (["--duration", "inf"], "--duration: expected"),  # an overflow
        (["--duration", "1", "--fps", "1e9"], "--fps: expected"),
        (["--duration", "1", "--size", "20000x20000"], "--size width: expected"),
    ]
    outcomes = run_all([([*base, *extra], NO_TORCH_CAP) for extra, _ in cases])
    for (_, expected), outcome in zip(cases, outcomes, strict=True):
        assert expected in outcome.refused_in_one_line() and outcome.seconds < 30
    assert not out.exists()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--duration", "1e-9"], "--duration 1e-09 at 24 fps makes no frame"),
        (["--duration", "0.01"], "--duration 0.01 at 24 fps makes no frame"),
        (["--duration", "100000"], "--duration: expected a number in (0, 86400]"),
        (["--duration", "1", "--fps", "1e-300"], "--fps: expected a number in [1, 240]"),
        (["--duration", "1", "--fps", "0"], "--fps: expected a number in [1, 240], got 0"),  # not 24
        (["--duration", "1", "--fps", "500"], "--fps: expected a number in [1, 240]"),
        (["--duration", "1", "--size", "8194x16"], "--size width: expected an integer in [16, 8192]"),
        (["--duration", "1", "--size", "66x31"], "--size 66x31: width and height must be even"),
    ],
)
def test_bad_flags_are_one_line_and_save_nothing(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: str
) -> None:
    saved, out = tmp_path / "saved.avsproj.json", tmp_path / "out.mp4"
    argv = ["render", "--clips", str(clip), *flags, "--save-project", str(saved), "-o", str(out)]
    assert expected in _refused(capsys, argv)
    assert not saved.exists() and not out.exists()


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        ("settings.fps", 1e-300, "settings.fps: expected a number in [1, 240]"),
        ("settings.duration", 0.01, "settings.duration: 0.01 s at 12 fps makes no frame"),
        ("placements.0.start", 1e300, "placements[0].start: expected a number in [0, 86400]"),
        ("settings.engine.temperature", 1e-300, "settings.engine.temperature: expected a number in [0.001"),
        ("settings.engine.patch", 1, "settings.engine.patch: expected an integer in [2, 128]"),
        ("clips.0.fps", 1e-300, "clips[0].fps: expected a number in [0.01, 100000]"),
        ("settings.seed", 2**64, "settings.seed: expected an integer in [0, 9.22337e+18]"),
    ],
)
def test_values_the_engine_cannot_handle_are_refused_by_the_file(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, value: object, expected: str
) -> None:
    data = _document(clip, tmp_path)
    *keys, last = [int(k) if k.isdigit() else k for k in where.split(".")]
    holder = data
    for key in keys:
        holder = holder[key]
    holder[last] = value
    project = _write(tmp_path, data)
    out = tmp_path / "out.mp4"
    assert expected in _refused(capsys, ["render", str(project), "-o", str(out), "--no-progress"])
    assert not out.exists()


def test_a_search_beyond_the_engine_is_refused_by_the_file(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """patch 2, radius 64, window 16: 549 153 candidates a patch (it passed 6 GiB in 7 s at 160x90)."""
    data = _document(clip, tmp_path)
    data["settings"]["engine"].update(patch=2, radius=64, window=16)
    line = _refused(capsys, ["render", str(_write(tmp_path, data)), "-o", str(tmp_path / "o.mp4")])
    assert "settings.engine.window: radius 64 with window 16 compares each patch with 549153" in line


def test_a_frame_too_big_for_memory_is_refused_before_it_starts(clip: Path, tmp_path: Path) -> None:
    """Within every bound, but radius 64 at patch 2 over 1920x1080 is ~34 GiB of search geometry for one
    frame: refused by the memory check before the calibration allocates any of it."""
    data = _document(clip, tmp_path, width=1920, height=1080)
    data["settings"]["engine"].update(patch=2, radius=64, window=0)
    project, out = _write(tmp_path, data), tmp_path / "out.mp4"
    (outcome,) = run_all([(["render", str(project), "-o", str(out), "--no-progress"], TORCH_CAP)])
    line = outcome.refused_in_one_line()
    assert "refused: one frame needs" in line and "engine.radius" in line and outcome.seconds < 45
    assert not out.exists()


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("/dev/null/x.mp4", "cannot write the video to /dev/null/x.mp4: /dev/null is not a folder"),
        ("{tmp}/nowhere/x.mp4", "does not exist"),
        ("{tmp}", "it is a folder; give a file name"),
        ("{tmp}/" + "x" * 300 + ".mp4", "is too long"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_before_the_work(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str, expected: str
) -> None:
    argv = ["render", "--clips", str(clip), "--duration", "1", "-o", output.format(tmp=tmp_path)]
    assert expected in _refused(capsys, argv)
