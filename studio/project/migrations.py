"""Upgrades of older project files, one version step at a time (vN -> vN+1), applied before validation.

Each step is a plain function on the JSON dict, so a file from any older version reaches the current layout
through the chain, and a new version only adds one function here. Version 0 is the pre-release layout:
``"generation_time"`` instead of ``settings.duration``, and a placement's importance as a single number.
Version 1 had no pins (share bounds per placement, ``placements[i].pins``): version 2 added them.
Version 2 also reads ``placements[i].masks`` (painted masks), an optional key: absent = no masks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from studio.errors import ProjectError
from studio.project.fields import show

FORMAT = "attention-video-studio"
CURRENT_VERSION = 2

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}  # from-version -> step to from-version + 1


def migration(from_version: int) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS[from_version] = fn
        return fn

    return register


@migration(0)
def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    settings = data.setdefault("settings", {})
    if isinstance(settings, dict) and "generation_time" in data:
        settings.setdefault("duration", data.pop("generation_time"))
    for placement in data.get("placements", []):
        if isinstance(placement, dict) and isinstance(placement.get("importance"), int | float):
            value = placement["importance"]
            placement["importance"] = [{"time": 0.0, "value": value, "interp": "hold"}]
    return data


@migration(1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Pins are new in version 2: a version-1 placement has none (anything under "pins" was not ours)."""
    for placement in data.get("placements", []):
        if isinstance(placement, dict):
            placement["pins"] = []
    return data


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed file to :data:`CURRENT_VERSION`; refuse other formats and newer versions."""
    if data.get("format") != FORMAT:
        got = show(data.get("format"))
        raise ProjectError(f'format: expected "{FORMAT}", got {got}: not an Attention Video Studio project')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectError(f"version: expected an integer >= 0, got {show(version)}")
    if version > CURRENT_VERSION:
        raise ProjectError(
            f"made by a newer Attention Video Studio (version {version}); "
            f"this one reads up to {CURRENT_VERSION}"
        )
    if version < CURRENT_VERSION:
        data = copy.deepcopy(data)  # the caller's dict stays as read
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    return data
