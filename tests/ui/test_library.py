"""The library: background probing of several files at once (dialog or drop), unreadable files shown with
their one-line reason, columns from the probe, thumbnails, offline badges, remove and relink."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from studio.project import AddClip, Project, clip_from_info, mark_missing
from studio.ui.library.panel import CLIP_MIME, COLUMNS, LibraryPanel
from tests.clipfactory import truncate_copy

STATUS = len(COLUMNS) - 1


def _library(qtbot) -> LibraryPanel:  # noqa: ANN001
    lib = LibraryPanel()
    qtbot.addWidget(lib)
    lib.set_project(Project())
    return lib


def test_import_probes_in_background_and_reports_unreadable_files(
    qtbot,  # noqa: ANN001
    two_clips: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    lib = _library(qtbot)
    bad = truncate_copy(two_clips[0], tmp_path / "cut.mp4", 0.3)
    with qtbot.waitSignal(lib.importProbed, timeout=30000) as blocker:
        lib.import_files([two_clips[0], bad, two_clips[1]])
        assert lib.busy  # returned at once: probing runs off the GUI thread
    probed = blocker.args[0]
    assert [p for p, _ in probed] == [two_clips[0].resolve(), two_clips[1].resolve()]
    assert probed[1][1].audio is not None and probed[0][1].audio is None
    row = lib.tree.topLevelItem(0)
    assert row.text(0).startswith("⚠") and "cut.mp4" in row.text(0)
    reason = row.toolTip(0)
    assert reason and "\n" not in reason
    assert row.text(STATUS) == f"unreadable: {reason}"
    lib.jobs.wait()


def test_rows_show_probe_columns_thumbnails_and_offline_badges(
    qtbot,  # noqa: ANN001
    two_clips: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    from studio.media import probe

    lib = _library(qtbot)
    project = Project()
    for i, path in enumerate(two_clips):
        AddClip(clip_from_info(f"clip-{i + 1}", path, probe(path))).redo(project)
    gone = clip_from_info("clip-3", tmp_path / "gone.mp4", probe(two_clips[0]))
    AddClip(dataclasses.replace(gone, name="gone")).redo(project)
    mark_missing(project)
    lib.set_project(project)
    probed = lambda: all(lib.row_for(c).text(4) == "h264" for c in ("clip-1", "clip-2"))  # noqa: E731
    qtbot.waitUntil(probed, timeout=30000)
    qtbot.waitUntil(lambda: not lib.row_for("clip-1").icon(0).isNull(), timeout=30000)
    a, b = lib.row_for("clip-1"), lib.row_for("clip-2")
    assert [a.text(i) for i in range(1, 6)] == ["0:01.00", "64×48", "24", "h264", "no"]
    assert b.text(5).startswith("aac 2ch")
    assert a.text(STATUS) == "ok"
    offline = lib.row_for("clip-3")
    assert offline.text(0) == "⚠ gone"
    assert offline.text(STATUS).startswith("offline: file not found")
    assert "gone.mp4" in offline.toolTip(3)
    lib.jobs.wait()


def test_drop_remove_and_relink(qtbot, two_clips: tuple[Path, Path]) -> None:  # noqa: ANN001
    from studio.media import probe

    lib = _library(qtbot)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in two_clips])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, buttons, modifiers)
    with qtbot.waitSignal(lib.importProbed, timeout=30000) as blocker:
        lib.dropEvent(drop)
    assert len(blocker.args[0]) == 2

    project = Project()
    AddClip(clip_from_info("clip-1", two_clips[0], probe(two_clips[0]))).redo(project)
    lib.set_project(project)
    lib.row_for("clip-1").setSelected(True)
    dragged = lib.tree.mimeData(lib.tree.selectedItems())  # what a drag onto the timeline carries
    assert bytes(dragged.data(CLIP_MIME).data()) == b"clip-1"
    with qtbot.waitSignal(lib.removeRequested, timeout=1000) as removed:
        lib.remove_button.click()
    assert removed.args == [["clip-1"]]
    with qtbot.waitSignal(lib.relinkRequested, timeout=30000) as relinked:
        lib.relink("clip-1", two_clips[1])
    clip_id, (path, info) = relinked.args
    assert clip_id == "clip-1" and path == two_clips[1].resolve() and info.audio is not None
    lib.jobs.wait()


def test_generated_clips_are_marked_with_their_provenance(qtbot, two_clips: tuple[Path, Path]) -> None:  # noqa: ANN001
    from studio.media import probe

    lib = _library(qtbot)
    project = Project()
    made = {"operation": "extend", "model": "convlstm", "inputs": [{"clip_id": "clip-1", "name": "beach"}]}
    AddClip(clip_from_info("clip-1", two_clips[0], probe(two_clips[0]))).redo(project)
    generated = clip_from_info("clip-2", two_clips[1], probe(two_clips[1]))
    AddClip(dataclasses.replace(generated, provenance=made)).redo(project)
    lib.set_project(project)
    assert lib.row_for("clip-1").text(STATUS) == "ok"
    row = lib.row_for("clip-2")
    assert row.text(STATUS) == "generated (convlstm)"
    assert "extend by convlstm from beach" in row.toolTip(0)
    lib.jobs.wait()
