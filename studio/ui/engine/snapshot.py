"""Copies of the project handed to the engine thread, and the key that says whether pixels could change.

The GUI keeps editing its own project; the engine gets a deep copy so no object is shared across threads.
The render key leaves out what the preview does not depend on (export quality: crf and the synthesis
quality, which the preview picks itself, draft then final; audio, the name, the file path), so such edits
keep the preview cache.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

# Fields that never change a preview frame's pixels: the project's own name/file, and export-only settings.
_NOT_RENDERED_PROJECT = ("name", "path")
_NOT_RENDERED_SETTINGS = ("crf", "audio")
_NOT_RENDERED_ENGINE = ("quality",)  # the preview plays draft and refines to final whatever export makes


def snapshot(project: Any) -> Any:
    return copy.deepcopy(project)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def render_key(project: Any) -> str:
    """A short hash of everything in the project that can change a rendered frame."""
    plain = _plain(project)
    if isinstance(plain, dict):
        for name in _NOT_RENDERED_PROJECT:
            plain.pop(name, None)
        settings = plain.get("settings")
        if isinstance(settings, dict):
            for name in _NOT_RENDERED_SETTINGS:
                settings.pop(name, None)
            engine = settings.get("engine")
            if isinstance(engine, dict):
                for name in _NOT_RENDERED_ENGINE:
                    engine.pop(name, None)
    text = json.dumps(plain, sort_keys=True, default=repr)
    return hashlib.sha1(text.encode()).hexdigest()[:16]
