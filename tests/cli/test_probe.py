"""``studio probe``: JSON keys and values from real clips, the table, unreadable files (exit 2, one line)."""

from __future__ import annotations

import json

import pytest

from studio.cli import main
from tests import clipfactory


def test_probe_json_single_file(audio_clip, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", str(audio_clip), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert isinstance(info, dict)
    for key in ("width", "height", "fps", "frames", "duration", "video_codec", "audio"):
        assert key in info
    assert (info["width"], info["height"], info["frames"]) == (64, 48, 24)
    assert info["fps"] == pytest.approx(24.0)
    assert info["duration"] == pytest.approx(1.0, abs=0.05)
    assert info["video_codec"] == "h264"
    assert info["audio"]["channels"] == 2 and info["audio"]["sample_rate"] == 48000


def test_probe_json_lists_the_scene_cuts(tmp_path, capsys) -> None:
    from tests import footage

    shot_list, transitions = footage.cut_shots(48)  # a hard cut at 16, a dissolve over 24-31
    clip = footage.write_clip(tmp_path / "edit.mp4", shot_list, (320, 180), transitions=transitions)
    assert main(["probe", str(clip), "--json"]) == 0
    cuts = json.loads(capsys.readouterr().out)["cuts"]
    assert len(cuts) == 2 and cuts[0] == 16 and abs(cuts[1] - 27.5) <= 1
    assert main(["probe", str(clip), "--json", "--no-cuts"]) == 0
    assert "cuts" not in json.loads(capsys.readouterr().out)


def test_probe_json_several_files_is_a_list(h264_clip, audio_clip, capsys) -> None:
    assert main(["probe", str(h264_clip), str(audio_clip), "--json"]) == 0
    infos = json.loads(capsys.readouterr().out)
    assert [i["audio"] is None for i in infos] == [True, False]


def test_probe_table(h264_clip, capsys) -> None:
    assert main(["probe", str(h264_clip)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["file", "size", "fps"]
    assert "64x48" in out[1] and "h264" in out[1]


def test_probe_bad_file_exit_2_one_line(tmp_path, h264_clip, capsys) -> None:
    bad = clipfactory.make_text_as_video(tmp_path / "notes.mp4")
    assert main(["probe", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "notes.mp4" in lines[0]

    # Several files: the good one is still reported, each bad one gets its line, and the status is 2.
    missing = tmp_path / "gone.mp4"
    assert main(["probe", str(h264_clip), str(bad), str(missing), "--json"]) == 2
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    assert results[0]["frames"] == 24 and "error" in results[1] and "error" in results[2]
    assert len(captured.err.strip().splitlines()) == 2
