"""The preview's sound in the main window, wired once by the Switchboard: the feed follows the document,
the library's menu mutes and solos a clip (``ViewState``: the window's, never saved), the master meter sits
in the status bar, and a missing device is said once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.project.events import Change
from studio.ui.audio.meter import LevelMeter
from studio.ui.audio.preview import AudioPreview

if TYPE_CHECKING:
    from studio.ui.app.main_window import MainWindow


class WindowAudio:
    def __init__(self, window: MainWindow) -> None:
        self.window = w = window
        self.preview = AudioPreview(w.playback, w)
        self.meter = LevelMeter()
        w.statusBar().addPermanentWidget(self.meter)
        self.preview.set_meter(self.meter)
        self.preview.unavailable.connect(self._say)
        ev, st = w.document.events, w.state
        ev.replaced.connect(self._on_replaced)
        ev.changed.connect(self._on_change)
        for event in (st.events.muted_clips, st.events.solo_clips):
            event.connect(lambda _value: self.preview.set_gates(st.muted_clips, st.solo_clips))
        w.library.audio_gates = lambda clip_id: (clip_id in st.muted_clips, clip_id in st.solo_clips)
        w.library.audioGateToggled.connect(self.toggle)
        self.preview.set_project(w.project)

    def toggle(self, clip_id: str, gate: str) -> None:
        """Mute ("mute") or solo ("solo") a clip in the preview, or undo that."""
        st = self.window.state
        if gate == "mute":
            st.muted_clips = st.muted_clips ^ {clip_id}
        elif gate == "solo":
            st.solo_clips = st.solo_clips ^ {clip_id}

    def _on_change(self, change: Change) -> None:
        if change.affects_render or change.clips or change.settings.timing:  # not a rename, not crf
            self.preview.set_project(self.window.project)

    def _on_replaced(self, project: Any) -> None:
        st = self.window.state
        st.muted_clips = st.solo_clips = frozenset()  # another project's clips
        self.preview.set_project(project)

    def _say(self, reason: str) -> None:
        """Once per session: in the status bar, unless it is saying something else (the meter says it too)."""
        if not self.window.statusBar().currentMessage():
            self.window.show_message(f"No sound in the preview: {reason}")

    def shutdown(self) -> None:
        self.preview.shutdown()
