"""Where a project's checkpoints live (no torch here: the window asks before any model is loaded)."""

from __future__ import annotations

import os
from pathlib import Path

from studio import paths

MANIFEST = "checkpoint.json"  # a checkpoint folder's commit point (studio.models.checkpoint)


def work_folder(project_path: str | os.PathLike[str]) -> Path:
    """Where a project's own outputs (checkpoints, generated clips) go: beside the project file, except for a
    project shipped with the app (the first-run demo, under ``paths.RESOURCES``): the user's data folder,
    since the install may be read-only and an update would replace it."""
    path = Path(project_path).absolute()
    if paths.is_bundled(path):
        inside = path.resolve().parent.relative_to(paths.RESOURCES.resolve())
        return paths.data_dir("bundled", *inside.parts)
    return path.parent


def saved_project_path(project_path: str | os.PathLike[str]) -> Path:
    """Where a command that changes a saved project (a generated clip added) writes it: the file itself, but
    for a project shipped with the app a copy in its :func:`work_folder` (the shipped one stays as shipped;
    its clips are then referred to where they lie)."""
    path = Path(project_path).absolute()
    return work_folder(path) / path.name if paths.is_bundled(path) else path


def checkpoints_dir(project_path: str | os.PathLike[str] | None, kind: str) -> Path:
    """``models/<kind>`` in the project's :func:`work_folder`, or in the cache for a project never saved: the
    Training panel and ``studio train`` write there, the timeline's generate actions read there."""
    if project_path:
        return work_folder(project_path) / "models" / kind
    return paths.cache_dir("models", "unsaved") / kind


def find_checkpoint(project_path: str | os.PathLike[str] | None, kinds: tuple[str, ...]) -> Path | None:
    """The newest checkpoint of any of ``kinds`` for the project, or None."""
    found = [checkpoints_dir(project_path, kind) / MANIFEST for kind in kinds]
    found = [f for f in found if f.exists()]
    return max(found, key=lambda f: f.stat().st_mtime) if found else None
