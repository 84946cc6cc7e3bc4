"""Open an attention record read-only, without its project: File ▸ Open Attention Record… and
``studio RECORD_DIR``.

A record (``studio render --attention DIR``, or an export's) says which clip was heard when and where; it
names its clips, so nothing else is needed to look at it. It opens in the record viewer the model attention
uses (:class:`~studio.ui.attention.model_record.RecordDialog`): the window's own attention panel keeps
following the preview. A folder that is not a record is one line in the status bar, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from studio.errors import StudioError
from studio.project.record import AttentionRecordReader
from studio.ui.attention.model_record import RecordDialog


def describe_record(reader: AttentionRecordReader) -> str:
    """One paragraph on what the record holds."""
    settings = reader.settings
    written, frames = reader.frames_written, reader.frames
    state = "complete" if reader.complete else f"{written} of {frames} frames written"
    what = f"{settings['quality']} quality" if "quality" in settings else settings.get("model", "attention")
    names = ", ".join(reader.clip_names[:6]) + (" …" if len(reader.clip_names) > 6 else "")
    where = (
        "It says where every pixel came from (studio where)."
        if reader.has_correspondence
        else "It holds no correspondence (written before version 2)."
    )
    return (
        f"{reader.directory.name}: {frames} frames at {reader.fps:g} fps, {what}, {state}; "
        f"{len(reader.clip_names)} {settings.get('rows', 'clips')}: {names}. Read-only. "
        f"Click a frame for its per-patch maps. {where}"
    )


def record_dialog(path: str | Path, parent: QWidget | None = None) -> RecordDialog:
    """The viewer on the record at ``path``; a StudioError (one line) if it is not a readable record."""
    reader = AttentionRecordReader(path)
    dialog = RecordDialog(
        reader, f"Attention record: {reader.directory.name}", describe_record(reader), parent
    )
    dialog.setObjectName("attentionRecord")
    return dialog


def open_record(window: Any, path: str | Path) -> RecordDialog | None:
    """Show the record beside the window (not modal); a bad folder is reported by the window in one line."""
    try:
        dialog = record_dialog(path, window)
    except StudioError as exc:
        window.show_error(str(exc))
        return None
    dialog.show()
    return dialog


def choose_and_open(window: Any) -> RecordDialog | None:
    """File ▸ Open Attention Record…: pick a record folder, then open it."""
    start = str(window.project.path.parent) if getattr(window.project, "path", None) else ""
    folder = QFileDialog.getExistingDirectory(window, "Open Attention Record", start)
    return open_record(window, folder) if folder else None


def run_record_window(path: str | Path) -> int:
    """``studio RECORD_DIR``: the record viewer as the app's window, until it is closed."""
    from studio.ui.app.launch import ensure_app

    app = ensure_app()
    dialog = record_dialog(path)
    dialog.show()
    return int(app.exec())
