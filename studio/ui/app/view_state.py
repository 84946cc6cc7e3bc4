"""The window's own state that several panels show (not the document's): one owner for each value.

Evented (psygnal): setting a value emits only when it differs, so a slider that reflects the value and a
slider that sets it cannot ping-pong, and no panel keeps a copy in step by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented


@evented
@dataclass
class ViewState:
    overlay_opacity: float = 0.0  # the dominant-source overlay on the viewer, 0..1 (viewer and attention)
    selected_placement: str | None = None  # the timeline's selection
    muted_clips: frozenset[str] = frozenset()  # clip ids the preview's sound leaves out (not saved)
    solo_clips: frozenset[str] = frozenset()  # when any: the only clips the preview's sound plays
