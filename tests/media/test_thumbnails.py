"""thumbnail: the frame ~10% in, aspect kept, cached on disk under a key that changes with the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio import paths
from studio.media import thumbnail
from studio.media import thumbnails as thumbnails_module
from tests import clipfactory


def test_frame_ten_percent_in(make_test_clip) -> None:
    clip = make_test_clip("thumb.mp4", frames=40, width=128, height=96)
    image = thumbnail(clip, width=64)
    assert image.shape == (48, 64, 3)
    assert clipfactory.frame_index(image) == 4


def test_rotated_clip_keeps_displayed_aspect(make_test_clip) -> None:
    image = thumbnail(make_test_clip("rot90.mp4", rotation=90, frames=4), width=48)
    assert image.shape == (64, 48, 3)


def test_cached_then_invalidated(make_test_clip, tmp_path: Path, monkeypatch) -> None:
    clip = clipfactory.copy_clip(
        make_test_clip("thumb.mp4", frames=40, width=128, height=96), tmp_path / "c.mp4"
    )
    first = thumbnail(clip, width=32)
    cache = paths.cache_dir("thumbnails")
    key_file = thumbnails_module._cache_file(clip, 32)
    assert key_file.exists() and key_file.parent == cache

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(thumbnails_module, "ClipReader", no_decoding)
    assert (thumbnail(clip, width=32) == first).all()
    # The file changes (another clip copied over it): the key changes, so it is decoded again.
    clipfactory.make_clip(clip, frames=40, width=128, height=96, pattern="static")
    os.utime(clip, ns=(1, 1))
    with pytest.raises(AssertionError, match="decoded again"):
        thumbnail(clip, width=32)
