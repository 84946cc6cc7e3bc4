"""Retiming knows the cuts the library shows: the file's cached cuts, numbered from the clip's in point,
or the ones found in its frames when the file was never analysed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.media.shot_cache import store_cuts
from studio.models.data import ClipSource
from studio.models.native_generate import _cuts_of
from tests import footage


def test_the_files_known_cuts_are_used_from_the_in_point(tmp_path: Path) -> None:
    clip = footage.cut_clip(tmp_path / "cut.mp4", size=(96, 64), frames=24)  # a hard cut at 12
    frames = footage.decode(clip)
    src = ClipSource("c", "cut", clip, in_s=0.25)  # from frame 6
    assert _cuts_of(src, frames[6:]) == [6]  # never analysed: found in the frames
    store_cuts(clip, [10, 20], 24)  # what the library found (and shows) for the file
    assert _cuts_of(src, frames[6:]) == [4, 14]
    assert _cuts_of(ClipSource("c", "cut", clip), np.zeros((8, 4, 4, 3), np.uint8)) == []  # none inside
