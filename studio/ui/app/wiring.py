"""The window's switchboard: which panel hears which change. Three sources, each wired here once:

- the document's typed events (``document.events``): each panel hears the parts of an edit it shows, and
  nothing is worked out by comparing the whole project;
- the playback clock and the preview engine (positions, frames, engine state);
- the window's own view state (``ViewState``: the overlay opacity, the timeline's selection), one owner
  that every slider showing it sets and follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.project.events import Change, SettingsChanged, span_frames
from studio.project.trace import TraceContext
from studio.ui.app.key_routing import KeyRouter
from studio.ui.audio.window import WindowAudio
from studio.ui.export.queue import ExportQueue
from studio.ui.masks.actions import MaskActions
from studio.ui.t2v.room import T2VRoom
from studio.ui.training.generate import describe

if TYPE_CHECKING:
    from studio.ui.app.main_window import MainWindow

EMPTY_HINT = "Import clips (Ctrl+I or drop files on the library), then put them on the timeline (Ctrl+T)"


class Switchboard:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.export_queue = ExportQueue(window.host, window)  # outlives the export dialog
        # text fields keep their keys, Ctrl-shortcuts still reach the window (J/K/L in a spin box typed J/K/L)
        self.keys = KeyRouter(window, window.actions_by_name.values())
        self.listen_to_document()
        self.connect()
        self.listen_for_exports()

    def listen_for_exports(self) -> None:
        """The export dialog's estimate follows the document: an edit or an undo changes what would render."""
        ev = self.window.document.events
        ev.changed.connect(lambda _change: self._export_dialog_follows())
        ev.replaced.connect(self._export_dialog_follows)

    def _export_dialog_follows(self, project: Any = None) -> None:
        dialog = self.window.export_dialog
        if dialog is not None and dialog.isVisible():
            dialog.document_changed(project)

    def export_options(self) -> dict[str, Any]:
        """What the export dialog needs of the window: the in/out range, the settings store, the queue."""
        pb = self.window.playback
        marked = pb.in_point is not None or pb.out_point is not None
        in_out = (pb.first, pb.last) if marked else None
        return {"in_out": in_out, "settings": self.window.settings, "queue": self.export_queue}

    def listen_to_document(self) -> None:
        """Each panel hears the parts of an edit it shows; nothing is worked out from the whole project."""
        w = self.window
        ev = w.document.events
        ev.replaced.connect(self.on_project_replaced)
        # the engine's own copy; a painted mask says which frames it changed, the preview keeps the others
        ev.changed.connect(lambda change: w.host.update_project(w.project, change.render_span))
        ev.changed.connect(self.on_change)
        ev.clips.connect(lambda _c: w.library.set_project(w.project))
        ev.clips.connect(lambda _c: w.training.set_project(w.project))  # re-ticks every clip
        ev.clips.connect(lambda _c: w.inspector.set_project(w.project))  # the guide clip's list
        ev.settings.connect(lambda _c: w.inspector.set_project(w.project))
        ev.settings.connect(self.on_timing)

    def connect(self) -> None:
        w = self.window
        doc, pb, eng, st = w.document, w.playback, w.host.worker, w.state
        doc.titleChanged.connect(w.setWindowTitle)
        doc.message.connect(w.show_message)
        lib, ed = w.library, w.edits
        lib.importProbed.connect(ed.add_clips)
        lib.removeRequested.connect(ed.remove_clips)
        lib.relinkRequested.connect(ed.relink)
        lib.clipActivated.connect(lambda cid: ed.place_clips([cid]))
        lib.attentionRequested.connect(w.show_model_attention)
        w.inspector.settingsEdited.connect(self.settings_edited)
        v = w.viewer
        v.playToggled.connect(pb.toggle)
        v.stepRequested.connect(pb.step)
        v.startRequested.connect(pb.to_start)
        v.endRequested.connect(pb.to_end)
        v.loopChanged.connect(lambda on: setattr(pb, "loop", on))
        v.tracing.context_for = lambda: TraceContext.from_project(w.project)  # clips behind a clicked pixel
        for panel in (w.viewer, w.attention):  # both sliders set the one value and show it
            panel.overlayOpacityChanged.connect(lambda value: setattr(st, "overlay_opacity", value))
            st.events.overlay_opacity.connect(panel.set_overlay_opacity)
            panel.set_overlay_opacity(st.overlay_opacity)
        pb.positionChanged.connect(self.on_position)
        pb.frameShown.connect(self.on_frame_shown)
        pb.frameArrived.connect(self.on_frame_arrived)
        pb.playingChanged.connect(v.set_playing)
        pb.generationFps.connect(self.on_generation_fps)
        pb.refining.connect(lambda _n: v.set_quality("refining"))
        pb.notice.connect(v.set_notice)  # "Starting the engine…" while torch loads, a held play said so
        eng.error.connect(w.show_error)
        eng.stateChanged.connect(lambda state: w.state_label.setText(f"engine: {state}"))
        eng.deviceChanged.connect(lambda device: w.device_label.setText(f"device: {device}"))
        w.host.exportStatus.connect(w.export_label.setText)
        w.host.warning.connect(w.show_message)  # the engine's fallbacks, exports' and preview's
        for panel in (w.timeline, w.attention):
            panel.seekRequested.connect(lambda n: pb.seek(n, immediate=True))
        w.timeline.selectionChanged.connect(lambda pid: setattr(st, "selected_placement", pid))
        w.timeline.inOutChanged.connect(pb.set_range)
        w.timeline.visibleTimeChanged.connect(w.attention.show_time_range)  # one time axis for both
        w.attention.visibleTimeChanged.connect(w.timeline.show_time_range)
        gen = w.generator
        gen.started.connect(lambda op: w.show_message(f"Generating ({op}) with the project's model…"))
        gen.finished.connect(lambda cid: w.show_message(describe(w.project.clip(cid))))
        gen.failed.connect(w.show_error)
        w.timeline.generate_actions = gen.menu_actions
        prep = w.library.prep  # each file's cuts and preview proxy, made in the background
        if not w.host.ready:  # ...once the engine has started: torch's load comes first on a small machine
            prep.hold()
            w.host.engineReady.connect(prep.release)
        w.host.preview_media = prep.preview_media  # the preview reads proxies; an export never does
        prep.previewChanged.connect(self.on_preview_media)
        w.timeline.shot_cuts = prep.cuts  # marks on the blocks, "Split at Cuts"
        prep.changed.connect(w.timeline.show_cuts)
        self.masks = MaskActions(w)  # "Paint mask…" on a timeline block: the painter, one undo step per save
        w.timeline.paint_mask = self.masks.paint
        self.t2v = T2VRoom(w)  # the Text to Video dock, Settings ▸ Text-to-Video Models…
        self.audio = WindowAudio(w)  # the preview's sound: its clock paces the picture, mute/solo, the meter

    def on_project_replaced(self, project: Any) -> None:
        w = self.window
        w.timeline.set_project(project, w.document.stack, w.document.events)
        for panel in (w.library, w.training, w.inspector):
            panel.set_project(project)
        w.host.update_project(project)
        w.playback.pause()
        w.playback.set_range(None, None)
        w.playback.position = 0
        self.on_position(0)
        self.on_timing(SettingsChanged(frozenset({"fps", "duration"})))
        self.on_change(Change())
        w.playback.refresh()

    def on_preview_media(self) -> None:
        """A proxy became ready, cuts were found, or proxies were switched: the engine's copy follows, and
        what is on screen is rendered again from what the preview reads now."""
        w = self.window
        w.host.update_project(w.project)
        if w.project.placements:
            w.playback.refresh()

    def on_timing(self, change: SettingsChanged) -> None:
        w = self.window
        if change.timing:
            s = w.project.settings
            w.playback.set_timing(s.fps, s.frame_count)
            w.viewer.set_timing(s.fps, s.frame_count)

    def on_change(self, change: Change) -> None:
        """What the viewer, the heatmap and the preview do after an edit."""
        w = self.window
        view = w.viewer.view
        if not w.project.placements:
            view.placeholder = EMPTY_HINT
            view.set_frame(None)
        elif view.placeholder == EMPTY_HINT:
            view.placeholder = "Rendering…"
        s = w.project.settings
        span = change.render_span if change and not (change.clips or change.settings.timing) else None
        if span is not None:  # a painted mask: only its keys' frames may render differently
            w.attention.forget(*span_frames(span, float(s.fps)))
        elif change.affects_render or change.clips or change.settings.timing or not change:
            # the recorded attention no longer describes what would render
            w.attention.reset(s.frame_count, [c.name for c in w.project.clips], s.fps)
            w.attention.show_time_range(*w.timeline.visible_time())
        w.attention.set_direction(w.project)  # the pins and masks drawn over the rows follow every edit
        if change.affects_render:
            w.playback.refresh()  # the pixels may have changed: re-render what is on screen

    def settings_edited(self, label: str, values: dict) -> None:
        w = self.window
        if not w.edits.set_settings(label, values):
            w.inspector.set_project(w.project)  # refused: show the document's value again

    # ---- playback → panels ----
    def on_position(self, n: int) -> None:
        w = self.window
        w.viewer.set_position(n)
        w.timeline.set_playhead(n)
        w.attention.set_playhead(n)

    def on_frame_shown(self, n: int, record: Any) -> None:
        w = self.window
        if not w.project.placements:  # nothing to generate from: a hint helps more than a black frame
            w.viewer.view.placeholder = EMPTY_HINT
            w.viewer.view.set_frame(None)
            w.viewer.set_position(n)
            w.viewer.set_quality(None)
            return
        trace = getattr(record, "trace", None)  # where each pixel came from: a click on the viewer shows it
        w.viewer.show_frame(n, record.frame, record.maps, getattr(record, "quality", None), trace)
        w.attention.set_current(n, record.maps, record.shares)

    def on_frame_arrived(self, n: int, record: Any) -> None:
        self.window.attention.add_frame(n, record.shares, record.maps)

    def on_generation_fps(self, fps: float) -> None:
        w = self.window
        w.viewer.set_generation_fps(fps)
        w.fps_label.setText(f"{fps:.1f} fps")
