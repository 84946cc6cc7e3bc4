"""A pure-Python undo stack with transactions (the Pitivi idea): a group of edits that fails half-way is
rolled back as a whole, so the document never stays in a state no single user action produced.

The desktop app may use QUndoStack instead (wrapping each command); this one serves the CLI, scripts and
tests, and defines the semantics the Qt wrapper must keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from studio.project.commands import Command, Macro
from studio.project.model import Project

Listener = Callable[[Command], None]


class UndoStack:
    def __init__(self, project: Project, on_change: Listener | None = None) -> None:
        self.project = project
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean: int | None = 0  # len(_done) at the last save; None = that state is unreachable
        self._open: list[Macro] = []  # transactions being recorded, innermost last
        self._listeners: list[Listener] = [on_change] if on_change else []

    # -- edits -------------------------------------------------------------------------------------
    def push(self, command: Command) -> Command:
        """Apply and record. A command that raises leaves the project and the stack unchanged."""
        command.redo(self.project)
        if self._open:
            self._open[-1].commands.append(command)
        else:
            self._record(command)
        self._notify(command)
        return command

    def _record(self, command: Command) -> None:
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None  # the saved state was in the redo tail we are dropping
        self._done.append(command)
        self._undone.clear()

    def undo(self) -> Command | None:
        self._refuse_inside_transaction()
        if not self._done:
            return None
        command = self._done.pop()
        command.undo(self.project)
        self._undone.append(command)
        self._notify(command)
        return command

    def redo(self) -> Command | None:
        self._refuse_inside_transaction()
        if not self._undone:
            return None
        command = self._undone.pop()
        command.redo(self.project)
        self._done.append(command)
        self._notify(command)
        return command

    @contextmanager
    def transaction(self, text: str) -> Iterator[Macro]:
        """Commands pushed inside become one undo step; an escaping exception undoes them all, re-raised."""
        macro = Macro(text)
        self._open.append(macro)
        try:
            yield macro
        except BaseException:
            self._open.pop()
            for command in reversed(macro.commands):
                command.undo(self.project)
                self._notify(command)
            raise
        self._open.pop()
        if not macro.commands:
            return
        if self._open:
            self._open[-1].commands.append(macro)  # nested: part of the outer step
        else:
            self._record(macro)

    def _refuse_inside_transaction(self) -> None:
        if self._open:
            raise RuntimeError("undo/redo inside a transaction")

    # -- state ---------------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done) and not self._open

    @property
    def can_redo(self) -> bool:
        return bool(self._undone) and not self._open

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def is_clean(self) -> bool:
        """True when the document equals the last saved one (by history, not by comparing)."""
        return self._clean == len(self._done) and not self._open

    def set_clean(self) -> None:
        self._clean = len(self._done)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean = 0

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _notify(self, command: Command) -> None:
        for listener in self._listeners:
            listener(command)
