"""``studio render --range`` (seconds, timecode, frames) and batches (``studio render A B C -o FOLDER/``):
exactly the span's frames and audio, each project's result in a summary table, exit 2 if any failed."""

from __future__ import annotations

import pytest

from studio.cli import main
from studio.media import decode_audio, probe
from studio.project import load_project, save_project

RATE = 48000


@pytest.fixture(scope="module")
def saved_project(make_test_clip, tmp_path_factory):
    """2 s at 24 fps from two real clips with audio, saved by ``studio render --save-project``."""
    clips = [
        make_test_clip("batch_a.mp4", width=96, height=64, frames=48, audio=True),
        make_test_clip("batch_b.mp4", width=96, height=64, frames=24, audio=True, tone_hz=1500.0),
    ]
    folder = tmp_path_factory.mktemp("batch")
    saved = folder / "alpha.avsproj.json"
    argv = ["render", "--clips", *map(str, clips), "--duration", "2", "--size", "96x64", "--crossfade"]
    assert main([*argv, "--save-project", str(saved), "-o", str(folder / "full.mp4"), "--no-progress"]) == 0
    return saved


@pytest.mark.parametrize("span", ["0.5-1.5", "00:00:00:12-00:00:01:12", "12f-36f"])
def test_range_renders_exactly_that_span_with_its_audio(saved_project, tmp_path, capsys, span) -> None:
    out = tmp_path / "part.mp4"
    argv = ["render", str(saved_project), "-o", str(out), "--range", span, "--crossfade", "--no-progress"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("estimate: 24 frames [frames 12-35, 0.50-1.50 s]")
    assert lines[-1].startswith(f"wrote {out}: 24 frames")
    assert probe(out).frames == 24
    full = decode_audio(saved_project.parent / "full.mp4", RATE).shape[1]
    assert decode_audio(out, RATE).shape[1] == pytest.approx(full / 2, abs=0.03 * RATE)


@pytest.mark.parametrize(
    ("span", "says"),
    [("1.5-0.5", "must come after"), ("1-9", "past the output's end"), ("1:2", "expected START-END")],
)
def test_a_bad_range_is_one_line_and_exit_2(saved_project, tmp_path, capsys, span, says) -> None:
    out = tmp_path / "bad.mp4"
    assert main(["render", str(saved_project), "-o", str(out), "--range", span, "--crossfade"]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_batch_reports_each_project_and_exits_2_if_one_failed(saved_project, tmp_path, capsys) -> None:
    beta = save_project(load_project(saved_project), tmp_path / "beta.avsproj.json")
    broken = tmp_path / "broken.avsproj.json"
    broken.write_text("{not json")
    folder = tmp_path / "renders"
    argv = ["render", str(saved_project), str(broken), str(beta), "-o", f"{folder}/", "--crossfade"]
    assert main([*argv, "--range", "0-1", "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.mp4", "beta.mp4"]  # the others still rendered
    assert probe(folder / "alpha.mp4").frames == probe(folder / "beta.mp4").frames == 24
    table = captured.out[captured.out.index("2 of 3 rendered") :].splitlines()
    assert table[1].split() == ["project", "output", "frames", "seconds", "result"]
    rows = {line.split()[0]: line for line in table[2:]}
    assert rows[str(saved_project)].split()[1:3] == [str(folder / "alpha.mp4"), "24"]
    assert rows[str(saved_project)].endswith("OK") and rows[str(beta)].endswith("OK")
    assert "error: broken.avsproj.json: not valid JSON" in rows[str(broken)]
    assert f"studio: error: {broken}:" in captured.err


def test_a_batch_refuses_two_projects_writing_one_file(saved_project, tmp_path, capsys) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    twin = save_project(load_project(saved_project), other / saved_project.name)
    assert main(["render", str(saved_project), str(twin), "-o", str(tmp_path / "out") + "/"]) == 2
    assert "both write alpha.mp4" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_range_syntax_is_in_the_help(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--range START-END" in text and "HH:MM:SS:FF" in text and "(300f)" in text
    assert "END is exclusive" in text and "a folder (FOLDER/) with several projects" in text
