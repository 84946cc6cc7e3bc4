"""Suite-wide setup: Qt offscreen, per-session cache/state folders so tests never touch the user's."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import clipfactory

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp_root = tempfile.mkdtemp(prefix="studio-tests-")
os.environ.setdefault("STUDIO_CACHE_DIR", os.path.join(_tmp_root, "cache"))
os.environ.setdefault("STUDIO_STATE_DIR", os.path.join(_tmp_root, "state"))
# The preview never opens a sound device (tests bring a null one).
os.environ.setdefault("STUDIO_NO_AUDIO", "1")


# --- Media fixtures: real clips written with PyAV by tests/clipfactory.py (owner: the media layer). ---------


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder per test session for the shared clips (read-only by convention: copy before modifying)."""
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def make_test_clip(clip_dir: Path) -> Callable[..., Path]:
    """Factory ``make_test_clip("name.mp4", **make_clip_kwargs)``; the same name + kwargs is made once.

    A name already taken by a clip made with other arguments gets a suffix (``name-<hash>.mp4``), so two test
    modules choosing the same name never share a wrong clip.
    """
    made: dict[tuple, Path] = {}

    def make(name: str = "clip.mp4", **kwargs: object) -> Path:
        key = (name, tuple(sorted(kwargs.items())))
        if key not in made:
            target = clip_dir / name
            if target.exists():
                digest = hashlib.sha1(repr(key).encode()).hexdigest()[:8]
                target = target.with_name(f"{target.stem}-{digest}{target.suffix}")
            made[key] = clipfactory.make_clip(target, **kwargs)
        return made[key]

    return make


@pytest.fixture(scope="session")
def h264_clip(make_test_clip: Callable[..., Path]) -> Path:
    """64x48, 24 fps, 24 frames (1 s), H.264 yuv420p, keyframe every 8 frames, no audio."""
    return make_test_clip("h264.mp4", gop=8)


@pytest.fixture(scope="session")
def audio_clip(make_test_clip: Callable[..., Path]) -> Path:
    """Like ``h264_clip`` plus a 440 Hz stereo AAC tone at 48 kHz over the whole second."""
    return make_test_clip("h264_audio.mp4", gop=8, audio=True)


@pytest.fixture(scope="session")
def audio_only_file(clip_dir: Path) -> Path:
    """1 s of a 440 Hz stereo AAC tone in an .m4a with no video stream."""
    return clipfactory.make_audio(clip_dir / "tone.m4a", seconds=1.0)


@pytest.fixture(scope="session")
def still_png(clip_dir: Path) -> Path:
    """A 64x48 PNG (frame 0 of the test pattern)."""
    return clipfactory.make_still(clip_dir / "still.png")
