"""``studio where RECORD_DIR --frame N --at X,Y``: the top sources of an output pixel, checked on pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.cli import main
from studio.project.record import AttentionRecordReader, AttentionRecordWriter
from studio.project.trace import Contribution
from tests.engine.trace_support import SourceFrames, patch_rms, render_traced


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory):
    return render_traced(tmp_path_factory.mktemp("where"), "final")


def _where(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["where", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_names_sources_whose_pixels_match(render, capsys) -> None:
    context = AttentionRecordReader(render.record).context
    frames = SourceFrames(context)
    errors = []
    for n, (x, y) in [(0, (40, 30)), (3, (250, 150)), (7, (160, 90)), (11, (300, 20)), (11, (12, 170))]:
        code, out, err = _where(capsys, str(render.record), "--frame", str(n), "--at", f"{x},{y}", "--json")
        assert code == 0 and err == ""
        answer = json.loads(out)
        assert answer["frame"] == n and (answer["x"], answer["y"]) == (x, y)
        assert answer["frame_size"] == [320, 180] and answer["fit"] == "fit"
        assert 1 <= len(answer["sources"]) <= 3
        top = answer["sources"][0]
        assert {top["clip_id"], top["name"]} in ({"c0", "pan"}, {"c1", "zoom"})
        assert top["timecode"].startswith("00:00:00:") and top["seconds"] == pytest.approx(
            top["frame"] / 24, abs=1e-6
        )
        source = Contribution(
            column=top["clip"],
            clip_id=top["clip_id"],
            clip_name=top["name"],
            clip_path=top["path"],
            frame=top["frame"],
            fps=24.0,
            x=top["x"],
            y=top["y"],
            weight=top["weight"],
            patch=tuple(top["patch"]),
        )
        if top["weight"] >= 0.9:
            errors.append(patch_rms(render.video[n], x, y, source, frames))
    frames.close()
    assert len(errors) >= 3
    assert float(np.sqrt(np.mean(np.square(errors)))) <= 6.0


def test_table_for_people(render, capsys) -> None:
    code, out, _ = _where(capsys, str(render.record), "--frame", "2", "--at", "10,10")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("frame 2 (00:00:00:02) at 10,10:")
    assert "1. c" in lines[1] and "weight" in lines[1] and "frame " in lines[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frame", "12", "--at", "5,5"], "outside the record's 12 frames"),
        (["--frame", "x", "--at", "5,5"], "--frame wants a frame number"),
        (["--frame", "0", "--at", "5"], "--at wants X,Y"),
        (["--frame", "0", "--at", "400,5"], "outside the 320x180 frame"),
    ],
)
def test_bad_frame_or_position_is_one_line(render, capsys, args, message) -> None:
    code, out, err = _where(capsys, str(render.record), *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_bad_record_is_one_line(tmp_path, capsys) -> None:
    code, _, err = _where(capsys, str(tmp_path / "nothing"), "--frame", "0", "--at", "1,1")
    assert code == 2 and "Not a readable attention record" in err and err.count("\n") == 1
    with AttentionRecordWriter(tmp_path / "old", ["a"], ["/a.mp4"], 24.0, 8, (2, 2), {}, 1) as rec:
        rec.append(0, [0], np.ones(1, np.float32), np.ones((1, 2, 2), np.float16))
    code, _, err = _where(capsys, str(tmp_path / "old"), "--frame", "0", "--at", "1,1")
    assert code == 2 and "no correspondence in this record" in err and err.count("\n") == 1
