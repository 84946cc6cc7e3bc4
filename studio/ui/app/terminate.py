"""SIGTERM for the window (a logout, ``kill``, a session manager): close as Quit does, without a question no
one is there to answer.

Running exports cancel (their writers delete the temp files), threads are joined, and unsaved changes stay
in the autosave, offered back at the next start as after a crash. A Python signal handler only runs when the
interpreter gets control, which Qt's event loop does not give back by itself: ``signal.set_wakeup_fd``
makes the C-level handler write a byte to a socket that a ``QSocketNotifier`` watches, and the slot that
reads it lets Python run the handler.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from studio.ui.app.main_window import MainWindow


def terminate(window: MainWindow) -> None:
    """Close the window now: everything stops as on Quit; unsaved work is kept for recovery."""
    window.shutdown()  # cancels exports, joins threads; drops the autosave as a clean exit does
    window.autosaver.save_now()  # ... so write it again when there is unsaved work: it is offered next start
    window.close()
    app = QApplication.instance()
    if app is not None:
        app.quit()


class _SignalWake(QObject):
    """Owns the socket pair and notifier (kept alive as the app's child) that wake Python for signals."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.reader, self.writer = socket.socketpair()
        for end in (self.reader, self.writer):
            end.setblocking(False)
        self.previous_fd = signal.set_wakeup_fd(self.writer.fileno(), warn_on_full_buffer=False)
        self.notifier = QSocketNotifier(self.reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.recv(64)  # the byte only woke us; Python runs the handler after this slot returns


def quit_on_sigterm(app: QApplication, window: MainWindow) -> None:
    """Install the SIGTERM handler for this window (main thread only; a no-op where there is no SIGTERM)."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        return
    app._studio_signal_wake = _SignalWake(app)  # type: ignore[attr-defined]  # kept alive with the app
    signal.signal(signal.SIGTERM, lambda signum, frame: terminate(window))
