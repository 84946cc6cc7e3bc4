"""How the timeline's items follow the document: one block and one lane per placement, kept by id.

An edit arrives as a ``studio.project.events.Change``; only the placements it touched, and those whose row
or colour it moved, are rebuilt. Mixed into ``TimelineView`` (which owns the scene, ``blocks``, ``lanes``,
the selection, the thumbnails and the waveforms).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QColor

from studio.palette import clip_colour
from studio.project import Placement
from studio.project.events import Change
from studio.project.shots import cut_times
from studio.ui.timeline.geometry import CLIP_H, LANE_H, ROW_GAP, RULER_H, row_top
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
        self.reveal(change.placements.added)

    def reveal(self, placement_ids: Iterable[str]) -> None:
        """Scroll the rows of ``placement_ids`` (block and lane) into view when they are outside it: a clip
        added to a full timeline got a lane below the visible area, and nothing showed that it arrived."""
        rows = [self.blocks[pid].row for pid in placement_ids if pid in self.blocks]
        if not rows:
            return
        top, bottom = row_top(min(rows)), row_top(max(rows)) + CLIP_H + LANE_H
        seen_top = self.mapToScene(0, 0).y() + RULER_H  # the ruler covers the viewport's top band
        seen_bottom = self.mapToScene(0, self.viewport().height()).y()
        if bottom > seen_bottom:
            shift = min(bottom - seen_bottom + ROW_GAP, top - seen_top)  # never past the rows' own top
        elif top < seen_top:
            shift = top - seen_top
        else:
            return
        bar = self.verticalScrollBar()
        bar.setValue(bar.value() + round(shift))

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
        if clip.online and clip.has_audio:
            block.set_waveform(self._waveforms.get(str(clip.path)))
        block.set_cut_marks(self._cut_marks(p))
        if self._key_selection is not None and self._key_selection[0] == p.id:
            t = self._key_selection[1]
            lane.selected_key = next((i for i, k in enumerate(lane.keys) if abs(k.time - t) < 1e-9), None)
        self.scene().addItem(block)
        self.scene().addItem(lane)
        self.blocks[p.id], self.lanes[p.id] = block, lane

    def _on_waveform(self, path: str, waveform: np.ndarray) -> None:
        for block in self.blocks.values():
            if str(block.clip.path) == path:
                block.set_waveform(waveform)

    def _cut_marks(self, p: Placement) -> tuple[float, ...]:
        """Where placement ``p``'s picture cuts, from its file's cuts (``shot_cuts``: the library's)."""
        clip = self.project.clip(p.clip_id)
        cuts = self.shot_cuts(clip.path) if self.shot_cuts is not None and clip.online else None
        return tuple(cut_times(self.project, p, cuts)) if cuts else ()

    def show_cuts(self, path: str) -> None:
        """A file's cuts became known: mark them on its blocks."""
        for p in self.project.placements:
            block = self.blocks.get(p.id)
            if block is not None and str(block.clip.path) == path:
                block.set_cut_marks(self._cut_marks(p))

    def _take(self, placement_id: str) -> None:
        for items in (self.blocks, self.lanes):
            item = items.pop(placement_id, None)
            if item is not None:
                self.scene().removeItem(item)
