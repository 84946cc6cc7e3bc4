"""A small but complete project for the document tests: three clips (media files exist, content is not
read here — the project package never decodes), four placements covering every end mode and curve kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.project import (
    Clip,
    EngineSettings,
    GenerationSettings,
    ImportanceCurve,
    Keyframe,
    Placement,
    Project,
)


def build_project(folder: Path, outside: Path | None = None) -> Project:
    """Media under ``folder/media``; one clip in ``outside`` (stored absolute) when given."""
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    names = ["waves.mp4", "city.mov", "birds.mkv"]
    paths = [media / n for n in names]
    if outside is not None:
        outside.mkdir(parents=True, exist_ok=True)
        paths[2] = outside / names[2]
    for p in paths:
        p.write_bytes(b"not decoded by the project package")
    clips = [
        Clip("clip-1", paths[0], "waves", fps=24.0, frames=48, width=64, height=48, has_audio=True),
        Clip("clip-2", paths[1], "city", in_s=0.5, out_s=1.5, fps=30.0, frames=60, width=64, height=48),
        Clip("clip-3", paths[2], "birds", fps=25.0, frames=25, width=32, height=32, has_audio=True),
    ]
    placements = [
        Placement("pl-1", "clip-1", 0.0, 4.0),
        Placement(
            "pl-2",
            "clip-2",
            1.0,
            3.0,
            speed=1.5,
            end_mode="pingpong",
            importance=ImportanceCurve((Keyframe(0.0, 0.0, "smooth"), Keyframe(2.0, 2.5, "linear"))),
        ),
        Placement("pl-3", "clip-3", 2.0, 2.0, end_mode="hold", importance=ImportanceCurve.constant(0.5)),
        Placement(
            "pl-4",
            "clip-1",
            3.5,
            0.5,
            speed=0.5,
            importance=ImportanceCurve((Keyframe(0.0, 1.0, "hold"), Keyframe(0.25, 3.0, "linear"))),
        ),
    ]
    settings = GenerationSettings(
        duration=4.0,
        fps=12.0,
        width=96,
        height=64,
        seed=7,
        engine=EngineSettings(temperature=0.2, radius=2, mode="guide", guide_clip="clip-3"),
    )
    return Project("Test project", clips, placements, settings)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return build_project(tmp_path / "proj")
