"""Keys typed into a text field stay in it; the window's Ctrl-shortcuts still work from it.

Why: the window's transport and marking keys are single keys (Space, J/K/L, I/O, arrows, Home/End, Delete)
with a window-wide context, so that they reach every panel. Typing into a spin box or a line edit must
type, though, and whether Qt lets the field claim a key at its ``ShortcutOverride`` depends on the widget
and on the platform's key bindings. It went wrong both ways: letters typed into a spin box fired the
window's single-key shortcuts, and Ctrl+E (the X11 and macOS binding for "end of line") was claimed by the
field, so File > Export did nothing while a spin box had focus.

:class:`KeyRouter` decides it in one place, the same on every platform. It watches every text field of the
window (those there at the start, and each one that gets focus later: dialogs, lazily built panels), and
when a key is one of the window's shortcuts:

- without Ctrl, Alt or Meta it is the field's (it types, or moves the cursor);
- with them it is the window's, unless it is one of the field's own editing chords (copy, cut, paste,
  select all, undo, redo), which stay with the field as in any text field.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TEXT_FIELDS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)
EDITING_CHORDS = tuple(
    getattr(QKeySequence.StandardKey, name) for name in ("Copy", "Cut", "Paste", "SelectAll", "Undo", "Redo")
)
CHORD_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)
FIELD, WINDOW = "field", "window"


def is_text_field(widget: QObject | None) -> bool:
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, QAbstractSpinBox) and not widget.isReadOnly()


def _combination(event: QKeyEvent) -> QKeyCombination:
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return QKeyCombination(modifiers, Qt.Key(event.key()))


class KeyRouter(QObject):
    """Routes the window's shortcut keys between a focused text field and the window (module docstring)."""

    def __init__(self, window: QWidget, actions: Iterable[QAction]) -> None:
        super().__init__(window)
        self.window = window
        self.shortcuts: set[QKeyCombination] = {
            sequence[0] for action in actions for sequence in action.shortcuts() if sequence.count() == 1
        }
        for widget in window.findChildren(QWidget):
            self.watch(widget)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def watch(self, widget: QObject | None) -> None:
        """Route the keys of ``widget`` if it is a text field (installing twice is harmless in Qt)."""
        if is_text_field(widget):
            widget.installEventFilter(self)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self._belongs_to_window(new):
            self.watch(new)

    def _belongs_to_window(self, widget: QWidget) -> bool:
        """In the window or in one of its own windows (a dialog, a floating dock)."""
        top: QWidget | None = widget.window()
        while top is not None:
            if top is self.window:
                return True
            parent = top.parentWidget()
            top = parent.window() if parent is not None else None
        return False

    def route(self, event: QKeyEvent) -> str | None:
        """FIELD, WINDOW, or None (not a shortcut of the window's: Qt decides as it always does)."""
        if _combination(event) not in self.shortcuts:
            return None
        if not event.modifiers() & CHORD_MODIFIERS:
            return FIELD
        return FIELD if any(event.matches(chord) for chord in EDITING_CHORDS) else WINDOW

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        decision = self.route(event)
        if decision == FIELD:
            event.accept()  # the field gets the key press
            return True
        if decision == WINDOW:
            event.ignore()  # the field never claims it: the window's shortcut runs
            return True
        return False
