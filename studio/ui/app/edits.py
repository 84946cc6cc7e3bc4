"""The window's edits that are not a panel's own gesture: import, remove, relink, place, delete, settings.

Each becomes one undo step on the document (several commands as one ``Macro``, all or nothing); a refused
edit is a one-line message, never an exception into Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.project import AddClip, Macro, RelinkClip, RemoveClip, RemovePlacement, SetSettings
from studio.project.model import clip_from_info
from studio.project.placing import place_clips
from studio.ui.app.documents import Document


class Edits:
    def __init__(self, document: Document, playhead_seconds: Callable[[], float]) -> None:
        self.document = document
        self.playhead_seconds = playhead_seconds

    @property
    def project(self) -> Any:
        return self.document.project

    def push_all(self, commands: list[Any], text: str) -> bool:
        """One command as itself, several as one undo step (all or nothing)."""
        if not commands:
            return False
        return self.document.push(commands[0] if len(commands) == 1 else Macro(text, commands))

    def add_clips(self, probed: list[tuple[Path, Any]]) -> None:
        """Readable files from the library → one undo step adding them all."""
        ids = self.project.new_ids("clip", len(probed))
        try:  # a file past the project's limits (``limits.CLIP``) is refused by name, as a refused edit is
            commands = [AddClip(clip_from_info(i, p, info)) for i, (p, info) in zip(ids, probed, strict=True)]
        except StudioError as exc:
            self.document.message.emit(str(exc))
            return
        self.push_all(commands, f"Import {len(commands)} clips")

    def remove_clips(self, clip_ids: list[str]) -> None:
        self.push_all([RemoveClip(cid) for cid in clip_ids], "Remove clips")

    def relink(self, clip_id: str, probed: tuple[Path, Any]) -> None:
        path, info = probed
        self.document.push(RelinkClip(clip_id, path, info))

    def place_clips(self, clip_ids: list[str], start: float | None = None) -> None:
        """Clips on the timeline at the playhead, overlapping, each for its usable length (one undo step)."""
        start = self.playhead_seconds() if start is None else start
        command = place_clips(self.project, clip_ids, start, "stack")
        if command is not None:
            self.document.push(command)

    def remove_placement(self, placement_id: str) -> None:
        self.document.push(RemovePlacement(placement_id))

    def set_settings(self, label: str, values: dict) -> bool:
        """The inspector's fields; quick repeats of one field merge into one undo step."""
        return self.document.push(SetSettings(values, label), merge=True)
