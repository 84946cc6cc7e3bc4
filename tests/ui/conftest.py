"""Fixtures for the window's tests: a private QSettings store, small real projects, and a window that is
always shut down (and checked for leaked threads) at the end of its test.

Nothing here is autouse: the timeline/attention tests in this folder keep their own setup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
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


def assert_no_leaks(window, baseline: set[threading.Thread]) -> None:  # noqa: ANN001
    assert not window.host.thread.isRunning(), "the engine thread outlived the window"
    assert window.library.jobs.pool.activeThreadCount() == 0
    assert QThreadPool.globalInstance().waitForDone(5000)
    extra = [t for t in threading.enumerate() if t not in baseline and t.is_alive() and not t.daemon]
    assert not extra, f"threads left running: {extra}"


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
