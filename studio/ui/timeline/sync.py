"""How the timeline's items follow the document: one block and one lane per placement, kept by id.

An edit arrives as a ``studio.project.events.Change``; only the placements it touched, and those whose row
or colour it moved, are rebuilt. Mixed into ``TimelineView`` (which owns the scene, ``blocks``, ``lanes``,
the selection and the thumbnails).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

from studio.palette import clip_colour
from studio.project import Placement
from studio.project.events import Change
from studio.ui.timeline.items import ClipItem, LaneItem

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

    _Base = TimelineView
else:
    _Base = object


class PlacementItems(_Base):
    """Mixed into ``TimelineView`` before ``QGraphicsView``."""

    def _on_change(self, change: Change) -> None:
        """One edit: remove the placements it removed, (re)build those it changed or whose row or colour
        moved, leave every other block and lane as it is."""
        self._cancel_drag()
        for pid in change.placements.removed:
            self._take(pid)
        touched = (
            set(change.placements.changed) | set(change.placements.added) | set(change.curves.placements)
        )
        clips = change.clips.ids
        for row, p in enumerate(self.project.placements):
            block = self.blocks.get(p.id)
            moved = block is None or block.row != row or block.colour != self._colour(p.clip_id)
            if moved or p.id in touched or p.clip_id in clips:
                self._put(p, row)
        for pid in [pid for pid in self.blocks if pid not in {p.id for p in self.project.placements}]:
            self._take(pid)  # e.g. its clip was removed
        self._after_items_changed()

    def _clip_index(self, clip_id: str) -> int | None:
        try:
            return self.project.clip_index(clip_id)
        except KeyError:
            return None

    def _colour(self, clip_id: str) -> QColor | None:
        """A clip's colour follows its column: removing a clip recolours those after it."""
        index = self._clip_index(clip_id)
        return None if index is None else QColor(*clip_colour(index))

    def _put(self, p: Placement, row: int) -> None:
        """The block and lane of placement ``p`` at ``row``, replacing any it had."""
        self._take(p.id)
        index = self._clip_index(p.clip_id)
        if index is None:
            return
        clip = self.project.clips[index]
        colour = QColor(*clip_colour(index))
        block = ClipItem(p, clip, row, self.scale, colour)
        lane = LaneItem(p, row, self.scale, colour)
        block.set_selected(p.id == self.selected)
        if clip.online:
            block.set_thumbnail(self._thumbs.get(str(clip.path)))
        if self._key_selection is not None and self._key_selection[0] == p.id:
            t = self._key_selection[1]
            lane.selected_key = next((i for i, k in enumerate(lane.keys) if abs(k.time - t) < 1e-9), None)
        self.scene().addItem(block)
        self.scene().addItem(lane)
        self.blocks[p.id], self.lanes[p.id] = block, lane

    def _take(self, placement_id: str) -> None:
        for items in (self.blocks, self.lanes):
            item = items.pop(placement_id, None)
            if item is not None:
                self.scene().removeItem(item)
