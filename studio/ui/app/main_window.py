"""The main window: assembles the panels in docks, routes edits through the document's undo stack, and
connects the playback clock and the engine to the viewer, the heatmap and the timeline.

It owns no business logic: files are ``Document``, actions are ``actions.py``, the engine is ``EngineHost``,
timing is ``PlaybackController``; this class is the switchboard between them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from studio.project import (
    AddClip,
    AddPlacement,
    Macro,
    Placement,
    RelinkClip,
    RemoveClip,
    RemovePlacement,
    SetSettings,
    load_project,
)
from studio.project.model import clip_from_info
from studio.ui.app.actions import build_actions
from studio.ui.app.autosave import Autosaver, Recovery
from studio.ui.app.documents import Document
from studio.ui.app.inspector import InspectorPanel
from studio.ui.app.panels import LazyPanel
from studio.ui.app.settings import restore_window, save_window
from studio.ui.attention.panel import AttentionPanel
from studio.ui.engine.host import EngineHost
from studio.ui.engine.snapshot import render_key
from studio.ui.engine.worker import JobFactory, RendererFactory
from studio.ui.export.dialog import ExportDialog
from studio.ui.library.panel import LibraryPanel
from studio.ui.timeline.view import TimelineView
from studio.ui.training.generate import ClipGenerator, describe
from studio.ui.viewer.panel import ViewerPanel
from studio.ui.viewer.playback import PlaybackController

log = logging.getLogger(__name__)
AREA = Qt.DockWidgetArea
EMPTY_HINT = "Import clips (Ctrl+I or drop files on the library), then put them on the timeline (Ctrl+T)"


def fresh_ids(project: Any, prefix: str, count: int) -> list[str]:
    """``count`` unused ids ``prefix-N`` (``Project.new_id`` only knows the ids already in the document)."""
    first = int(project.new_id(prefix).rsplit("-", 1)[1])
    return [f"{prefix}-{first + i}" for i in range(count)]


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings,
        renderer_factory: RendererFactory | None = None,
        job_factory: JobFactory | None = None,
        final_factory: RendererFactory | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.resize(1400, 860)
        self.settings = settings
        self.document = Document(settings, self)
        self.host = EngineHost(self, renderer_factory, job_factory, final_factory)
        self.playback = PlaybackController(self.host, self)
        self.viewer = ViewerPanel()
        self.library = LibraryPanel()
        self.generator = ClipGenerator(self)  # the timeline's extend / retime / morph actions
        self.inspector = InspectorPanel()
        self.timeline = TimelineView()
        self.attention = AttentionPanel()
        self.attention.setObjectName("attentionHeatmap")  # the saved layouts key its dock by this name
        # torch loads with it: built when first seen
        self.training = LazyPanel("training.panel", "TrainingPanel", "training")
        self.export_dialog: ExportDialog | None = None
        self.selected_placement: str | None = None
        self.last_error = ""
        self._render_key = ""
        self._heatmap_key: tuple = ()
        self._clips_key: tuple | None = None
        self._closed = False

        self.setCentralWidget(self.viewer)
        self.docks: dict[str, QDockWidget] = {}
        self._dock(self.library, "Library", AREA.LeftDockWidgetArea)
        self._dock(self.inspector, "Inspector", AREA.RightDockWidgetArea)
        self._dock(self.timeline, "Timeline", AREA.BottomDockWidgetArea)
        self._dock(self.attention, "Attention", AREA.BottomDockWidgetArea)
        if self.training is not None:
            self._dock(self.training, "Training", AREA.RightDockWidgetArea, name="training")
            self.tabifyDockWidget(self.docks["inspector"], self.docks["training"])
            # its tab being picked shows no new widget: build the lazy panel on the dock's visibility
            self.docks["training"].visibilityChanged.connect(self.training.schedule_build)
            self.docks["inspector"].raise_()
        bottom = [self.docks["timeline"], self.docks["attentionHeatmap"]]
        self.splitDockWidget(*bottom, Qt.Orientation.Horizontal)
        sides = [self.docks["library"], self.docks["inspector"]]
        self.resizeDocks(sides, [430, 320], Qt.Orientation.Horizontal)
        self.resizeDocks(bottom, [760, 640], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["timeline"]], [300], Qt.Orientation.Vertical)
        self._default_state = self.saveState()

        self.actions_by_name = build_actions(self)
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.actions_by_name["reset_layout"])
        self._build_status_bar()
        self._connect()
        self.autosaver = Autosaver(self.document, self)
        self.restore_layout()

    # ---- construction -----------------------------------------------------------------------------------
    def _dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea, name: str = "") -> None:
        name = name or widget.objectName()
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")  # saveState() keys docks by objectName
        dock.setAccessibleName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    def _build_status_bar(self) -> None:
        self.device_label = QLabel("device: not loaded")
        self.state_label = QLabel("engine: idle")  # the preview; an export runs beside it on its own thread
        self.export_label = QLabel("")
        self.fps_label = QLabel("")
        for label in (self.device_label, self.state_label, self.export_label, self.fps_label):
            self.statusBar().addPermanentWidget(label)

    def _connect(self) -> None:
        doc, pb, w = self.document, self.playback, self.host.worker
        doc.projectReplaced.connect(self._on_project_replaced)
        doc.changed.connect(self._on_document_changed)
        doc.titleChanged.connect(self.setWindowTitle)
        doc.message.connect(self.show_message)
        lib = self.library
        lib.importProbed.connect(self.add_clips)
        lib.removeRequested.connect(self.remove_clips)
        lib.relinkRequested.connect(self._relink)
        lib.clipActivated.connect(lambda cid: self.place_clips([cid]))
        lib.attentionRequested.connect(self.show_model_attention)
        self.inspector.settingsEdited.connect(self._settings_edited)
        v = self.viewer
        v.playToggled.connect(pb.toggle)
        v.stepRequested.connect(pb.step)
        v.startRequested.connect(pb.to_start)
        v.endRequested.connect(pb.to_end)
        v.loopChanged.connect(lambda on: setattr(pb, "loop", on))
        v.overlayOpacityChanged.connect(self._set_overlay_opacity)
        pb.positionChanged.connect(self._on_position)
        pb.frameShown.connect(self._on_frame_shown)
        pb.frameArrived.connect(self._on_frame_arrived)
        pb.playingChanged.connect(v.set_playing)
        pb.generationFps.connect(self._on_generation_fps)
        pb.refining.connect(lambda _n: v.set_quality("refining"))
        w.error.connect(self.show_error)
        w.stateChanged.connect(self._on_engine_state)
        w.deviceChanged.connect(self._on_device)
        self.host.exportStatus.connect(self.export_label.setText)
        for panel in (self.timeline, self.attention):
            if hasattr(panel, "seekRequested"):
                panel.seekRequested.connect(lambda n: pb.seek(n, immediate=True))
        if hasattr(self.timeline, "selectionChanged"):
            self.timeline.selectionChanged.connect(lambda pid: setattr(self, "selected_placement", pid))
        if hasattr(self.timeline, "inOutChanged"):
            self.timeline.inOutChanged.connect(pb.set_range)
        if hasattr(self.attention, "overlayOpacityChanged"):
            self.attention.overlayOpacityChanged.connect(self._set_overlay_opacity)
        gen = self.generator
        gen.started.connect(lambda op: self.show_message(f"Generating ({op}) with the project's model…"))
        gen.finished.connect(lambda cid: self.show_message(describe(self.project.clip(cid))))
        gen.failed.connect(self.show_error)
        if hasattr(self.timeline, "generate_actions"):
            self.timeline.generate_actions = gen.menu_actions

    # ---- the document -----------------------------------------------------------------------------------
    @property
    def project(self) -> Any:
        return self.document.project

    def _on_project_replaced(self, project: Any) -> None:
        if hasattr(self.timeline, "set_project"):
            self.timeline.set_project(project, self.document.stack)
        if hasattr(self.attention, "set_project"):
            self.attention.set_project(project)
        self.playback.pause()
        self.playback.set_range(None, None)
        self._render_key = ""
        self._heatmap_key = ()
        self._clips_key = None
        self.playback.position = 0
        self._on_position(0)
        self._on_document_changed()

    def _on_document_changed(self) -> None:
        project = self.project
        s = project.settings
        self.host.update_project(project)
        self.inspector.set_project(project)
        self.library.set_project(project)
        if hasattr(self.timeline, "refresh"):
            self.timeline.refresh()
        self.playback.set_timing(s.fps, s.frame_count)
        self.viewer.set_timing(s.fps, s.frame_count)
        if not project.placements:
            self.viewer.view.placeholder = EMPTY_HINT
            self.viewer.view.set_frame(None)
        elif self.viewer.view.placeholder == EMPTY_HINT:
            self.viewer.view.placeholder = "Rendering…"
        clips_key = tuple((c.id, c.name, c.offline_reason) for c in project.clips)
        if clips_key != self._clips_key and hasattr(self.training, "set_project"):
            self.training.set_project(project)  # it re-ticks every clip: only when the clip list changed
        self._clips_key = clips_key
        key = render_key(project)
        heatmap_key = (s.frame_count, s.fps, tuple(c.name for c in project.clips), key)
        if heatmap_key != self._heatmap_key and hasattr(self.attention, "reset"):
            self._heatmap_key = heatmap_key
            self.attention.reset(s.frame_count, [c.name for c in project.clips], s.fps)
        if key != self._render_key:
            self._render_key = key
            self.playback.refresh()  # the pixels may have changed: re-render what is on screen

    def add_clips(self, probed: list[tuple[Path, Any]]) -> None:
        """Readable files from the library → one undo step adding them all."""
        ids = fresh_ids(self.project, "clip", len(probed))
        commands = [AddClip(clip_from_info(i, p, info)) for i, (p, info) in zip(ids, probed, strict=True)]
        self._push_all(commands, f"Import {len(commands)} clips")

    def remove_clips(self, clip_ids: list[str]) -> None:
        self._push_all([RemoveClip(cid) for cid in clip_ids], "Remove clips")

    def _push_all(self, commands: list[Any], text: str) -> bool:
        """One command as itself, several as one undo step (all or nothing)."""
        if not commands:
            return False
        return self.document.push(commands[0] if len(commands) == 1 else Macro(text, commands))

    def _relink(self, clip_id: str, probed: tuple[Path, Any]) -> None:
        path, info = probed
        self.document.push(RelinkClip(clip_id, path, info))

    def place_clips(self, clip_ids: list[str], start: float | None = None) -> None:
        """Put clips on the timeline at the playhead, each for its usable length (one undo step)."""
        project = self.project
        start = self.playback.position / project.settings.fps if start is None else start
        ids = fresh_ids(project, "p", len(clip_ids))
        commands = []
        for pid, cid in zip(ids, clip_ids, strict=True):
            clip = project.clip(cid)
            duration = clip.usable_duration or project.settings.duration
            commands.append(AddPlacement(Placement(pid, cid, start, duration)))
        self._push_all(commands, "Add to timeline")

    def place_selected_clips(self) -> None:
        self.place_clips(self.library.selected_ids())

    def delete_selection(self) -> None:
        """Delete: clips when the library has focus, else the timeline's selection (keyframe or block)."""
        if self.library.tree.hasFocus() or not self.selected_placement:
            self.library.remove_selected()
        elif hasattr(self.timeline, "delete_selection"):
            self.timeline.delete_selection()
        else:
            self.document.push(RemovePlacement(self.selected_placement))

    def _settings_edited(self, label: str, values: dict) -> None:
        if not self.document.push(SetSettings(values, label), merge=True):
            self.inspector.set_project(self.project)  # refused: show the document's value again

    def recover(self, recovery: Recovery) -> bool:
        """Open a crashed session's autosave as an unsaved document that belongs to its original file."""
        try:
            project = load_project(recovery.autosave)
        except Exception as exc:
            self.show_error(f"could not recover the autosave: {exc}")
            return False
        project.path = recovery.original
        self.document.set_project(project, recovered_from=recovery.autosave)
        recovery.discard()
        return True

    # ---- playback → panels ------------------------------------------------------------------------------
    def _on_position(self, n: int) -> None:
        self.viewer.set_position(n)
        for panel in (self.timeline, self.attention):
            if hasattr(panel, "set_playhead"):
                panel.set_playhead(n)

    def _on_frame_shown(self, n: int, record: Any) -> None:
        if not self.project.placements:  # nothing to generate from: a hint helps more than a black frame
            self.viewer.view.placeholder = EMPTY_HINT
            self.viewer.view.set_frame(None)
            self.viewer.set_position(n)
            self.viewer.set_quality(None)
            return
        self.viewer.show_frame(n, record.frame, record.maps, getattr(record, "quality", None))
        if hasattr(self.attention, "set_current"):
            self.attention.set_current(n, record.maps, record.shares)

    def _on_frame_arrived(self, n: int, record: Any) -> None:
        if hasattr(self.attention, "add_frame"):
            self.attention.add_frame(n, record.shares, record.maps)

    def _on_engine_state(self, state: str) -> None:
        self.state_label.setText(f"engine: {state}")

    def _on_device(self, device: str) -> None:
        self.device_label.setText(f"device: {device}")

    def _on_generation_fps(self, fps: float) -> None:
        self.viewer.set_generation_fps(fps)
        self.fps_label.setText(f"{fps:.1f} fps")

    def _set_overlay_opacity(self, value: float) -> None:
        self.viewer.view.set_overlay_opacity(value)
        if abs(self.viewer.overlay_slider.value() / 100 - value) > 0.005:
            self.viewer.set_overlay_opacity(value)
        if hasattr(self.attention, "set_overlay_opacity"):
            self.attention.set_overlay_opacity(value)

    def mark_in(self) -> None:
        pb = self.playback
        out = pb.out_point if pb.out_point is not None else pb.last
        self._set_in_out(pb.position, max(out, pb.position))

    def mark_out(self) -> None:
        pb = self.playback
        self._set_in_out(min(pb.first, pb.position), pb.position)

    def _set_in_out(self, a: int, b: int) -> None:
        if hasattr(self.timeline, "set_in_out"):
            self.timeline.set_in_out(a, b)  # draws the marks and emits inOutChanged → playback range
        else:
            self.playback.set_range(a, b)
        self.show_message(f"in/out: frames {self.playback.first}–{self.playback.last}")

    # ---- messages, export, layout -----------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_error(self, text: str) -> None:
        """Engine and media errors: one line in the status bar; the window stays alive."""
        self.last_error = text
        log.warning("%s", text)
        self.statusBar().showMessage(f"Error: {text}", 15000)
        self.viewer.view.placeholder = f"No preview: {text}"  # seen where the picture would be
        self.viewer.view.update()

    def show_model_attention(self, clip_id: str) -> Any:
        """The attention record a model wrote with a generated clip, in a viewer of its own (non-modal)."""
        from studio.ui.attention.model_record import open_for_clip

        return open_for_clip(self, clip_id)

    def show_export_dialog(self) -> ExportDialog:
        if self.export_dialog is not None and self.export_dialog.running:
            self.export_dialog.raise_()
            return self.export_dialog
        self.export_dialog = ExportDialog(self.host, self.project, self)
        self.export_dialog.show()
        return self.export_dialog

    def restore_layout(self) -> None:
        restore_window(self, self.settings)

    def save_layout(self) -> None:
        save_window(self, self.settings)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self.host.thread.isRunning():  # first show
            self.viewer.view.setFocus()  # not a text field: Space/J/K/L/arrows reach the transport
        self.host.start()  # after the first paint is queued: the engine (torch) loads behind the window

    # ---- drops and closing ------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.library.dropEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._closed and not self.document.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything that runs besides the GUI thread; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.save_layout()
        self.playback.pause()
        self.host.shutdown()  # cancels and joins the export threads too
        self.library.jobs.wait()
        if hasattr(self.timeline, "wait_for_jobs"):
            self.timeline.wait_for_jobs()
        self.generator.shutdown()
        if hasattr(self.training, "shutdown"):
            self.training.shutdown()
        self.autosaver.stop()
