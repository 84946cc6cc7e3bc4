"""``studio render --mattes DIR [--mattes-format F]``: the folders it writes, one-line refusals (exit 2)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from studio.cli import main
from studio.engine import matte_formats


@pytest.fixture(scope="module")
def two_clips(make_test_clip):
    return [
        make_test_clip("mattes_cli_a.mp4", width=160, height=90, frames=12),
        make_test_clip("mattes_cli_b.mp4", width=160, height=90, frames=12, pattern="noise"),
    ]


def _argv(clips, out, *extra: str) -> list[str]:
    base = ["render", "--clips", *map(str, clips), "--duration", "0.25", "--size", "160x90"]
    return [*base, "-o", str(out), "--no-progress", "--preset", "ultrafast", *extra]


def test_mattes_default_to_png_sequences(two_clips, tmp_path) -> None:
    mattes = tmp_path / "mattes"
    assert main(_argv(two_clips, tmp_path / "out.mp4", "--mattes", str(mattes), "--quality", "draft")) == 0
    manifest = json.loads((mattes / "mattes.json").read_text())
    assert manifest["encoding"] == "png16" and manifest["frames"] == 6
    folders = [c["matte"].split("/")[0] for c in manifest["clips"]]
    assert folders == ["mattes_cli_a", "mattes_cli_b"]
    for n in range(6):
        levels = [cv2.imread(str(mattes / f / f"{n:06d}.png"), cv2.IMREAD_UNCHANGED) for f in folders]
        assert all(m.dtype == np.uint16 and m.shape == (90, 160) for m in levels)
        assert np.all(np.sum(levels, axis=0, dtype=np.int64) == 65535)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--mattes", "M", "--mattes-format", "tiff"],
            "unknown mattes format 'tiff': one of png16, ffv1, exr",
        ),
        (["--mattes-format", "ffv1"], "--mattes-format goes with --mattes DIR"),
    ],
)
def test_bad_mattes_options_exit_2_with_one_line(two_clips, tmp_path, capsys, extra, message) -> None:
    extra = [str(tmp_path / "m") if a == "M" else a for a in extra]
    assert main(_argv(two_clips, tmp_path / "out.mp4", *extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"studio: error: {message}"]
    assert list(tmp_path.iterdir()) == []  # refused before anything was opened


def test_exr_without_openexr_says_how_to_install_it(two_clips, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(matte_formats, "exr_available", lambda: False)
    argv = _argv(two_clips, tmp_path / "out.mp4", "--mattes", str(tmp_path / "m"), "--mattes-format", "exr")
    assert main(argv) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.endswith("pip install 'attention-video-studio[exr]'")
    assert list(tmp_path.iterdir()) == []


def test_mattes_over_a_file_is_refused_in_one_line(two_clips, tmp_path, capsys) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("not a folder")
    argv = _argv(two_clips, tmp_path / "out.mp4", "--mattes", str(taken), "--crossfade")
    assert main(argv) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"studio: error: cannot write mattes to {taken}: it is a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # the MP4's temp file went too
