"""The main window: composition only. It builds the panels, docks them, and connects three sources of
change to the panels that show them:

- the document's typed events (``document.events``: clips, placements, curves, settings, replaced);
- the playback clock and the preview engine (positions, frames, engine state);
- the window's own view state (``ViewState``: the overlay opacity, the timeline's selection).

Files are ``Document``, edits are ``Edits``, actions are ``actions.py``, the engine is ``EngineHost``, timing
is ``PlaybackController``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QMainWindow

from studio.engine.audio_ring import AudioClock
from studio.project import load_project
from studio.ui.app.actions import build_actions
from studio.ui.app.autosave import Autosaver, Recovery
from studio.ui.app.docks import AREA, arrange
from studio.ui.app.documents import Document
from studio.ui.app.edits import Edits
from studio.ui.app.inspector import InspectorPanel
from studio.ui.app.panels import LazyPanel
from studio.ui.app.settings import restore_window, save_window
from studio.ui.app.view_state import ViewState
from studio.ui.app.wiring import Switchboard
from studio.ui.attention.panel import AttentionPanel
from studio.ui.engine.host import EngineHost
from studio.ui.engine.worker import JobFactory, RendererFactory
from studio.ui.export.dialog import ExportDialog
from studio.ui.library.panel import LibraryPanel
from studio.ui.timeline.view import TimelineView
from studio.ui.training.generate import ClipGenerator
from studio.ui.viewer.panel import ViewerPanel
from studio.ui.viewer.playback import PlaybackController

if TYPE_CHECKING:
    from studio.ui.training.panel import TrainingPanel

log = logging.getLogger(__name__)


def _training_panel() -> TrainingPanel:
    from studio.ui.training.panel import TrainingPanel  # torch: imported when the panel is first seen

    return TrainingPanel()


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
        self.state = ViewState()
        self.host = EngineHost(self, renderer_factory, job_factory, final_factory)
        self.playback = PlaybackController(self.host, self, clock=AudioClock())  # the sound's, when it plays
        self.edits = Edits(self.document, lambda: self.playback.position / self.project.settings.fps)
        self.viewer = ViewerPanel()
        self.library = LibraryPanel()
        self.generator = ClipGenerator(self)  # the timeline's extend / retime / morph actions
        self.inspector = InspectorPanel()
        self.timeline = TimelineView()
        self.attention = AttentionPanel()
        self.training = LazyPanel(_training_panel, "training")
        for widget, name in ((self.timeline, "timeline"), (self.attention, "attentionHeatmap")):
            widget.setObjectName(name)  # saved layouts and tests find panels by these names
            widget.setAccessibleName(name)
        self.export_dialog: ExportDialog | None = None
        self.last_error = ""
        self._closed = False

        self.setCentralWidget(self.viewer)
        self.docks = arrange(self, {
            "library": (self.library, "Library", AREA.LeftDockWidgetArea),
            "inspector": (self.inspector, "Inspector", AREA.RightDockWidgetArea),
            "training": (self.training, "Training", AREA.RightDockWidgetArea),
            "timeline": (self.timeline, "Timeline", AREA.BottomDockWidgetArea),
            "attentionHeatmap": (self.attention, "Attention", AREA.BottomDockWidgetArea),
        })  # fmt: skip
        # its tab being picked shows no new widget: build the lazy panel on the dock's visibility
        self.docks["training"].visibilityChanged.connect(self.training.schedule_build)
        self._default_state = self.saveState()
        self.actions_by_name = build_actions(self)
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.actions_by_name["reset_layout"])
        self.device_label = QLabel("device: not loaded")
        self.state_label = QLabel("engine: idle")  # the preview; an export runs beside it on its own thread
        self.export_label = QLabel("")
        self.fps_label = QLabel("")
        for label in (self.device_label, self.state_label, self.export_label, self.fps_label):
            self.statusBar().addPermanentWidget(label)
        self.switchboard = Switchboard(self)
        self.autosaver = Autosaver(self.document, self)
        restore_window(self, self.settings)

    # ---- the document -----------------------------------------------------------------------------------
    @property
    def project(self) -> Any:
        return self.document.project

    @property
    def selected_placement(self) -> str | None:
        return self.state.selected_placement

    def place_selected_clips(self) -> None:
        self.edits.place_clips(self.library.selected_ids())

    def delete_selection(self) -> None:
        """Delete: clips when the library has focus, else the timeline's selection (keyframe or block)."""
        if self.library.tree.hasFocus() or not self.selected_placement:
            self.library.remove_selected()
        else:
            self.timeline.delete_selection()

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

    def set_overlay_opacity(self, value: float) -> None:
        self.state.overlay_opacity = float(value)

    def mark_in(self) -> None:
        pb = self.playback
        out = pb.out_point if pb.out_point is not None else pb.last
        self._set_in_out(pb.position, max(out, pb.position))

    def mark_out(self) -> None:
        pb = self.playback
        self._set_in_out(min(pb.first, pb.position), pb.position)

    def _set_in_out(self, a: int, b: int) -> None:
        self.timeline.set_in_out(a, b)  # draws the marks and emits inOutChanged → playback range
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
        self.export_dialog = ExportDialog(self.host, self.project, self, **self.switchboard.export_options())
        self.export_dialog.show()
        return self.export_dialog

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
        save_window(self, self.settings)
        self.playback.pause()
        self.switchboard.audio.shutdown()  # the sound's thread, device and decoding jobs
        self.host.shutdown()  # cancels and joins the export threads too
        self.library.prep.shutdown()  # cancels proxies being made: no partial file is left
        self.library.jobs.wait()
        self.timeline.wait_for_jobs()
        self.generator.shutdown()
        self.switchboard.t2v.shutdown()  # a text-to-video run: cancelled within a step, then joined
        self.training.shutdown()
        self.autosaver.stop()
