"""A project made on the spot from a list of clips: every clip over the whole generation time, looping, with
equal importance. ``studio render --clips A.mp4 B.mp4 --duration 8`` renders it without a project file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from studio.errors import ProjectError
from studio.media.probe import probe
from studio.project.model import GenerationSettings, Placement, Project, clip_from_info


def adhoc_project(
    clips: Sequence[str | os.PathLike[str]],
    duration: float,
    *,
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    name: str = "Ad hoc",
) -> Project:
    """Probe ``clips`` (a MediaError names an unreadable one) and lay each over [0, duration), looping."""
    if not clips:
        raise ProjectError("--clips needs at least one clip")
    if not duration > 0:
        raise ProjectError(f"--duration must be > 0 seconds, got {duration:g}")
    defaults = GenerationSettings()
    width, height = size or (defaults.width, defaults.height)
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ProjectError(f"--size {width}x{height}: width and height must be even and at least 16")
    settings = replace(
        defaults, duration=float(duration), fps=float(fps or defaults.fps), width=width, height=height
    )
    if not settings.fps > 0:
        raise ProjectError(f"--fps must be > 0, got {settings.fps:g}")
    project = Project(name=name, settings=settings)
    for i, path in enumerate(clips, start=1):
        info = probe(path)
        clip = clip_from_info(f"clip-{i}", Path(path), info)
        project.clips.append(clip)
        project.placements.append(
            Placement(f"place-{i}", clip.id, start=0.0, duration=float(duration), end_mode="loop")
        )
    return project


def parse_size(text: str) -> tuple[int, int]:
    """``"640x360"`` -> (640, 360); a ProjectError (one line) for anything else."""
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise ProjectError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 640x360") from None
