"""QUndoCommand wrappers over the pure commands of ``studio.project.commands``.

Why apply first and push after: QUndoStack.push() calls redo() and cannot be told that it failed. A pure
command validates before it mutates and raises ProjectError when refused, so ``push_command`` runs it once
itself; only a command that succeeded reaches the stack (its first redo() from push is then skipped).
Anything that edits the project — this window, the timeline, the attention panel — goes through here, so
``QUndoStack.indexChanged`` is the one signal that says "the document changed".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack


class ProjectCommand(QUndoCommand):
    def __init__(self, project: Any, command: Any, *, applied: bool = True) -> None:
        super().__init__(getattr(command, "text", "") or type(command).__name__)
        self.project = project
        self.command = command
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.command.redo(self.project)

    def undo(self) -> None:
        self.command.undo(self.project)


def push_command(stack: QUndoStack, project: Any, command: Any) -> Any:
    """Apply ``command`` to ``project`` and record it; a refused edit raises and records nothing."""
    command.redo(project)
    stack.push(ProjectCommand(project, command, applied=True))
    return command


def last_command(stack: QUndoStack) -> Any | None:
    """The pure command behind the most recent step (to read ``affects_render``/``time_range``)."""
    index = stack.index()
    if index <= 0:
        return None
    cmd = stack.command(index - 1)
    return getattr(cmd, "command", None)
