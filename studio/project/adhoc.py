"""A project made on the spot from a list of clips: every clip over the whole generation time, looping, with
equal importance. ``studio render --clips A.mp4 B.mp4 --duration 8`` renders it without a project file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from studio.errors import ProjectError
from studio.media.probe import probe
from studio.project.fields import show
from studio.project.limits import SETTINGS
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
    settings = adhoc_settings(duration, fps, size)  # one line naming the flag, before any clip is probed
    project = Project(name=name, settings=settings)
    for i, path in enumerate(clips, start=1):
        info = probe(path)
        clip = clip_from_info(f"clip-{i}", Path(path), info)
        project.clips.append(clip)
        project.placements.append(
            Placement(f"place-{i}", clip.id, start=0.0, duration=settings.duration, end_mode="loop")
        )
    return project


def adhoc_settings(
    duration: float, fps: float | None = None, size: tuple[int, int] | None = None
) -> GenerationSettings:
    """The settings of ``--duration``, ``--fps`` (None: the default; 0 is refused, not the default) and
    ``--size``, checked against the project's limits so a refusal names the flag."""
    defaults = GenerationSettings()
    fps = defaults.fps if fps is None else fps
    width, height = size or (defaults.width, defaults.height)
    duration = SETTINGS["duration"].check(duration, "--duration")
    fps = SETTINGS["fps"].check(fps, "--fps")
    for side, value in (("width", width), ("height", height)):
        SETTINGS[side].check(value, f"--size {side}")
    if width % 2 or height % 2:
        raise ProjectError(f"--size {width}x{height}: width and height must be even (H.264 needs even sizes)")
    if round(duration * fps) < 1:
        raise ProjectError(f"--duration {duration:g} at {fps:g} fps makes no frame (one is {1 / fps:.3g} s)")
    return replace(defaults, duration=duration, fps=fps, width=width, height=height)


def parse_size(text: str) -> tuple[int, int]:
    """``"640x360"`` -> (640, 360); a ProjectError (one line) for anything else."""
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise ProjectError(f"--size {show(text)}: expected WIDTHxHEIGHT, e.g. 640x360") from None
