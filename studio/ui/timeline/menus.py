"""Keyboard, context menus and drops of the timeline: the discrete edits, as a mixin of ``TimelineView``.

Split from the view so ``timeline.py`` keeps the document, the zoom and the mouse gestures; everything here
turns one key press, menu action or drop into one command from ``timeline_edits`` and pushes it through the
view's ``_push`` (one undo step each).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QMenu

from studio.project import RemovePlacement
from studio.project.placing import place_clips
from studio.ui.library.panel import CLIP_MIME
from studio.ui.timeline.edits import INTERP_LABELS, remove_key, set_interp
from studio.ui.timeline.items import ClipItem, LaneItem

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

    _Base = TimelineView
else:
    _Base = object


class TimelineMenus(_Base):
    """Mixed into ``TimelineView`` before ``QGraphicsView``, so these handlers override Qt's."""

    # ----- keyboard and menus -----
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif key == Qt.Key.Key_Escape and self._drag is not None:
            self.refresh()  # cancels the gesture and drops its preview
        elif key == Qt.Key.Key_I:
            self.set_in_out(self.playhead, max(self.playhead, (self.in_out or (0, self.playhead))[1]))
        elif key == Qt.Key.Key_O:
            start = (self.in_out or (0, 0))[0]
            self.set_in_out(min(start, self.playhead), self.playhead)
        elif key == Qt.Key.Key_Backslash:  # the NLE habit for "zoom to fit"
            self.zoom_to_fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def delete_selection(self) -> None:
        """Delete the selected keyframe, or else the selected placement."""
        if self.selected is None:
            return
        lane = self.lanes.get(self.selected)
        if lane is not None and lane.selected_key is not None:
            self._key_selection = None
            self._push(remove_key(self.project.placement(self.selected), lane.selected_key))
        else:
            self._push(RemovePlacement(self.selected))

    def keyframe_menu(self, placement_id: str, index: int) -> QMenu:
        """Interpolation (linear/smooth/hold) and delete for one keyframe; each action is one undo step."""
        menu = QMenu(self)
        placement = self.project.placement(placement_id)
        current = placement.importance.keyframes[index].interp
        for interp, label in INTERP_LABELS.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(current == interp)
            action.triggered.connect(lambda _=False, i=interp: self._push(set_interp(placement, index, i)))
        menu.addSeparator()
        menu.addAction("Delete keyframe").triggered.connect(lambda: self._push(remove_key(placement, index)))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        pos = self.mapToScene(event.pos())
        for item in self.scene().items(pos):
            if isinstance(item, LaneItem) and (index := item.key_at(pos)) is not None:
                self.select(item.placement_id)
                item.selected_key = index
                item.update()
                self.keyframe_menu(item.placement_id, index).exec(event.globalPos())
                return
            if isinstance(item, ClipItem):
                self.select(item.placement_id)
                self.clip_menu(item.placement_id).exec(event.globalPos())
                return

    def clip_menu(self, placement_id: str) -> QMenu:
        """Remove, then the window's generate actions (``generate_actions``: extend, retime, morph)."""
        menu = QMenu(self)
        menu.addAction("Remove from timeline").triggered.connect(
            lambda _=False: self._push(RemovePlacement(placement_id))
        )
        actions = self.generate_actions(placement_id) if self.generate_actions is not None else []
        if actions:
            menu.addSeparator()
        for label, slot in actions:
            menu.addAction(label).triggered.connect(lambda _=False, run=slot: run())
        return menu

    # ----- clips dropped from the library -----
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasFormat(CLIP_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        self.dragEnterEvent(event)  # not the scene's: it would refuse, since no item takes drops

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Place the dragged clips at the drop time (whole frames), one after the other: one undo step."""
        ids = bytes(event.mimeData().data(CLIP_MIME).data()).decode().split()
        t = self.scale.t(self.mapToScene(event.position().toPoint()).x())
        self._push(place_clips(self.project, ids, round(t * self.fps) / self.fps, "sequence"))
        event.acceptProposedAction()
