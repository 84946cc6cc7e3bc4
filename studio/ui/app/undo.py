"""QUndoCommand wrappers over the pure commands of ``studio.project.commands``.

Why apply first and push after: QUndoStack.push() calls redo() and cannot be told that it failed. A pure
command validates before it mutates and raises ProjectError when refused, so ``push_command`` runs it once
itself; only a command that succeeded reaches the stack (its first redo() from push is then skipped).
Anything that edits the project — this window, the timeline, the attention panel — goes through here, so
the stack's index moves on every edit, undo and redo; that is where the document announces what changed
(``studio.project.events``).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

MERGE_ID = 0x5E7  # QUndoStack only tries to merge commands that share an id
MERGE_WINDOW_S = 2.0


def _setting_keys(command: Any) -> tuple[str, ...] | None:
    """The settings a SetSettings-like command changes (it restores a whole snapshot on undo)."""
    values = getattr(command, "values", None)
    if type(command).__name__ in ("SetSettings", "SetSetting") and isinstance(values, dict):
        return tuple(sorted(values))
    return None


class ProjectCommand(QUndoCommand):
    """One undo step. With ``merge=True`` (the inspector's fields), repeated edits of the same setting within
    two seconds (spin box arrows, a held key) merge into one step: undo restores the value from before the
    first, redo applies the last. Gestures (timeline drags) stay one step each."""

    def __init__(self, project: Any, command: Any, *, applied: bool = True, merge: bool = False) -> None:
        super().__init__(getattr(command, "text", "") or type(command).__name__)
        self.project = project
        self.command = command  # its undo() restores the state before this step
        self.last = command  # its redo() gives the state after this step
        self._skip_redo = applied
        self._keys = _setting_keys(command) if merge else None
        self._stamp = time.monotonic()

    def id(self) -> int:
        return MERGE_ID if self._keys else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, ProjectCommand) or other._keys != self._keys:
            return False
        if other._stamp - self._stamp > MERGE_WINDOW_S:
            return False
        self.last, self._stamp = other.last, other._stamp
        return True

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.last.redo(self.project)

    def undo(self) -> None:
        self.command.undo(self.project)


def push_command(stack: QUndoStack, project: Any, command: Any, *, merge: bool = False) -> Any:
    """Apply ``command`` to ``project`` and record it; a refused edit raises and records nothing."""
    command.redo(project)
    stack.push(ProjectCommand(project, command, applied=True, merge=merge))
    return command
