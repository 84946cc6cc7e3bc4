"""Fixtures for the model tests: real H.264 clips (tests/clipfactory.py), a saved project using them, and the
clips decoded at 32×32. One torch thread: the suite shares two cores with other engineers' tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from studio.media import probe
from studio.models.data import ClipSource, FrameData
from studio.project import Project, clip_from_info, save_project

torch.set_num_threads(1)

SIZE = 32


@pytest.fixture(scope="session")
def moving_clip(make_test_clip: Callable[..., Path]) -> Path:
    """64×48, 24 fps, 72 frames (3 s) of the moving test pattern: 60 training + 12 held-out frames at 15%."""
    return make_test_clip("models_moving.mp4", frames=72)


@pytest.fixture(scope="session")
def other_clip(make_test_clip: Callable[..., Path]) -> Path:
    """A second, different clip (48×64 portrait-shaped, static pattern) for morphs and multi-clip data."""
    return make_test_clip("models_other.mp4", width=48, height=64, frames=36, pattern="static")


@pytest.fixture(scope="session")
def frame_data(moving_clip: Path) -> FrameData:
    return FrameData.load([ClipSource("clip-1", "moving", moving_clip)], (SIZE, SIZE))


def write_project(folder: Path, clips: list[Path]) -> Path:
    """A saved project holding ``clips`` (probed for real); returns the project file."""
    folder.mkdir(parents=True, exist_ok=True)
    project = Project("models test")
    for i, path in enumerate(clips, start=1):
        project.clips.append(clip_from_info(f"clip-{i}", path, probe(path), name=path.stem))
    return save_project(project, folder / "test.avsproj.json")


@pytest.fixture
def project_file(tmp_path: Path, moving_clip: Path, other_clip: Path) -> Path:
    return write_project(tmp_path / "proj", [moving_clip, other_clip])
