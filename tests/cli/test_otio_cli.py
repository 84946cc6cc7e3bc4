"""``studio export-otio`` / ``studio import-otio``: a project out and back in through the command line, and
every bad input one line on stderr with exit status 2 (a missing OpenTimelineIO included)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from studio import cli
from studio.media import probe
from studio.project import (
    ImportanceCurve,
    Keyframe,
    Pin,
    Placement,
    Project,
    clip_from_info,
    load_project,
    save_project,
)
from studio.project.model import GenerationSettings


@pytest.fixture()
def otio():  # noqa: ANN201
    return pytest.importorskip("opentimelineio")


@pytest.fixture()
def project_file(make_test_clip: Callable[..., Path], tmp_path: Path) -> Path:
    paths = [make_test_clip("otio_cli_a.mp4", gop=8), make_test_clip("otio_cli_b.mp4", pattern="static")]
    clips = [clip_from_info(f"clip-{i + 1}", p, probe(p)) for i, p in enumerate(paths)]
    curve = ImportanceCurve((Keyframe(0.0, 1.0), Keyframe(0.5, 2.0, "smooth")))
    placements = [
        Placement("p-1", "clip-1", 0.0, 1.0, importance=curve),
        Placement("p-2", "clip-2", 0.25, 0.75, speed=1.25, end_mode="pingpong", pins=(Pin(0.0, 0.5, 0.4),)),
    ]
    settings = GenerationSettings(duration=1.0, fps=12.0, width=64, height=48)
    return save_project(Project("cli", clips, placements, settings), tmp_path / "in.avsproj.json")


def test_export_then_import_gives_the_same_project(otio, project_file: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    cut = tmp_path / "out" / "cut.otio"
    cut.parent.mkdir()
    assert cli.main(["export-otio", str(project_file), "-o", str(cut)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"wrote {cut}: 2 placements, a video track each" and out.err == ""
    timeline = otio.adapters.read_from_file(str(cut))
    assert len(timeline.video_tracks()) == 2
    assert [p.name for p in cut.parent.iterdir()] == ["cut.otio"]  # no temp file left beside it

    back_file = tmp_path / "back.avsproj.json"
    assert cli.main(["import-otio", str(cut), "-o", str(back_file)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == f"wrote {back_file}: 2 clips, 2 placements" and out.err == ""
    original, back = load_project(project_file), load_project(back_file)
    back.path = original.path
    assert back == original


def test_importing_an_editors_timeline_warns_in_one_line_each(
    otio,
    make_test_clip: Callable[..., Path],
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    media = make_test_clip("otio_cli_a.mp4", gop=8)
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    video = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    ref = otio.schema.ExternalReference(target_url=str(media))
    video.append(otio.schema.Clip(name="a", media_reference=ref, source_range=tr(rt(0, 24), rt(12, 24))))
    video.append(otio.schema.Clip(name="bars", source_range=tr(rt(0, 24), rt(6, 24))))  # no reference
    audio = otio.schema.Track(kind=otio.schema.TrackKind.Audio)
    timeline = otio.schema.Timeline(name="edit", tracks=[video, audio])
    path = tmp_path / "edit.otio"
    otio.adapters.write_to_file(timeline, str(path))
    target = tmp_path / "edit.avsproj.json"
    assert cli.main(["import-otio", str(path), "-o", str(target)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        'studio: warning: skipped "bars" at 0.500 s: no media file (MissingReference)',
        "studio: warning: 1 audio track ignored: the output's sound follows the attention over the clips' "
        "own audio",
    ]
    project = load_project(target)
    assert [(p.start, p.duration) for p in project.placements] == [(0.0, 0.5)]
    assert project.settings.duration == pytest.approx(0.75) and project.settings.fps == 24.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json at all", "bad.otio: not valid JSON: Expecting value at line 1"),
        (
            '{"format": "attention-video-studio", "version": 2}',
            "bad.otio: no timeline in this OpenTimelineIO",
        ),
        (None, "no such file"),
    ],
)
def test_a_bad_timeline_is_one_line_and_status_2(otio, tmp_path: Path, capsys, content, expected) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.otio"
    if content is not None:
        bad.write_text(content)
    target = tmp_path / "never.avsproj.json"
    assert cli.main(["import-otio", str(bad), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("studio: error: ") and expected in err and err.count("\n") == 1
    assert not target.exists()


def test_a_bad_project_is_one_line_and_status_2(otio, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    project = tmp_path / "broken.avsproj.json"
    project.write_text(json.dumps({"format": "attention-video-studio", "version": 2, "clips": 3}))
    cut = tmp_path / "cut.otio"
    assert cli.main(["export-otio", str(project), "-o", str(cut)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("studio: error: broken.avsproj.json: clips") and err.count("\n") == 1
    assert not cut.exists()


def test_without_opentimelineio_the_commands_say_what_to_install(
    project_file: Path,
    tmp_path: Path,
    capsys,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.setitem(sys.modules, "opentimelineio", None)  # import raises ImportError, as when absent
    hint = "pip install 'attention-video-studio[otio]'"
    assert cli.main(["export-otio", str(project_file), "-o", str(tmp_path / "cut.otio")]) == 2
    assert capsys.readouterr().err == f"studio: error: OpenTimelineIO is not installed: {hint}\n"
    (tmp_path / "cut.otio").write_text("{}")
    assert cli.main(["import-otio", str(tmp_path / "cut.otio"), "-o", str(tmp_path / "p.json")]) == 2
    assert capsys.readouterr().err == f"studio: error: OpenTimelineIO is not installed: {hint}\n"
