"""The export dialog's frames (whole timeline or the in/out range), its queue (two exports run one after the
other on the host's pool, each with progress and a result; a waiting one can be cancelled), what it
remembers (the last folder, where it was on screen) and its estimate following the document."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from studio.project import SetSetting, load_project
from studio.ui.engine.host import EngineHost
from studio.ui.export.dialog import ExportDialog
from studio.ui.export.fields import IN_OUT, WHOLE
from studio.ui.export.queue import CANCELLED, DONE, RUNNING, ExportQueue
from tests.ui.engine_support import started_host


@pytest.fixture()
def host(qtbot) -> Iterator[EngineHost]:  # noqa: ANN001
    yield from started_host()


@pytest.fixture()
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _grab(widget, path: Path) -> None:  # noqa: ANN001
    """What it looks like, saved beside the test's files (to look at when a layout changes)."""
    picture = widget.grab()
    assert not picture.isNull() and picture.save(str(path))


def test_the_in_out_range_is_the_default_and_exactly_its_frames_are_exported(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path, settings: QSettings
) -> None:  # noqa: ANN001
    dialog = ExportDialog(host, load_project(project_file), in_out=(3, 8), settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.range_box.currentData() == IN_OUT and "frames 3–8" in dialog.range_box.currentText()
    assert dialog.frames() == range(3, 9)
    qtbot.waitUntil(lambda: dialog.last_estimate is not None, timeout=60000)
    assert dialog.last_estimate.frames == 6  # the estimate is of the range
    _grab(dialog, tmp_path / "export-dialog-range.png")
    out = tmp_path / "range.mp4"
    dialog.path_edit.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.status.text() == "Exported range.mp4"
    assert dialog.progress.value() == dialog.progress.maximum() == 6
    assert _frames(out) == 6

    dialog.last_estimate = None
    dialog.range_box.setCurrentIndex(dialog.range_box.findData(WHOLE))
    assert dialog.frames() is None
    qtbot.waitUntil(lambda: dialog.last_estimate is not None, timeout=60000)
    assert dialog.last_estimate.frames == 12


def test_without_marks_the_range_cannot_be_chosen(qtbot, project_file: Path) -> None:  # noqa: ANN001
    host = EngineHost(job_factory=_NoEstimate)
    dialog = ExportDialog(host, load_project(project_file))
    qtbot.addWidget(dialog)
    try:
        assert dialog.range_box.currentData() == WHOLE and dialog.frames() is None
        assert not dialog.range_box.model().item(1).isEnabled()
        assert not dialog.queue_button.isVisible()  # no queue given: no button for one
    finally:
        assert host.shutdown()


class _NoEstimate:
    """A job factory for dialogs whose estimate does not matter here."""

    def __init__(self, project, output, **kwargs) -> None:  # noqa: ANN001
        self.output = output

    def estimate(self):  # noqa: ANN202
        raise RuntimeError("no estimate in this test")


def test_the_queue_runs_two_exports_one_after_the_other(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path, settings: QSettings
) -> None:  # noqa: ANN001
    queue = ExportQueue(host)
    running_at_once: list[int] = []
    started: list[str] = []

    def watch(item) -> None:  # noqa: ANN001
        running_at_once.append(sum(i.state == RUNNING for i in queue.items))
        if item.state == RUNNING and item.output.name not in started:
            started.append(item.output.name)

    queue.changed.connect(watch)
    project = load_project(project_file)
    dialog = ExportDialog(host, project, in_out=(0, 4), settings=settings, queue=queue)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "first.mp4"))
    dialog.add_to_queue()  # the range, 5 frames
    assert "Queued first.mp4 (5 frames), #1" in dialog.status.text()
    dialog.range_box.setCurrentIndex(dialog.range_box.findData(WHOLE))
    dialog.path_edit.setText(str(tmp_path / "second.mp4"))
    dialog.add_to_queue()  # the whole timeline, 12 frames
    # a third, waiting behind them, is cancelled before it starts: it never runs
    long = dataclasses.replace(project, settings=dataclasses.replace(project.settings, duration=30.0))
    third = queue.add(long, tmp_path / "third.mp4")
    queue.cancel(third)
    panel = queue.panel
    assert panel is not None and panel.isVisible() and panel.tree.topLevelItemCount() == 3
    qtbot.waitUntil(lambda: all(i.state in (DONE, CANCELLED) for i in queue.items), timeout=120000)
    first, second, _ = queue.items
    assert (first.state, second.state, third.state) == (DONE, DONE, CANCELLED)
    assert started == ["first.mp4", "second.mp4"] and max(running_at_once) == 1
    assert (_frames(tmp_path / "first.mp4"), _frames(tmp_path / "second.mp4")) == (5, 12)
    assert not (tmp_path / "third.mp4").exists()
    row = panel.rows[id(second)]
    assert row.text(3) == "12/12" and row.text(5) == "done: wrote second.mp4"
    assert panel.tree.itemWidget(row, 4).value() == 12
    _grab(panel, tmp_path / "export-queue.png")
    queue.clear_finished()
    assert queue.items == [] and panel.tree.topLevelItemCount() == 0
    panel.close()


def test_the_dialog_remembers_its_folder_and_where_it_was(
    qtbot, project_file: Path, tmp_path: Path, settings: QSettings
) -> None:  # noqa: ANN001
    host = EngineHost(job_factory=_NoEstimate)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setGeometry(0, 0, 400, 500)  # narrower than the dialog: the offscreen screen is 800 px wide
    window.show()
    project = load_project(project_file)
    try:
        dialog = ExportDialog(host, project, window, settings=settings, queue=ExportQueue(host))
        dialog.show()
        qtbot.waitExposed(dialog)
        # the first time: beside the window's centre (the viewer), not over it
        assert dialog.frameGeometry().left() >= window.frameGeometry().center().x()
        chosen = tmp_path / "renders"
        chosen.mkdir()
        dialog.path_edit.setText(str(chosen / "mine.mp4"))
        dialog.add_to_queue()  # a folder is remembered once something is exported (or queued) there
        dialog.queue.items[0].task.cancel()
        dialog.move(37, 41)
        dialog.close()

        again = ExportDialog(host, project, window, settings=settings)
        again.show()
        qtbot.waitExposed(again)
        assert again.output == chosen / "proj.mp4"  # not beside the project any more
        assert (again.pos().x(), again.pos().y()) == (37, 41)
        again.close()
    finally:
        assert host.shutdown()


def test_the_estimate_follows_an_edit_and_its_undo(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    dialog = window.show_export_dialog()

    def estimated(frames: int) -> bool:
        return dialog.last_estimate is not None and dialog.last_estimate.frames == frames

    qtbot.waitUntil(lambda: estimated(12), timeout=60000)
    window.document.push(SetSetting("duration", 2.0))
    qtbot.waitUntil(lambda: estimated(24), timeout=60000)  # the edit: twice the frames
    window.document.stack.undo()
    qtbot.waitUntil(lambda: estimated(12), timeout=60000)  # its undo: as before
    dialog.close()
    window.document.stack.setClean()
