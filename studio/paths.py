"""Where the app keeps things: bundled resources, and the per-user cache, state and data folders
(platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "AttentionVideoStudio"
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEMO_PROJECT = RESOURCES / "demo" / "demo.avsproj.json"


def cache_dir(*parts: str) -> Path:
    """A per-user cache folder (safe to delete); ``STUDIO_CACHE_DIR`` overrides it (tests)."""
    root = Path(os.environ.get("STUDIO_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir(*parts: str) -> Path:
    """A per-user state folder (autosave, recovery); ``STUDIO_STATE_DIR`` overrides it (tests)."""
    root = Path(os.environ.get("STUDIO_STATE_DIR") or platformdirs.user_state_dir(APP_NAME))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir(*parts: str) -> Path:
    """A per-user data folder (the user's work: kept); ``STUDIO_DATA_DIR`` overrides it (tests)."""
    root = Path(os.environ.get("STUDIO_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_bundled(path: str | os.PathLike[str]) -> bool:
    """True for a file shipped with the app (under :data:`RESOURCES`, e.g. the demo project): the install
    may be read-only, and an update replaces it, so nothing the user makes may be written there."""
    return Path(path).resolve().is_relative_to(RESOURCES.resolve())
