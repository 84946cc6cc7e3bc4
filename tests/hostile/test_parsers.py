"""Files that attack the reader (issue 14, family 5): each is one line, at once, with no traceback.

``[`` x 100000 was a RecursionError (in a project, in its unknown keys and provenance, in a checkpoint
manifest), an integer of 5000 digits a ValueError, a 300-character name an OSError, ``/dev/zero`` was read
until 2 GiB and a FIFO hung: the ones that exhaust or hang run in a capped child with a timeout.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from studio.cli import main
from studio.cli.targets import what_to_open
from studio.errors import EngineError, ProjectError, StudioError
from studio.project import GenerationSettings, Project, load_project, project_to_dict
from studio.project.record import AttentionRecordReader
from studio.project.safe_json import MAX_DEPTH, read_json
from tests.hostile.child import NO_TORCH_CAP, run_all

DEEP = "[" * 100_000


def _valid(folder: Path) -> dict:
    return project_to_dict(Project("parsed", settings=GenerationSettings()), folder)


def _with_raw(data: dict, key: str, raw: str) -> str:
    """The document's JSON text with ``"key": <raw>`` spliced in (raw: text no encoder would write)."""
    text = json.dumps({**data, key: None})
    return text.replace(f'"{key}": null', f'"{key}": {raw}')


def test_files_that_exhaust_or_hang_the_reader_are_refused_in_a_capped_child(tmp_path: Path) -> None:
    deep = tmp_path / "deep.avsproj.json"
    deep.write_text(DEEP)
    fifo = tmp_path / "fifo.avsproj.json"
    os.mkfifo(fifo)  # nobody ever writes it: opening it for reading, blocking, waits forever
    out = str(tmp_path / "out.mp4")
    cases = [
        (
            ["render", str(deep), "-o", out],
            f"deep.avsproj.json: not valid JSON: nested deeper than {MAX_DEPTH}",
        ),
        (["render", "/dev/zero", "-o", out], "zero: is a character device, not a project file"),
        (["render", str(fifo), "-o", out], "fifo.avsproj.json: is a pipe (FIFO), not a project file"),
    ]
    outcomes = run_all([(argv, NO_TORCH_CAP) for argv, _ in cases])
    for (_, expected), outcome in zip(cases, outcomes, strict=True):
        assert expected in outcome.refused_in_one_line() and outcome.seconds < 30


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("x-unknown", DEEP, "nested deeper than"),  # an unknown key: ignored, but parsed first
        ("x-one-too-deep", "[" * MAX_DEPTH + "]" * MAX_DEPTH, "nested deeper than"),  # the root is one
        ("x-deep-enough", "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), None),
        ("seed", "1" * 5000, "an integer of 5000 digits"),
    ],
    ids=["deep-unknown-key", "one-level-too-deep", "deep-enough", "5000-digits"],
)
def test_a_project_that_attacks_the_parser_is_one_line(
    tmp_path: Path, name: str, raw: str, expected: str | None
) -> None:
    path = tmp_path / "hostile.avsproj.json"
    path.write_text(_with_raw(_valid(tmp_path), name, raw))
    if expected is None:
        assert load_project(path).name == "parsed"
        return
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value).startswith("hostile.avsproj.json: not valid JSON: ") and expected in str(err.value)
    assert "\n" not in str(err.value)


def test_a_deep_provenance_is_refused(tmp_path: Path) -> None:
    data = _valid(tmp_path)
    clip = {"id": "c", "path": "c.mp4", "fps": 24, "frames": 24, "width": 64, "height": 48}
    data["clips"] = [{**clip, "provenance": "DEEP"}]
    path = tmp_path / "prov.avsproj.json"
    path.write_text(json.dumps(data).replace('"DEEP"', '{"a": ' * 200 + "1" + "}" * 200))
    with pytest.raises(ProjectError, match="prov.avsproj.json: not valid JSON: nested deeper than"):
        load_project(path)


def test_an_int_past_floats_range_is_a_bad_number_not_an_overflow() -> None:
    """What a file cannot hold any more (the literal guard refuses 41 digits) code still may pass."""
    with pytest.raises(ProjectError, match=r"settings\.fps: expected a number in \[1, 240\], got 10000"):
        GenerationSettings(fps=10**400)


def test_a_name_too_long_for_the_file_system_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = tmp_path / ("p" * 300 + ".avsproj.json")
    assert main(["render", str(long), "-o", str(tmp_path / "o.mp4")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "File name too long" in err[0]
    with pytest.raises(StudioError, match="File name too long"):
        what_to_open(long)  # `studio PATH`: is_dir raised the OSError
    with pytest.raises(StudioError, match="File name too long"):
        load_project(long)


def test_other_json_readers_share_the_guards(tmp_path: Path) -> None:
    record = tmp_path / "rec"
    record.mkdir()
    (record / "meta.json").write_text(DEEP)
    with pytest.raises(EngineError, match="nested deeper than"):
        AttentionRecordReader(record)
    manifest = tmp_path / "ck" / "checkpoint.json"
    manifest.parent.mkdir()
    manifest.write_text('{"format": "attention-video-studio-model", "config": ' + DEEP + "}")
    from studio.models.checkpoint import load_checkpoint  # torch: only this test needs it

    with pytest.raises(StudioError, match="checkpoint.json: not valid JSON: nested deeper than"):
        load_checkpoint(manifest.parent)


def test_an_otio_timeline_is_depth_guarded_before_otio_parses_it(tmp_path: Path) -> None:
    pytest.importorskip("opentimelineio")
    from studio.project.otio import read_otio

    path = tmp_path / "deep.otio"
    path.write_text('{"OTIO_SCHEMA": "Timeline.1", "metadata": ' + DEEP + "}")
    with pytest.raises(ProjectError, match="deep.otio: not valid JSON: nested deeper than"):
        read_otio(path)


def test_the_reader_takes_only_regular_files_of_bounded_size(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(65 << 20)  # sparse: 65 MiB of zeros, no disk used
    with pytest.raises(ProjectError, match="big.json: 65 MiB, larger than a file can be"):
        read_json(big)
    with pytest.raises(ProjectError, match="is a folder, not a file"):
        read_json(tmp_path)
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(ProjectError, match="not UTF-8 text"):
        read_json(bad)
