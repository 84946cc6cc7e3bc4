"""Exports on their own thread: the preview keeps answering while a render runs, a cancel mid-render leaves
no file and no thread, closing the window mid-render joins it, and the estimate never runs on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pytest

from studio.project import load_project
from studio.ui.engine.host import EngineHost
from studio.ui.export.worker import ExportProgress


def long_project(project_file: Path) -> Any:
    project = load_project(project_file)
    project.settings = dataclasses.replace(project.settings, duration=120.0)  # 1440 frames: outlasts any test
    return project


@pytest.fixture()
def host(qtbot, project_file: Path):  # noqa: ANN001
    h = EngineHost()
    h.update_project(load_project(project_file))
    h.start()
    yield h
    assert h.shutdown()
    assert h.tasks == []


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "proj.avsproj.json")


def start_export(qtbot, host: EngineHost, project: Any, out: Path) -> tuple[Any, list[ExportProgress]]:  # noqa: ANN001
    """Start a render and wait until it has written frames: from then on it is really running."""
    progress: list[ExportProgress] = []
    host.exportProgress.connect(progress.append)
    task = host.export(project, out)
    assert task is not None and host.exporting
    qtbot.waitUntil(lambda: len(progress) >= 2, timeout=60000)
    return task, progress


def test_preview_frames_are_answered_while_an_export_runs(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    task, progress = start_export(qtbot, host, long_project(project_file), tmp_path / "long.mp4")
    # host.frameReady is the worker's frameReady relayed onto the GUI thread: pytest-qt's blocker must not be
    # called from the engine thread (it would stop its GUI-thread timer from there).
    for n in (5, 9):
        latest = host.shared.generation + 1  # the generation request_frame() is about to take
        with qtbot.waitSignal(
            host.frameReady, timeout=30000, check_params_cb=lambda _n, _r, g, want=latest: g == want
        ) as s:
            assert host.request_frame(n) == latest
        assert s.args[0] == n and s.args[1].frame.shape == (48, 64, 3)
    assert task.is_running() and progress[-1].done < progress[-1].total  # the render was still going
    task.cancel()
    qtbot.waitUntil(lambda: not host.exporting, timeout=30000)
    assert leftovers(tmp_path) == []


def test_cancel_mid_export_leaves_no_file_and_no_thread(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    cancelled: list[bool] = []
    states: list[str] = []
    host.exportCancelled.connect(lambda: cancelled.append(True))
    host.exportStatus.connect(states.append)
    task, _ = start_export(qtbot, host, long_project(project_file), tmp_path / "cut.mp4")
    assert states[-1].startswith("export: ") and "frames" in states[-1]
    with qtbot.waitSignal(host.exportActive, timeout=30000, check_params_cb=lambda on: not on):
        host.cancel()
    assert cancelled == [True]
    assert not task.is_running() and host.tasks == []
    assert states[-1] == ""  # the status bar no longer says an export runs
    assert leftovers(tmp_path) == []  # neither the file nor a temp part


def test_estimate_runs_off_the_gui_thread(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    seen: list[str] = []

    class Job:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def estimate(self) -> str:
            seen.append(threading.current_thread().name)
            return "estimate"

    host._job_factory = Job
    with qtbot.waitSignal(host.estimateReady, timeout=10000) as s:
        host.export(load_project(project_file), tmp_path / "x.mp4", estimate_only=True)
    assert s.args == ["estimate"]
    assert seen and seen[0] != threading.main_thread().name


def test_closing_the_window_mid_export_joins_the_export(
    qtbot, make_window, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    window = make_window(project_file)
    dialog = window.show_export_dialog()
    dialog.project = long_project(project_file)
    folder = tmp_path / "exports"
    folder.mkdir()
    dialog.path_edit.setText(str(folder / "closed.mp4"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.last_progress is not None, timeout=60000)
    assert window.export_label.text().startswith("export: ")
    task = dialog.task
    window.close()  # shuts down: cancels and joins the export (make_window then checks for leaked threads)
    assert not task.is_running() and window.host.tasks == []
    assert leftovers(folder) == []
