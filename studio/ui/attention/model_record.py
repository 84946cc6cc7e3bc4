"""A generated clip's model attention, in the same viewer as the engine's: where each frame the video
Transformer made drew on the known frames (``studio.models.attention_capture`` wrote the record).

A dialog of its own, so the window's live attention panel keeps following the preview: the record's columns
are the model's known frames ("key before", "1 back", ...), not the project's clips. Clicking a frame in the
heatmap shows its per-patch maps, as in the main panel. :class:`RecordDialog` is that viewer for any record
(File ▸ Open Attention Record…, ``open_record.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from studio.errors import StudioError
from studio.project.record import AttentionRecordReader
from studio.ui.attention.panel import AttentionPanel


class RecordDialog(QDialog):
    """An attention record in a viewer of its own, read-only: the heatmap and, on a click, a frame's maps."""

    def __init__(
        self, reader: AttentionRecordReader, title: str, description: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.reader = reader
        self.label = QLabel(description)
        self.label.setWordWrap(True)
        self.panel = AttentionPanel(self)
        self.panel.load_record(self.reader)
        self.panel.seekRequested.connect(self.panel.set_playhead)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.panel, 1)
        self.resize(720, 420)
        first = next((n for n in range(self.reader.frames) if self.reader.maps(n) is not None), 0)
        self.panel.set_playhead(first)


class ModelAttentionDialog(RecordDialog):
    def __init__(self, record: str | Path, clip_name: str, parent: QWidget | None = None) -> None:
        reader = AttentionRecordReader(record)
        settings = reader.settings
        description = settings.get("description") or (  # a text-to-video record says what its rows are
            f"{settings.get('model', 'model')} ({settings.get('operation', '?')}): for every generated "
            "frame, how much each known frame was attended to (the last block's temporal attention). "
            "Click a frame for its per-patch maps."
        )
        super().__init__(reader, f"Model attention: {clip_name}", description, parent)
        self.setObjectName("modelAttention")


def open_for_clip(window: Any, clip_id: str) -> ModelAttentionDialog | None:
    """Show the record named by the clip's provenance; a missing or unreadable one is reported in one line."""
    clip = window.project.clip(clip_id)
    try:
        dialog = ModelAttentionDialog(clip.provenance["attention"], clip.name, window)
    except (KeyError, TypeError, StudioError) as exc:  # no record named, or not readable
        window.show_error(f"{clip.name}: no readable model attention ({exc})")
        return None
    dialog.show()
    return dialog
