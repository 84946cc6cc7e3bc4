"""A file's cuts and proxy made in a child process (the window's background work holds none of its GIL):
the same answers as in-process, progress on the way, and a child stopped mid-transcode leaves no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import MediaError
from studio.media.background import PROXY, SHOTS, prepare
from studio.media.proxy import proxy_file
from studio.media.shot_cache import cached_cuts
from tests import clipfactory


def test_the_child_makes_the_proxy_and_finds_the_cuts(tmp_path: Path) -> None:
    clip = clipfactory.make_clip(tmp_path / "big.mp4", width=1280, height=720, frames=24, gop=12)
    work = prepare(clip, proxy=True)
    stages = []
    with pytest.raises(StopIteration) as done:
        while True:
            stages.append(next(work))
    cuts, made = done.value.value
    assert cuts == [12, 23] == cached_cuts(clip) == cached_cuts(made)
    assert made == proxy_file(clip) and made.exists()
    assert stages and {stage for stage, _ in stages} <= {PROXY, SHOTS}
    small = clipfactory.make_clip(tmp_path / "small.mp4", width=64, height=48, frames=24)
    work = prepare(small, proxy=False)
    with pytest.raises(StopIteration) as done:
        while True:
            assert next(work)[0] == SHOTS
    assert done.value.value == ([12, 23], None)


def test_a_stopped_child_leaves_no_file(tmp_path: Path) -> None:
    clip = clipfactory.make_clip(tmp_path / "long.mp4", width=1280, height=720, frames=48, gop=24)
    work = prepare(clip, proxy=True)
    assert next(work)[0] == PROXY  # the transcode is under way
    work.close()
    folder = proxy_file(clip).parent
    assert not proxy_file(clip).exists() and not list(folder.glob(f".{proxy_file(clip).stem}*"))
    assert cached_cuts(clip) is None


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    bad = clipfactory.make_text_as_video(tmp_path / "notes.mp4")
    with pytest.raises(MediaError) as error:
        next(prepare(bad, proxy=True))
    assert "notes.mp4" in str(error.value) and "\n" not in str(error.value)
