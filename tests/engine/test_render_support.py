"""Shared by the render tests (no tests here): small real projects from factory clips, decoding helpers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np

from studio.media import probe
from studio.project import (
    EngineSettings,
    GenerationSettings,
    ImportanceCurve,
    Keyframe,
    Placement,
    Project,
    clip_from_info,
)

W, H, FPS = 96, 64, 24.0


def make_project(
    clips: list[Path],
    placements: list[tuple[int, float, float, ImportanceCurve | None]],
    *,
    duration: float,
    audio: bool = True,
    window: int = 0,
    end_mode: str = "loop",
) -> Project:
    """``placements`` = (clip number, start, duration, importance) each; output W x H at 24 fps."""
    settings = GenerationSettings(
        duration=duration, fps=FPS, width=W, height=H, audio=audio, engine=EngineSettings(window=window)
    )
    project = Project(name="test", settings=settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path)))
    for j, (i, start, length, curve) in enumerate(placements):
        project.placements.append(
            Placement(
                f"p{j}",
                f"c{i}",
                start=start,
                duration=length,
                end_mode=end_mode,
                importance=curve or ImportanceCurve(),
            )
        )
    return project


def ramp(*keys: tuple[float, float], interp: str = "linear") -> ImportanceCurve:
    return ImportanceCurve(tuple(Keyframe(t, v, interp) for t, v in keys))


def offline(project: Project, index: int, reason: str = "file not found") -> Project:
    clips = list(project.clips)
    clips[index] = replace(clips[index], offline_reason=reason)
    return replace(project, clips=clips)


def decode_video(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def audio_streams(path: Path) -> list[tuple[int, float]]:
    """(sample rate, duration s) of each audio stream, from the decoded samples."""
    out = []
    with av.open(str(path)) as c:
        for stream in c.streams.audio:
            n = sum(f.samples for f in c.decode(stream))
            out.append((stream.rate, n / stream.rate))
    return out
