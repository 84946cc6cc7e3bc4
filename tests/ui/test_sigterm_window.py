"""SIGTERM closes the window as Quit does, without a question, and keeps unsaved work for recovery."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from studio.project.commands import SetSetting
from studio.ui.app.terminate import quit_on_sigterm

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def test_sigterm_closes_the_window_and_keeps_the_autosave(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    window.document.push(SetSetting("seed", 99))  # unsaved work
    asked: list[bool] = []
    window.document.ask_unsaved = lambda: asked.append(True)  # type: ignore[method-assign]
    previous_handler = signal.getsignal(signal.SIGTERM)
    try:
        quit_on_sigterm(QApplication.instance(), window)
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        signal.set_wakeup_fd(-1)
    assert asked == []  # no one is there to answer a question
    assert not window.host.thread.isRunning()
    assert window.autosaver.autosave_path.is_file() and window.autosaver.marker.is_file()
