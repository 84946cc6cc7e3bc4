"""The timeline: placements as blocks over importance lanes, a timecode ruler, playhead and generation end.

API (agreed with the main window):
- ``TimelineView(QGraphicsView)``, objectName ``timeline``.
- ``set_project(project, undo_stack: QUndoStack, events=None)``: every edit, undo and redo (from anywhere)
  reaches the view as a ``studio.project.events.Change`` and updates only the placements it touched;
  ``refresh()`` rebuilds everything (zoom, a cancelled gesture).
- ``set_playhead(n)`` (output frame), ``set_generation_time(seconds)`` (one undo step),
  ``set_in_out(a, b)`` / ``in_out``; ``zoom`` (px per second), ``set_zoom(px_per_s, anchor_x=None)``,
  ``zoom_to_fit()`` (also on set_project and the ``\\`` key);
  ``select(placement_id | None)``, ``selected``; ``snapping`` (bool, default on).
- Signals: ``seekRequested(int)`` (frame), ``selectionChanged(object)`` (placement id or None),
  ``inOutChanged(int, int)``, ``editFailed(str)`` (a refused edit's one-line reason).

Gestures: click/drag on the ruler seeks; drag a block to move, its edges to trim (left edge moves start
and the clip's in-point; right edge the duration); in a lane, click adds a keyframe, drag moves one (time and
value), Delete removes the selected one (or the selected placement), right-click sets its interpolation; drag
the yellow end marker to change the generation time; Ctrl+wheel zooms around the cursor; I/O set in/out at the
playhead; clips dragged from the library (``CLIP_MIME``) are placed where they are dropped. Snapping
(hold Alt to turn it off) to the playhead, block edges, the end marker and whole seconds.
Every edit is ONE command pushed at mouse release through ``studio.ui.app.undo.push_command``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QMouseEvent,
    QPainter,
    QPixmap,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from studio.errors import StudioError
from studio.project import Command, Project, SetSetting
from studio.project.events import ProjectEvents
from studio.ui.app.undo import push_command
from studio.ui.audio.waveforms import WaveformCache
from studio.ui.timecode import format_timecode
from studio.ui.timeline.drags import Drag, EndDrag, KeyDrag, MoveDrag, TrimDrag
from studio.ui.timeline.geometry import EDGE_PX, LEFT_PAD, MARKER_HIT_PX, ROW_H, RULER_H, TimeScale
from studio.ui.timeline.items import ClipItem, LaneItem
from studio.ui.timeline.menus import TimelineMenus
from studio.ui.timeline.ruler import RulerState, paint_background, paint_foreground
from studio.ui.timeline.sync import PlacementItems
from studio.ui.timeline.thumbs import ThumbnailCache
from studio.ui.timeline.visible_time import VisibleTime


class TimelineView(PlacementItems, VisibleTime, TimelineMenus, QGraphicsView):
    seekRequested = Signal(int)
    selectionChanged = Signal(object)
    inOutChanged = Signal(int, int)
    editFailed = Signal(str)
    visibleTimeChanged = Signal(float, float)  # output seconds at the viewport's left and right edges

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Timeline")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The ruler is pinned to the viewport: a partial update would leave copies of it when scrolling.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.project = Project()
        self.stack: QUndoStack | None = None
        self.events: ProjectEvents | None = None
        self._own_events: tuple | None = None  # (announce, stack) when no document gave events
        self.scale = TimeScale()
        self.blocks: dict[str, ClipItem] = {}
        self.lanes: dict[str, LaneItem] = {}
        self.selected: str | None = None
        self.playhead = 0
        self.in_out: tuple[int, int] | None = None
        self.snapping = True  # the NLE's snap toggle; Alt turns it off for one gesture
        # (placement id) -> [(label, action)]: the window's generate actions for a block's context menu
        self.generate_actions: Callable[[str], list[tuple[str, Callable[[], None]]]] | None = None
        self.paint_mask: Callable[[str], object] | None = None  # the window's mask painter for a placement
        self.shot_cuts: Callable[[Path], Sequence[int] | None] | None = None  # a file's cuts (the library's)
        self._key_selection: tuple[str, float] | None = None  # (placement, key time): survives rebuilds
        self._drag: Drag | None = None
        self._press: QPointF | None = None
        self._seeking = False
        self._snap_t: float | None = None
        self._end_preview: float | None = None
        self._thumbs = ThumbnailCache(self)
        self._thumbs.ready.connect(self._on_thumbnail)
        self._waveforms = WaveformCache(self)  # the blocks' sound, drawn in them (PlacementItems)
        self._waveforms.ready.connect(self._on_waveform)
        self.setAcceptDrops(True)  # clips dragged from the library (CLIP_MIME)
        self._showing_range = False  # show_time_range in progress: do not echo it back
        self.horizontalScrollBar().valueChanged.connect(self._emit_visible_time)

    # ----- document -----
    @property
    def fps(self) -> float:
        return float(self.project.settings.fps)

    def set_project(
        self, project: Project, undo_stack: QUndoStack, events: ProjectEvents | None = None
    ) -> None:
        """Show ``project``, edited through ``undo_stack``; ``events`` are its change events (the document's;
        without them the view announces the stack's steps itself, for a timeline used on its own)."""
        if self.events is not None:
            self.events.changed.disconnect(self._on_change)
        if self._own_events is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # the old stack may be gone already
                self._own_events[1].indexChanged.disconnect(self._own_events[0])
            self._own_events = None
        if events is None:
            events = ProjectEvents(project)
            announce = events.announce
            undo_stack.indexChanged.connect(announce)
            self._own_events = (announce, undo_stack)
        self.project, self.stack, self.events = project, undo_stack, events
        events.changed.connect(self._on_change)
        self.selected = None
        self._key_selection = None
        self.refresh()
        self.zoom_to_fit()

    def refresh(self) -> None:
        """Rebuild every item (a new project, a zoom step, a cancelled gesture's preview); an edit updates
        only the placements it changed (:meth:`_on_change`)."""
        self._cancel_drag()
        self.scene().clear()
        self.blocks.clear()
        self.lanes.clear()
        for row, p in enumerate(self.project.placements):
            self._put(p, row)
        self._after_items_changed()

    def _cancel_drag(self) -> None:
        if self._drag is not None:
            self._drag.cancel()
            self._drag = None

    def _after_items_changed(self) -> None:
        if self.selected is not None and self.selected not in self.blocks:
            self.select(None)
        self._update_scene_rect()
        self.viewport().update()

    def _update_scene_rect(self) -> None:
        ends = [self.project.settings.duration, *(p.end for p in self.project.placements)]
        width = self.scale.x(max(ends)) + 200
        height = RULER_H + ROW_H * len(self.project.placements) + 20
        view = self.viewport().size()
        self.scene().setSceneRect(QRectF(0, 0, max(width, view.width()), max(height, view.height())))

    def _push(self, command: Command | None) -> bool:
        """One undo step through the window's wrapper; a refused edit is reported, not raised into Qt."""
        if command is None or self.stack is None:
            self.refresh()  # drop any preview
            return False
        try:
            push_command(self.stack, self.project, command)
        except StudioError as exc:
            self.refresh()
            self.editFailed.emit(str(exc))
            return False
        return True

    # ----- state from outside -----
    def set_playhead(self, n: int) -> None:
        """Move the playhead; during playback the view pages along so the playhead stays in sight."""
        self.playhead = max(0, int(n))
        if self._drag is None and not self._seeking:
            x = self.scale.x(self.playhead / self.fps)
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            if x < visible.left() or x > visible.right() - 10:
                self.horizontalScrollBar().setValue(round(x - 0.1 * visible.width()))
        self.viewport().update()

    def set_generation_time(self, seconds: float) -> None:
        """Set the output length (rounded to whole frames) as one undo step."""
        seconds = max(1.0 / self.fps, round(float(seconds) * self.fps) / self.fps)
        if abs(seconds - self.project.settings.duration) > 1e-9:
            self._push(SetSetting("duration", seconds))

    def set_in_out(self, a: int, b: int) -> None:
        a, b = sorted((max(0, int(a)), max(0, int(b))))
        self.in_out = (a, b)
        self.inOutChanged.emit(a, b)
        self.viewport().update()

    def select(self, placement_id: str | None) -> None:
        if placement_id == self.selected:
            return
        self.selected = placement_id
        for pid, block in self.blocks.items():
            block.set_selected(pid == placement_id)
        for lane in self.lanes.values():
            if lane.placement_id != placement_id:
                lane.selected_key = None
                lane.update()
        if self._key_selection is not None and self._key_selection[0] != placement_id:
            self._key_selection = None
        self.selectionChanged.emit(placement_id)

    # ----- zoom -----
    @property
    def zoom(self) -> float:
        return self.scale.px_per_s

    def set_zoom(self, px_per_s: float, anchor_x: float | None = None) -> None:
        """Zoom keeping the time under viewport x ``anchor_x`` (default: the left edge) where it is."""
        anchor_x = 0.0 if anchor_x is None else anchor_x
        t = self.scale.t(self.mapToScene(int(anchor_x), 0).x())
        self.scale.px_per_s = TimeScale(px_per_s).zoomed(1.0)
        self.refresh()
        self.horizontalScrollBar().setValue(round(self.scale.x(t) - anchor_x))
        self._emit_visible_time()

    def zoom_to_fit(self) -> None:
        """Show the whole generation time (and every block) in the viewport's width."""
        ends = [self.project.settings.duration, *(p.end for p in self.project.placements)]
        width = self.viewport().width() - LEFT_PAD - 20
        if width > 50:
            self.set_zoom(width / max(max(ends), 1e-3))
            self.horizontalScrollBar().setValue(0)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 ** (event.angleDelta().y() / 120.0)
            self.set_zoom(self.scale.zoomed(factor), event.position().x())
            event.accept()
        else:
            super().wheelEvent(event)

    # ----- drag host -----
    def snap_candidates(self, exclude_placement: str | None) -> list[float]:
        c = [0.0, self.playhead / self.fps, self.project.settings.duration]
        for p in self.project.placements:
            if p.id != exclude_placement:
                c += [p.start, p.end]
        return c

    def show_snap(self, t: float | None) -> None:
        self._snap_t = t
        self.viewport().update()

    def preview_end(self, seconds: float | None) -> None:
        self._end_preview = seconds
        self.viewport().update()

    # ----- mouse -----
    def _frame_at(self, scene_x: float) -> int:
        last = max(0, self.project.settings.frame_count - 1)
        return min(last, max(0, int(self.scale.t(scene_x) * self.fps)))

    def _seek(self, scene_x: float) -> None:
        self.set_playhead(self._frame_at(scene_x))
        self.seekRequested.emit(self.playhead)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = self.mapToScene(event.position().toPoint())
        self._press = pos
        self._drag = self._drag_for(pos, event.position().y())
        if self._drag is None and not self._seeking:
            self.select(None)
        event.accept()

    def _drag_for(self, pos: QPointF, viewport_y: float) -> Drag | None:
        end_x = self.scale.x(self.project.settings.duration)
        if viewport_y < RULER_H:
            if abs(pos.x() - end_x) <= MARKER_HIT_PX + 2:
                return EndDrag(self)
            self._seeking = True
            self._seek(pos.x())
            return None
        for item in self.scene().items(pos):
            if isinstance(item, LaneItem) and item.rect().contains(pos):
                self.select(item.placement_id)
                return KeyDrag(self, item, item.key_at(pos), pos)
            if isinstance(item, ClipItem) and item.rect().contains(pos):
                self.select(item.placement_id)
                lane = self.lanes[item.placement_id]
                r = item.rect()
                if pos.x() - r.left() <= EDGE_PX and r.width() > 3 * EDGE_PX:
                    return TrimDrag(self, item, lane, "left", pos)
                if r.right() - pos.x() <= EDGE_PX:
                    return TrimDrag(self, item, lane, "right", pos)
                return MoveDrag(self, item, lane, pos)
        if abs(pos.x() - end_x) <= MARKER_HIT_PX:
            return EndDrag(self)
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = self.mapToScene(event.position().toPoint())
        if self._seeking:
            self._seek(pos.x())
        elif self._drag is not None and self._press is not None:
            if not self._drag.moved:
                moved = (pos - self._press).manhattanLength() >= QApplication.startDragDistance()
                self._drag.moved = moved
            if self._drag.moved:
                snapping = self.snapping and not event.modifiers() & Qt.KeyboardModifier.AltModifier
                self._drag.move(pos, snapping)
                if isinstance(self._drag, KeyDrag) and self._drag.lane.selected_key is not None:
                    text = self.key_text(self._drag.lane, self._drag.lane.selected_key)
                    QToolTip.showText(event.globalPosition().toPoint(), text, self.viewport())
        else:
            self._update_cursor(pos, event.position().y())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        drag, self._drag, self._seeking, self._snap_t = self._drag, None, False, None
        if isinstance(drag, KeyDrag):  # the key just clicked, added or moved stays selected (Delete, menu)
            self._key_selection = (drag.lane.placement_id, drag.key.time)
        elif drag is not None:
            self._key_selection = None
        if drag is not None:
            command = drag.finish()
            if command is not None:
                self._push(command)
        self.viewport().update()
        event.accept()

    def key_text(self, lane: LaneItem, index: int) -> str:
        """A keyframe's tooltip: output timecode, importance, interpolation."""
        key = lane.keys[index]
        frame = round((lane.start + key.time) * self.fps)
        return f"{format_timecode(frame, self.fps)} · importance {key.value:.2f} · {key.interp}"

    def _update_cursor(self, pos: QPointF, viewport_y: float) -> None:
        shape = Qt.CursorShape.ArrowCursor
        tip = ""
        end_x = self.scale.x(self.project.settings.duration)
        if abs(pos.x() - end_x) <= MARKER_HIT_PX:
            shape = Qt.CursorShape.SplitHCursor
        elif viewport_y >= RULER_H:
            for item in self.scene().items(pos):
                if isinstance(item, LaneItem):
                    index = item.key_at(pos)
                    if index is not None:
                        shape = Qt.CursorShape.PointingHandCursor
                        tip = self.key_text(item, index)
                    break
                if isinstance(item, ClipItem):
                    r = item.rect()
                    near_edge = min(pos.x() - r.left(), r.right() - pos.x()) <= EDGE_PX
                    shape = Qt.CursorShape.SizeHorCursor if near_edge else Qt.CursorShape.OpenHandCursor
                    break
        self.viewport().setCursor(shape)
        self.viewport().setToolTip(tip)

    # ----- painting -----
    def _ruler_state(self) -> RulerState:
        end = self._end_preview if self._end_preview is not None else self.project.settings.duration
        return RulerState(self.scale, self.fps, self.playhead, end, self.in_out, self._snap_t)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        paint_background(painter, rect, self._ruler_state())

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        paint_foreground(painter, visible, self._ruler_state())

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        super().resizeEvent(event)
        self._update_scene_rect()
        self._emit_visible_time()

    # ----- thumbnails, loaded off the GUI thread -----
    def _on_thumbnail(self, path: str, pixmap: QPixmap) -> None:
        for block in self.blocks.values():
            if str(block.clip.path) == path:
                block.set_thumbnail(pixmap)

    def wait_for_jobs(self, msecs: int = 10000) -> bool:
        """Join the thumbnail and waveform threads (shutdown, tests)."""
        return self._thumbs.wait(msecs) and self._waveforms.wait(msecs)
