"""The Text to Video room in the window: its dock (tabbed with the inspector and training), Settings ▸
Text-to-Video Models…, and the way a made clip joins the library (one undo step through the document, its
provenance on it) and its word-attention record opens (the record viewer of File ▸ Open Attention Record…).

Built by the window's switchboard (``studio.ui.app.wiring``); nothing here loads torch.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QScrollArea

from studio import paths
from studio.project import AddClip, clip_from_info
from studio.ui.app.docks import AREA, add_dock
from studio.ui.t2v.models_dialog import ModelsDialog
from studio.ui.t2v.panel import T2VPanel

DOCK_NAME = "textToVideo"


def _slug(prompt: str, words: int = 4) -> str:
    """The prompt's first words as a file name: "a red fox runs" -> "a-red-fox-runs"."""
    found = re.findall(r"[a-z0-9]+", prompt.lower())[:words]
    return "-".join(found) or "clip"


class T2VRoom:
    def __init__(self, window: Any) -> None:
        self.window = window
        self.panel = T2VPanel(window.settings, self.output_for, add_models=self.show_models)
        # In a scroll area: the form is ~530 px tall, and a dock's minimum sets the whole window's minimum.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.panel)
        self.dock = add_dock(window, scroll, "Text to Video", AREA.RightDockWidgetArea, DOCK_NAME)
        window.tabifyDockWidget(window.docks["training"], self.dock)
        window.docks["inspector"].raise_()
        window.docks[DOCK_NAME] = self.dock
        menu = window.view_menu  # after the other docks' toggles: before the separator above Reset Layout
        separator = next(
            (a for a in menu.actions() if a.isSeparator()), window.actions_by_name["reset_layout"]
        )
        menu.insertAction(separator, self.dock.toggleViewAction())
        settings_menu = window.menuBar().addMenu("&Settings")
        self.models_action = settings_menu.addAction("Text-to-Video &Models…")
        self.models_action.triggered.connect(lambda _checked=False: self.show_models())
        self.panel.clipMade.connect(self.add_clip)
        self.panel.attentionRequested.connect(self.show_attention)
        self.panel.message.connect(window.show_message)
        self.models_dialog: ModelsDialog | None = None

    def output_for(self, prompt: str) -> Path:
        """``<project folder>/generated/t2v-<first words>-N.mp4`` (an unsaved project: the cache folder)."""
        project_path = getattr(self.window.project, "path", None)
        folder = Path(project_path).parent / "generated" if project_path else paths.cache_dir("generated")
        folder.mkdir(parents=True, exist_ok=True)
        stem, n = f"t2v-{_slug(prompt)}", 1
        while (folder / f"{stem}-{n}.mp4").exists():
            n += 1
        return folder / f"{stem}-{n}.mp4"

    def add_clip(self, result: Any) -> str:
        """The made clip into the library: one undo step, its provenance on the clip. Its id."""
        project = self.window.project
        clip = clip_from_info(project.new_id("clip"), result.path, result.media, name=result.path.stem)
        clip = dataclasses.replace(clip, provenance=result.provenance)
        self.window.document.push(AddClip(clip))
        return clip.id

    def show_attention(self, record: str) -> Any:
        from studio.ui.attention.open_record import open_record

        return open_record(self.window, record) if record else None

    def show_models(self) -> ModelsDialog:
        """Settings ▸ Text-to-Video Models…: the folder list; the dock's list follows it when it closes."""
        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.window.settings, self.window)
            self.models_dialog.finished.connect(lambda _r: self.panel.reload_models())
        self.models_dialog.show()
        self.models_dialog.raise_()
        return self.models_dialog

    def shutdown(self) -> None:
        """Cancel a run and wait for it and the model checks (the window is closing)."""
        self.panel.shutdown()
        if self.models_dialog is not None:
            self.models_dialog.checker.wait()
