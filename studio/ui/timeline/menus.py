"""Keyboard, context menus and drops of the timeline: the discrete edits, as a mixin of ``TimelineView``.

Split from the view so ``timeline.py`` keeps the document, the zoom and the mouse gestures; everything here
turns one key press, menu action or drop into one command from ``timeline_edits`` and pushes it through the
view's ``_push`` (one undo step each). The lane's menu pins a share ("Pin share here…", "Remove pin").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QMenu

from studio.project import Pin, Placement, RemovePlacement, SetPins
from studio.project.placing import place_clips
from studio.project.shots import split_at_cuts
from studio.ui.library.panel import CLIP_MIME
from studio.ui.timeline.edits import INTERP_LABELS, remove_key, set_interp
from studio.ui.timeline.items import ClipItem, LaneItem
from studio.ui.timeline.pin_dialog import PinDialog, default_span

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
            if isinstance(item, LaneItem) and item.rect().contains(pos):
                self.select(item.placement_id)
                self.lane_menu(item.placement_id, self.scale.t(pos.x()), item.pin_at(pos)).exec(
                    event.globalPos()
                )
                return
            if isinstance(item, ClipItem):
                self.select(item.placement_id)
                self.clip_menu(item.placement_id).exec(event.globalPos())
                return

    def lane_menu(self, placement_id: str, t: float, pin: int | None = None) -> QMenu:
        """The lane at output time ``t``: "Pin share here…" (a dialog; the 2 s around ``t``, at least 30 %)
        and, over a pin (index ``pin`` of the placement's), "Remove pin"; each one undo step."""
        menu = QMenu(self)
        menu.addAction("Pin share here…").triggered.connect(lambda _=False: self.pin_share(placement_id, t))
        remove = menu.addAction("Remove pin")
        remove.setEnabled(pin is not None)
        if pin is not None:
            remove.triggered.connect(lambda _=False: self.remove_pin(placement_id, pin))
        return menu

    def ask_pin(self, placement: Placement, start: float, end: float) -> Pin | None:
        """The pin dialog, run modally; None when cancelled. (Tests replace this.)"""
        dialog = PinDialog(placement, start, end, self)
        return dialog.pin() if dialog.exec() == PinDialog.DialogCode.Accepted else None

    def pin_share(self, placement_id: str, t: float) -> bool:
        """Ask for a pin around output time ``t`` and add it to the placement: one undo step."""
        placement = self.project.placement(placement_id)
        pin = self.ask_pin(placement, *default_span(placement, t))
        if pin is None:
            return False
        return self._push(SetPins(placement_id, (*placement.pins, pin), "Pin share"))

    def remove_pin(self, placement_id: str, index: int) -> bool:
        """Remove the placement's pin ``index``: one undo step."""
        pins = self.project.placement(placement_id).pins
        return self._push(SetPins(placement_id, pins[:index] + pins[index + 1 :], "Remove pin"))

    def clip_menu(self, placement_id: str) -> QMenu:
        """Remove, then the window's generate actions (``generate_actions``: extend, retime, morph)."""
        menu = QMenu(self)
        menu.addAction("Remove from timeline").triggered.connect(
            lambda _=False: self._push(RemovePlacement(placement_id))
        )
        if self.paint_mask is not None:  # where the clip must / must never be used, painted on the frame
            paint = self.paint_mask
            menu.addAction("Paint mask…").triggered.connect(lambda _=False: paint(placement_id))
        split = menu.addAction("Split at Cuts")  # one placement per shot; only where it shows more than one
        split.setEnabled(self.split_at_cuts(placement_id, dry_run=True))
        split.triggered.connect(lambda _=False: self.split_at_cuts(placement_id))
        actions = self.generate_actions(placement_id) if self.generate_actions is not None else []
        if actions:
            menu.addSeparator()
        for label, slot in actions:
            menu.addAction(label).triggered.connect(lambda _=False, run=slot: run())
        return menu

    def split_at_cuts(self, placement_id: str, dry_run: bool = False) -> bool:
        """Replace the placement by one placement per shot it shows (``studio.project.shots``): one undo
        step. ``dry_run``: only whether it would split (its file's cuts known, more than one shot shown)."""
        placement = self.project.placement(placement_id)
        clip = self.project.clip(placement.clip_id)
        cuts = self.shot_cuts(clip.path) if self.shot_cuts is not None and clip.online else None
        command = split_at_cuts(self.project, placement_id, cuts) if cuts else None
        if dry_run or command is None:
            return command is not None
        return self._push(command)

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
