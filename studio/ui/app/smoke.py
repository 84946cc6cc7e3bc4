"""``studio gui --smoke-import CLIP`` (hidden): open the window, import a clip, quit (packaging's smoke test).

It exercises what a frozen bundle most often gets wrong: Qt's platform plugins load, the window builds, and
the import's probe runs in a child process (``probe_safe``; in a bundle, the app's own ``--probe-child``
mode). Offscreen (``QT_QPA_PLATFORM=offscreen``) it needs no display. Exit 0 when the clip is in the project;
otherwise one line on stderr and exit 1.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from studio.project import Project
from studio.ui.app.launch import build_main_window, ensure_app


def smoke_import(clip: str | Path, timeout_s: float = 120.0) -> int:
    app = ensure_app()
    window = build_main_window(None)
    window.document.set_project(Project())  # not the last project nor the demo: an empty one
    window.show()
    window.library.import_files([Path(clip)])
    started = time.monotonic()
    outcome: list[int] = []

    def check() -> None:
        try:
            if window.project.clips:
                outcome.append(0)
            elif window.library.busy and time.monotonic() - started < timeout_s:
                return  # still probing
            else:
                errors = list(getattr(window.library, "_errors", {}).values())
                why = errors[0] if errors else f"not imported within {timeout_s:g} s"
                print(f"studio: error: the window's import failed: {why}", file=sys.stderr)
                outcome.append(1)
        except Exception as exc:  # a smoke test reports, in one line, and still quits
            print(f"studio: error: the window failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            outcome.append(1)
        timer.stop()
        window.document.stack.setClean()  # nothing to save: the smoke test made this project
        window.close()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(100)
    app.exec()
    if outcome == [0]:
        clip_info = window.project.clips[0]
        print(f"imported {clip_info.name}: {clip_info.width}x{clip_info.height}, {clip_info.frames} frames")
    return outcome[0] if outcome else 1
