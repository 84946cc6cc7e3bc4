"""An unreadable file in a narrow library dock: its "unreadable: <reason>" was in the last column, scrolled
off and cut to "unread". Status now shows right after Name, long texts lose their middle rather than their
end, and the status cell's tooltip is the whole text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from studio.project import Project
from studio.ui.library.panel import COLUMNS, LibraryPanel
from tests.clipfactory import make_text_as_video

STATUS = len(COLUMNS) - 1


def test_a_long_status_is_elided_in_the_middle_with_the_whole_text_as_tooltip(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    lib = LibraryPanel()
    qtbot.addWidget(lib)
    lib.set_project(Project())
    lib.resize(360, 300)  # a narrow dock
    lib.show()
    qtbot.waitExposed(lib)
    bad = make_text_as_video(tmp_path / "notes.mp4")
    lib.import_files([bad])
    qtbot.waitUntil(lambda: lib.tree.topLevelItemCount() == 1 and not lib.busy, timeout=30000)
    row = lib.tree.topLevelItem(0)
    text = row.text(STATUS)
    assert text.startswith("unreadable: ") and len(text) > len("unreadable: ") + 8
    assert row.toolTip(STATUS) == text  # the whole of it, however narrow the column

    # shown right after the name, inside the dock, its text elided in the middle
    cell = lib.tree.visualRect(lib.tree.indexFromItem(row, STATUS))
    assert cell.left() >= 0 and cell.right() <= lib.tree.viewport().width()
    shown = lib.tree.fontMetrics().elidedText(text, lib.tree.textElideMode(), cell.width() - 8)
    assert shown != text  # narrow enough to be elided at all
    assert shown.startswith("unread") and shown.endswith(text[-3:])  # its head and its end both show
    assert lib.tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert lib.grab().save(str(tmp_path / "library-status.png"))  # to look at when the layout changes
    lib.jobs.wait()
