"""Fixtures for the window's tests: a private QSettings store, small real projects, and a window that is
always shut down at the end of its test.

Every test here is checked for threads left running (``no_thread_left``, the one autouse fixture): Python
threads daemon or not (the engine's decode and encode threads are daemons), QThreads started from Python,
threads Python did not start but that ran Python code (pool threads), and the global thread pool, each
after a short grace for threads that are finishing. The rest is opt-in: the timeline/attention tests in
this folder keep their own setup.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QThreadPool
from PySide6.QtWidgets import QMessageBox

from studio.project import Placement, Project, clip_from_info, save_project
from studio.project.model import GenerationSettings


@pytest.fixture()
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """QSettings (layout, recent files) go to a temp INI folder, never the user's."""
    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("STUDIO_SETTINGS_DIR", str(folder))
    return folder


@pytest.fixture()
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Autosaves and session markers of this test only."""
    folder = tmp_path / "state"
    monkeypatch.setenv("STUDIO_STATE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def two_clips(make_test_clip: Callable[..., Path]) -> tuple[Path, Path]:
    """Two real 1 s clips (one with audio) at 64x48, 24 fps."""
    a = make_test_clip("ui_a.mp4", gop=8)
    b = make_test_clip("ui_b.mp4", gop=8, audio=True, pattern="static")
    return a, b


def small_settings(duration: float = 1.0) -> GenerationSettings:
    """Tiny output so the generator runs fast on 2 CPU cores."""
    return GenerationSettings(duration=duration, fps=12.0, width=64, height=48, crf=23)


@pytest.fixture()
def project_file(tmp_path: Path, two_clips: tuple[Path, Path]) -> Path:
    """A saved project: both clips placed over the whole 1 s output, overlapping."""
    from studio.media import probe

    clips = [clip_from_info(f"clip-{i + 1}", p, probe(p)) for i, p in enumerate(two_clips)]
    placements = [Placement(f"p-{i + 1}", c.id, 0.0, 1.0) for i, c in enumerate(clips)]
    project = Project("ui test", clips, placements, small_settings())
    return save_project(project, tmp_path / "proj.avsproj.json")


JOIN_GRACE_S = 5.0  # for a thread that is finishing (a worker past its last signal, a decoder closing)
# Module-level executors (the models' optical-flow pools): they live as long as the process by design.
PROCESS_POOL_PREFIXES = ("dis-flow", "flow_")


def _still_running(thread: threading.Thread) -> bool:
    if isinstance(thread, threading._DummyThread):  # started outside Python: Python never sees it end
        return sys.platform.startswith("linux") and Path(f"/proc/self/task/{thread.native_id}").exists()
    return thread.is_alive()


def threads_left(baseline: set[threading.Thread], qthreads: list[QThread], grace_s: float = JOIN_GRACE_S):  # noqa: ANN201
    """What still runs that was not running at ``baseline``, after waiting up to ``grace_s`` for it."""
    deadline = time.monotonic() + grace_s
    left = []
    for qthread in qthreads:
        try:
            if not qthread.wait(max(int((deadline - time.monotonic()) * 1000), 0)):
                left.append(f"QThread {qthread.objectName() or qthread!r}")
        except RuntimeError:  # its C++ object is gone: Qt aborts on deleting a running QThread, so it ended
            pass
    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(max(int((deadline - time.monotonic()) * 1000), 0)):
        left.append(f"{pool.activeThreadCount()} jobs of the global thread pool")
    for thread in threading.enumerate():
        if thread in baseline or thread.name.startswith(PROCESS_POOL_PREFIXES):
            continue
        if not isinstance(thread, threading._DummyThread):
            thread.join(max(deadline - time.monotonic(), 0))
        while _still_running(thread) and time.monotonic() < deadline:
            time.sleep(0.01)
        if _still_running(thread):
            left.append(f"{thread!r} ({_os_name(thread)})")
    return left


def _os_name(thread: threading.Thread) -> str:
    """The name the OS knows the thread by (Qt names its threads: "EngineThread", "Thread (pooled)")."""
    comm = Path(f"/proc/self/task/{thread.native_id}/comm")
    return comm.read_text().strip() if comm.exists() else "?"


@pytest.fixture(autouse=True)
def no_thread_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[QThread]]:
    """Fails a test that leaves a thread running (see the module docstring); QThreads are seen by wrapping
    ``QThread.start`` for the test's duration."""
    baseline = set(threading.enumerate())
    started: list[QThread] = []
    start = QThread.start

    def recording_start(self: QThread, *args: object) -> None:
        started.append(self)
        start(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield started
    monkeypatch.undo()
    left = threads_left(baseline, started)
    started.clear()  # the wrappers may go now
    assert not left, f"threads left running: {left}"


def assert_no_leaks(window, baseline: set[threading.Thread]) -> None:  # noqa: ANN001
    assert not window.host.thread.isRunning(), "the engine thread outlived the window"
    assert window.library.jobs.pool.activeThreadCount() == 0
    left = threads_left(baseline, [window.host.thread])
    assert not left, f"threads left running: {left}"


@pytest.fixture()
def make_window(qtbot, settings_dir: Path, state_dir: Path) -> Iterator[Callable[..., object]]:  # noqa: ANN001
    """``make_window(project_path, show=True)`` → a MainWindow; shut down and leak-checked after the test.

    An unshown window never starts its engine thread (it starts on the first show), which keeps tests that
    only look at the document/layout free of rendering."""
    from studio.ui import build_main_window

    windows = []
    baseline = set(threading.enumerate())

    def make(project_path: Path | None = None, show: bool = True, **kwargs: object):  # noqa: ANN202
        window = build_main_window(project_path, **kwargs)
        qtbot.addWidget(window)
        # pytest-qt closes the window before this fixture's teardown: never block on the prompt there.
        window.document.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        if show:
            window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
        assert_no_leaks(window, baseline)
