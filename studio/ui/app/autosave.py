"""Autosave every 60 s and crash recovery.

A running window keeps a marker ``session-<pid>.json`` in ``state_dir("autosave")`` naming its autosave file
and the project it belongs to; a clean exit removes both. At start-up, a marker whose process is gone means
that session crashed: its autosave is offered for recovery. Autosaves are written from a deep copy, because
``save_project`` re-points ``project.path`` to where it wrote.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from studio import paths
from studio.errors import StudioError
from studio.project import save_project

log = logging.getLogger(__name__)
INTERVAL_MS = 60_000


@dataclass(frozen=True)
class Recovery:
    marker: Path
    autosave: Path
    original: Path | None  # the project file it was autosaving for (None: never saved)

    def discard(self) -> None:
        for p in (self.autosave, self.autosave.with_name(self.autosave.name + ".bak"), self.marker):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but not ours (or cannot tell): do not steal its autosave
    return True


def find_recoveries(folder: Path | None = None) -> list[Recovery]:
    """Autosaves left by sessions that did not exit cleanly, newest first."""
    folder = folder or paths.state_dir("autosave")
    found = []
    for marker in folder.glob("session-*.json"):
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
            pid = int(data["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        autosave = Path(data.get("autosave", ""))
        if _alive(pid):
            continue
        if not autosave.is_file():
            marker.unlink(missing_ok=True)  # crashed before its first autosave: nothing to offer
            continue
        original = Path(data["original"]) if data.get("original") else None
        found.append(Recovery(marker, autosave, original))
    return sorted(found, key=lambda r: r.autosave.stat().st_mtime, reverse=True)


class Autosaver(QObject):
    def __init__(self, document: Any, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = paths.state_dir("autosave")
        self.marker = self.folder / f"session-{os.getpid()}.json"
        self.autosave_path = self.folder / f"autosave-{os.getpid()}.avsproj.json"
        self.saves = 0
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self._write_marker()
        self.timer.start()

    def _write_marker(self) -> None:
        original = self.document.path
        data = {"pid": os.getpid(), "autosave": str(self.autosave_path), "original": str(original or "")}
        tmp = self.marker.with_name(self.marker.name + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.marker)

    def save_now(self) -> bool:
        """Write the autosave if there is anything unsaved; the marker follows the document's file name."""
        if not self.document.dirty:
            return False
        try:
            save_project(copy.deepcopy(self.document.project), self.autosave_path)
            self._write_marker()
        except (StudioError, OSError) as exc:  # a full disk must not break editing: say it, retry next time
            log.warning("autosave failed: %s", exc)
            self.document.message.emit(f"autosave failed: {exc}")
            return False
        self.saves += 1
        return True

    def stop(self) -> None:
        """Clean exit: the autosave and the marker go, so the next start offers nothing."""
        self.timer.stop()
        Recovery(self.marker, self.autosave_path, None).discard()
