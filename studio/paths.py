"""Where the app keeps things: bundled resources, and the per-user cache and state folders (platformdirs)."""

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
