"""Menus, toolbar-less actions and the NLE shortcuts, built for a window that provides the handlers.

Kept apart from the window so the window only assembles panels; every action is reachable by name in
``window.actions_by_name`` (tests trigger them the way a menu click would).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from studio.ui.app.interchange import export_otio, import_otio
from studio.ui.attention.open_record import choose_and_open
from studio.ui.export.cluster_dialog import show_cluster_dialog

Handler = Callable[[], Any]


def _action(window: QMainWindow, text: str, handler: Handler, *keys: Any, tip: str = "") -> QAction:
    action = QAction(text, window)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    # Window-wide: the shortcut works whichever panel has focus (panels are docks, not children of one form).
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: handler())
    window.addAction(action)
    return action


def build_actions(window: Any) -> dict[str, QAction]:
    """Create every action with its shortcut and fill the menu bar; returns them by name."""
    w = window
    doc = w.document
    pb = w.playback
    key = QKeySequence.StandardKey
    a: dict[str, QAction] = {
        "new": _action(w, "&New", doc.new, key.New),
        "open": _action(w, "&Open…", doc.open, key.Open),
        "open_record": _action(w, "Open Attention &Record…", partial(choose_and_open, w)),
        "save": _action(w, "&Save", doc.save, key.Save),
        "save_as": _action(w, "Save &As…", doc.save_as, "Ctrl+Shift+S"),
        "import": _action(w, "&Import Clips…", w.library.import_dialog, "Ctrl+I"),
        "export": _action(w, "&Export…", w.show_export_dialog, "Ctrl+E"),
        "render_cluster": _action(w, "Render on &Cluster…", partial(show_cluster_dialog, w), tip="on Ray"),
        "import_otio": _action(w, "Import &OTIO…", partial(import_otio, w), tip="open an editor's cut"),
        "export_otio": _action(w, "Export O&TIO…", partial(export_otio, w), tip="the timeline for an editor"),
        "quit": _action(w, "&Quit", w.close, key.Quit),
        "undo": _action(w, "&Undo", doc.stack.undo, "Ctrl+Z"),
        "redo": _action(w, "&Redo", doc.stack.redo, "Ctrl+Shift+Z", "Ctrl+Y"),
        "delete": _action(w, "&Delete", w.delete_selection, Qt.Key.Key_Delete),
        "place": _action(w, "Add Clip to &Timeline", w.place_selected_clips, "Ctrl+T"),
        "play": _action(w, "&Play / Pause", pb.toggle, Qt.Key.Key_Space),
        "shuttle_back": _action(w, "Shuttle &Backward", partial(pb.shuttle, -1), Qt.Key.Key_J),
        "pause": _action(w, "Pause", pb.pause, Qt.Key.Key_K),
        "shuttle_forward": _action(w, "Shuttle &Forward", partial(pb.shuttle, 1), Qt.Key.Key_L),
        "step_back": _action(w, "Previous Frame", partial(pb.step, -1), Qt.Key.Key_Left),
        "step_forward": _action(w, "Next Frame", partial(pb.step, 1), Qt.Key.Key_Right),
        "start": _action(w, "Go to Start", pb.to_start, Qt.Key.Key_Home),
        "end": _action(w, "Go to End", pb.to_end, Qt.Key.Key_End),
        "mark_in": _action(w, "Mark &In", w.mark_in, Qt.Key.Key_I),
        "mark_out": _action(w, "Mark &Out", w.mark_out, Qt.Key.Key_O),
        "reset_layout": _action(w, "Reset &Layout", w.reset_layout),
    }
    doc.stack.canUndoChanged.connect(a["undo"].setEnabled)
    doc.stack.canRedoChanged.connect(a["redo"].setEnabled)
    doc.stack.undoTextChanged.connect(lambda t: a["undo"].setText(f"&Undo {t}".strip()))
    doc.stack.redoTextChanged.connect(lambda t: a["redo"].setText(f"&Redo {t}".strip()))
    a["undo"].setEnabled(False)
    a["redo"].setEnabled(False)

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    for name in ("new", "open"):
        file_menu.addAction(a[name])
    w.recent_menu = QMenu("Open &Recent", w)
    w.recent_menu.aboutToShow.connect(lambda: fill_recent(w))
    file_menu.addMenu(w.recent_menu)
    file_menu.addAction(a["open_record"])  # read-only, without the project (studio.ui.attention.open_record)
    otio = ("import_otio", "export_otio")  # OpenTimelineIO interchange (studio.ui.app.interchange)
    for name in ("save", "save_as", None, "import", "export", "render_cluster", None, *otio, None, "quit"):
        file_menu.addSeparator() if name is None else file_menu.addAction(a[name])
    edit_menu = bar.addMenu("&Edit")
    for name in ("undo", "redo", None, "delete", "place"):
        edit_menu.addSeparator() if name is None else edit_menu.addAction(a[name])
    play_menu = bar.addMenu("&Playback")
    for name in ("play", "shuttle_back", "pause", "shuttle_forward", None, "step_back", "step_forward"):
        play_menu.addSeparator() if name is None else play_menu.addAction(a[name])
    for name in ("start", "end", None, "mark_in", "mark_out"):
        play_menu.addSeparator() if name is None else play_menu.addAction(a[name])
    w.view_menu = bar.addMenu("&View")
    a["proxies"] = proxy_toggle(w)  # the dock toggles follow (main_window)
    w.view_menu.addAction(a["proxies"])
    w.view_menu.addSeparator()
    return a


def proxy_toggle(window: Any) -> QAction:
    """View ▸ Use Proxies for Preview, as Resolve's and Kdenlive's: the preview and scrubbing read a large
    clip's 540p proxy once it is ready (export always reads the originals); remembered in QSettings."""
    prep = window.library.prep
    action = QAction("Use &Proxies for Preview", window)
    action.setCheckable(True)
    action.setStatusTip("preview large clips from small all-intra copies; export reads the originals")
    action.setChecked(bool(window.settings.value("preview/proxies", True, type=bool)))
    prep.set_use_proxies(action.isChecked())

    def toggled(on: bool) -> None:
        window.settings.setValue("preview/proxies", bool(on))
        prep.set_use_proxies(on)

    action.toggled.connect(toggled)
    return action


def fill_recent(window: Any) -> None:
    menu: QMenu = window.recent_menu
    menu.clear()
    files = window.document.recent()
    for path in files:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _c=False, p=path: window.document.open(p))
    if not files:
        menu.addAction("(none)").setEnabled(False)
