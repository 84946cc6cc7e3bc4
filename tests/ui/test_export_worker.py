"""Exports as jobs off the GUI thread: the preview keeps answering while a render runs, a cancel mid-render
leaves no file and no thread, closing the window mid-render joins it, and the estimate never runs on the GUI
thread; the engine's own Progress records and warnings reach the GUI thread.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.engine.render import Progress
from studio.project import load_project
from studio.ui.engine.host import EngineHost
from tests.ui.engine_support import started_host


def long_project(project_file: Path) -> Any:
    project = load_project(project_file)
    project.settings = dataclasses.replace(project.settings, duration=120.0)  # 1440 frames: outlasts any test
    return project


@pytest.fixture()
def host(qtbot, project_file: Path) -> Iterator[EngineHost]:  # noqa: ANN001
    yield from started_host(project_file)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "proj.avsproj.json")


def start_export(qtbot, host: EngineHost, project: Any, out: Path) -> tuple[Any, list[Progress]]:  # noqa: ANN001
    """Start a render and wait until it has written frames: from then on it is really running."""
    progress: list[Progress] = []
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


class FakeRender:
    """A stand-in RenderJob: three records, a warning after the first frame, then the result."""

    def __init__(self, project: Any, output: Path, **kwargs: Any) -> None:
        self.output = output
        self.result: Any = None

    def __iter__(self):  # noqa: ANN204
        from studio.engine.render import RenderResult

        yield Progress.measure(1, 2, 0.5)
        yield Progress.measure(2, 2, 1.0, warnings=("no VAE is trained",))
        self.output.write_bytes(b"")
        self.result = RenderResult(self.output, 2, 1.0, 2.0, ("no VAE is trained",), "cpu")
        yield Progress.measure(2, 2, 1.0, stage="done", warnings=self.result.warnings, result=self.result)


def test_engine_warnings_reach_the_host_once_and_the_result(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    host._job_factory = FakeRender
    warnings: list[str] = []
    progress: list[Progress] = []
    host.warning.connect(warnings.append)
    host.exportProgress.connect(progress.append)
    with qtbot.waitSignal(host.exportFinished, timeout=10000) as s:
        host.export(load_project(project_file), tmp_path / "w.mp4")
    assert s.args == [str(tmp_path / "w.mp4")]
    assert [p.stage for p in progress] == ["frames", "frames", "done"]  # the engine's records, as they came
    assert progress[-1].result.warnings == ("no VAE is trained",)
    qtbot.waitUntil(lambda: not host.exporting, timeout=10000)
    assert warnings == ["no VAE is trained"]  # once, though two records carried it


def test_a_job_error_is_reported_not_swallowed(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    """superqt's own generator loop ends silently on a RuntimeError (torch's usual error): ours reports it."""

    class Broken(FakeRender):
        def __iter__(self):  # noqa: ANN204
            yield Progress.measure(1, 2, 0.5)
            raise RuntimeError("CUDA error: an illegal memory access")

    host._job_factory = Broken
    with qtbot.waitSignal(host.exportFailed, timeout=10000) as s:
        host.export(load_project(project_file), tmp_path / "x.mp4")
    assert s.args == ["RuntimeError: CUDA error: an illegal memory access"]
    qtbot.waitUntil(lambda: not host.exporting, timeout=10000)


def test_preview_warnings_reach_the_host(qtbot, project_file: Path) -> None:  # noqa: ANN001
    import numpy as np

    from studio.engine.frame import RenderedFrame

    class Renderer:
        def __init__(self, project: Any, device: str) -> None:
            self.said = ["guide mode without a guide frame"]

        def render(self, n: int) -> RenderedFrame:
            return RenderedFrame(n, np.zeros((48, 64, 3), np.uint8), np.zeros(2, np.float32),
                                 np.zeros((2, 6, 8), np.float16), np.zeros(0, np.int64))  # fmt: skip

        def take_warnings(self) -> list[str]:
            said, self.said = self.said, []
            return said

        def set_project(self, project: Any) -> None:
            pass

    h = EngineHost(renderer_factory=Renderer, refine=False)
    h.update_project(load_project(project_file))
    h.start()
    try:
        warnings: list[str] = []
        h.warning.connect(warnings.append)
        with qtbot.waitSignal(h.frameReady, timeout=10000):
            h.request_frame(0)
        with qtbot.waitSignal(h.frameReady, timeout=10000):
            h.request_frame(1)
        qtbot.waitUntil(lambda: warnings != [], timeout=5000)
        assert warnings == ["guide mode without a guide frame"]
    finally:
        assert h.shutdown()
