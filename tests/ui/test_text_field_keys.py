"""Text fields keep their keys, the window's Ctrl-shortcuts still work from them (studio.ui.app.key_routing),
checked with QTest key clicks on the inspector's spin box, the way a user types.

Whether a field claims a key at its ShortcutOverride depends on the platform's key bindings, and the
offscreen platform's are not those that went wrong. So each test first makes the spin box behave as it did
there, with an event filter: on X11 (and macOS) Ctrl+E is the field's "end of line", so the field claims it;
where letters went to the window's shortcuts, the field did not claim them. The router must get it right
either way."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication

CTRL = Qt.KeyboardModifier.ControlModifier


class ClaimsCtrlE(QObject):
    """The field takes Ctrl+E, as X11's emacs-style "end of line" binding makes a line edit do."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        is_override = event.type() == QEvent.Type.ShortcutOverride
        if is_override and event.key() == Qt.Key.Key_E and event.modifiers() & CTRL:
            event.accept()
            return True
        return False


class LeavesLetters(QObject):
    """The field never claims a plain key: each one would fire a window shortcut of that key."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.typed: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and not event.modifiers() & CTRL:
            return True  # not accepted: left to the shortcuts
        if event.type() == QEvent.Type.KeyPress:
            self.typed.append(event.text())
        return False


def _focused_seed_box(qtbot, window, *filters: type[QObject]):  # noqa: ANN001, ANN202
    with qtbot.waitActive(window):
        window.activateWindow()  # shortcuts need the active window, as with a real user
    box = window.inspector.fields["seed"]
    installed = [f(box) for f in filters]
    for f in installed:
        box.installEventFilter(f)
    box.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    return box, installed


def test_ctrl_e_opens_the_export_from_a_spin_box(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    box, _ = _focused_seed_box(qtbot, window, ClaimsCtrlE)
    assert window.export_dialog is None
    qtbot.keyClick(box, Qt.Key.Key_E, CTRL)
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.close()  # its estimate still running is joined when the window shuts down


def test_letters_typed_in_a_spin_box_stay_in_it(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    box, (letters,) = _focused_seed_box(qtbot, window, LeavesLetters)
    pb = window.playback
    fired: list[str] = []
    for name, action in window.actions_by_name.items():
        action.triggered.connect(lambda _checked=False, n=name: fired.append(n))
    for key in (Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_L, Qt.Key.Key_I, Qt.Key.Key_O, Qt.Key.Key_Space):
        qtbot.keyClick(box, key)
    assert fired == [] and not pb.playing and pb.in_point is None and pb.out_point is None
    assert letters.typed == ["j", "k", "l", "i", "o", " "]  # each reached the field
    qtbot.keyClick(box, Qt.Key.Key_A, CTRL)  # the field's own chord: select all, not a window action
    qtbot.keyClicks(box, "42")
    assert box.text() == "42" and fired == []
    window.document.stack.setClean()
