"""Where a project's checkpoints live (no torch here: the window asks before any model is loaded)."""

from __future__ import annotations

import os
from pathlib import Path

from studio import paths

MANIFEST = "checkpoint.json"  # a checkpoint folder's commit point (studio.models.checkpoint)


def checkpoints_dir(project_path: str | os.PathLike[str] | None, kind: str) -> Path:
    """``models/<kind>`` beside the project file, or in the cache for a project never saved: the Training
    panel writes there, the timeline's generate actions read there."""
    if project_path:
        return Path(project_path).parent / "models" / kind
    return paths.cache_dir("models", "unsaved") / kind


def find_checkpoint(project_path: str | os.PathLike[str] | None, kinds: tuple[str, ...]) -> Path | None:
    """The newest checkpoint of any of ``kinds`` for the project, or None."""
    found = [checkpoints_dir(project_path, kind) / MANIFEST for kind in kinds]
    found = [f for f in found if f.exists()]
    return max(found, key=lambda f: f.stat().st_mtime) if found else None
