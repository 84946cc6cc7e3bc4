"""Scene cuts: hard cuts and dissolves found in real encoded footage (within a frame of where the new shot
starts), none in camera motion, and found once per file (the cache follows the file's size and mtime)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.media import shot_cache
from studio.media.cuts import detect_cuts, shots
from studio.media.shot_cache import cached_cuts, clip_cuts, find_cuts
from tests import footage

SIZE = (320, 180)


@pytest.fixture(scope="module")
def edit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three shots: a hard cut at 16, then an 8-frame dissolve over frames 24-31 (the new shot from 28)."""
    shot_list, transitions = footage.cut_shots(48)
    assert footage.spans(shot_list, transitions) == [(0, 16), (16, 32), (24, 48)]
    return footage.write_clip(
        tmp_path_factory.mktemp("cuts") / "edit.mp4", shot_list, SIZE, transitions=transitions
    )


def _near(found: list[int], expected: list[float]) -> bool:
    return len(found) == len(expected) and all(abs(f - e) <= 1 for f, e in zip(found, expected, strict=True))


def test_hard_cuts_and_dissolves_are_found_within_a_frame(edit: Path) -> None:
    found = detect_cuts(footage.decode(edit))
    assert _near(found, [16, 27.5]), found  # the dissolve's middle: between its 4th and 5th mixed frame
    assert shots(found, 48)[0] == (0, 16)
    long_edit, transitions = footage.cut_shots(96)  # a 16-frame dissolve over 48-63
    frames = footage.render_frames(long_edit, SIZE, transitions)
    assert _near(detect_cuts(frames), [32, 55.5])
    quick = footage.write_clip(
        edit.with_name("quick.mp4"), footage.cut_shots(24)[0], SIZE, transitions=[0, 4]
    )
    assert _near(detect_cuts(footage.decode(quick)), [8, 13.5])  # a 4-frame dissolve


@pytest.mark.parametrize("shot", [footage.pan_shot(), footage.zoom_shot(), footage.parallax_shot()], ids=repr)
def test_camera_motion_is_no_cut(shot: footage.Shot) -> None:
    assert detect_cuts(footage.render_frames([shot], SIZE)) == []


def test_cuts_are_found_once_per_file(edit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "edit.mp4"
    copy.write_bytes(edit.read_bytes())
    assert cached_cuts(copy) is None
    search = find_cuts(copy)
    progress = []
    with pytest.raises(StopIteration) as done:
        while True:
            progress.append(next(search))
    found = done.value.value
    assert _near(found, [16, 27.5]) and cached_cuts(copy) == found
    assert all(0 < p <= 1 for p in progress) and progress == sorted(progress)
    monkeypatch.setattr(shot_cache, "CutFinder", None)  # a second search would fail: none is made
    assert clip_cuts(copy) == found
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file was touched: maybe edited
    assert cached_cuts(copy) is None


def test_a_stopped_search_stores_nothing(edit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "stopped.mp4"
    copy.write_bytes(edit.read_bytes())
    monkeypatch.setattr(shot_cache, "PROGRESS_EVERY_S", 0.0)  # a report after every frame
    search = find_cuts(copy)
    next(search)
    search.close()
    assert cached_cuts(copy) is None
