"""The timeline driven with real mouse events on its viewport (pytest-qt, offscreen), on a project whose clips
are real files made with PyAV. At the zoom used here (100 px per second) one pixel is 10 ms, so every expected
value below follows from the pixels dragged."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from studio.project import (
    ImportanceCurve,
    Keyframe,
    MovePlacement,
    Placement,
    Project,
)
from studio.ui.app.undo import push_command
from studio.ui.timeline.geometry import LEFT_PAD, RULER_H, lane_rect, value_to_y
from studio.ui.timeline.view import TimelineView
from tests.ui.timeline_support import (
    PPS,
    X,
    block_y,
    drag,
    to_viewport,
    two_clip_files,
    two_clip_project,
    view_fixture,
)

FPS = 24.0
KEYS = (Keyframe(0.0, 0.5, "linear"), Keyframe(1.5, 1.0, "smooth"), Keyframe(3.0, 0.25, "linear"))


@pytest.fixture(scope="module")
def clip_files(make_test_clip: Callable[..., Path]) -> tuple[Path, Path]:
    return two_clip_files(make_test_clip, "timeline")


@pytest.fixture
def project(clip_files: tuple[Path, Path]) -> Project:
    placements = [
        Placement("p-1", "c-1", 1.0, 3.0, importance=ImportanceCurve(KEYS)),
        Placement("p-2", "c-2", 4.5, 2.0),
    ]
    return two_clip_project(clip_files, placements, fps=FPS)


@pytest.fixture
def view(qtbot, project: Project) -> Iterator[TimelineView]:  # noqa: ANN001
    yield from view_fixture(qtbot, project)


def _click(
    view: TimelineView, x: float, y: float, button: Qt.MouseButton = Qt.MouseButton.LeftButton
) -> None:
    QTest.mouseClick(view.viewport(), button, Qt.KeyboardModifier.NoModifier, to_viewport(view, x, y))


def test_one_block_and_lane_per_placement_and_click_selects(view: TimelineView, qtbot) -> None:
    assert view.objectName() == "timeline"
    assert set(view.blocks) == set(view.lanes) == {"p-1", "p-2"}
    assert view.blocks["p-1"].rect().left() == pytest.approx(X(1.0))
    assert view.blocks["p-2"].rect().width() == pytest.approx(2.0 * PPS)
    with qtbot.waitSignal(view.selectionChanged, timeout=500) as blocker:
        _click(view, X(5.0), block_y(1))
    assert blocker.args == ["p-2"] and view.blocks["p-2"].selected
    with qtbot.waitSignal(view.selectionChanged, timeout=500) as blocker:
        _click(view, X(8.9), 300 - 10)  # empty space
    assert blocker.args == [None]
    assert view.stack.count() == 0


def test_move_drag_is_one_undo_command_and_undo_restores(view: TimelineView, project: Project) -> None:
    drag(view, (X(1.5), block_y(0)), (X(3.0), block_y(0)))
    assert view.stack.count() == 1
    assert project.placement("p-1").start == pytest.approx(2.5)
    assert view.blocks["p-1"].rect().left() == pytest.approx(X(2.5))  # rebuilt from the project
    view.stack.undo()
    assert project.placement("p-1").start == pytest.approx(1.0)
    assert view.blocks["p-1"].rect().left() == pytest.approx(X(1.0))
    view.stack.redo()
    assert project.placement("p-1").start == pytest.approx(2.5)


def test_a_click_without_motion_edits_nothing(view: TimelineView) -> None:
    _click(view, X(1.5), block_y(0))
    _click(view, X(1.0) + 2, block_y(0))  # on the trim edge
    assert view.stack.count() == 0 and view.selected == "p-1"


def test_move_snaps_its_end_to_the_next_block_start(view: TimelineView, project: Project) -> None:
    view.snapping = True
    drag(
        view, (X(1.5), block_y(0)), (X(1.97), block_y(0))
    )  # end would land at 4.47 s, 3 px before p-2 at 4.5 s
    assert project.placement("p-1").start == pytest.approx(1.5)
    view.stack.undo()
    view.snapping = False
    drag(view, (X(1.5), block_y(0)), (X(1.97), block_y(0)))
    assert project.placement("p-1").start == pytest.approx(1.47)


def test_left_trim_moves_start_and_in_point_and_keeps_the_curve_in_place(view: TimelineView, project) -> None:
    old_curve = project.placement("p-1").importance
    drag(view, (X(1.0) + 2, block_y(0)), (X(1.5) + 2, block_y(0)))  # +0.5 s
    p, clip = project.placement("p-1"), project.clip("c-1")
    assert view.stack.count() == 1
    assert (p.start, p.duration, clip.in_s) == pytest.approx((1.5, 2.5, 0.5))
    for t_abs in (1.5, 2.0, 2.5, 3.5, 4.0):  # same value at the same output time as before the trim
        assert p.importance.value_at(t_abs - 1.5) == pytest.approx(old_curve.value_at(t_abs - 1.0), abs=1e-6)
    view.stack.undo()
    p, clip = project.placement("p-1"), project.clip("c-1")
    assert (p.start, p.duration, clip.in_s, p.importance) == (1.0, 3.0, 0.0, old_curve)


def test_left_trim_cannot_go_before_the_files_first_frame(view: TimelineView, project: Project) -> None:
    drag(view, (X(1.0) + 2, block_y(0)), (X(0.4), block_y(0)))  # in_s is 0 already: nothing to reveal
    assert view.stack.count() == 0 and project.placement("p-1").start == 1.0


def test_right_trim_changes_duration_only(view: TimelineView, project: Project) -> None:
    drag(view, (X(4.0) - 2, block_y(0)), (X(5.0) - 2, block_y(0)))
    p = project.placement("p-1")
    assert (p.start, p.duration) == pytest.approx((1.0, 4.0)) and view.stack.count() == 1
    assert project.clip("c-1").in_s == 0.0


def _lane_point(view: TimelineView, pid: str, t_rel: float, value: float) -> tuple[float, float]:
    lane = view.lanes[pid]
    r = lane_rect(lane.row, lane.start, lane.duration, view.scale)
    return r.left() + t_rel * PPS, value_to_y(value, r, lane.vmax())


def test_click_on_a_lane_adds_a_keyframe(view: TimelineView, project: Project) -> None:
    _click(view, *_lane_point(view, "p-2", 1.0, 0.5))
    keys = project.placement("p-2").importance.keyframes
    assert view.stack.count() == 1 and len(keys) == 1
    assert keys[0].time == pytest.approx(1.0, abs=0.01) and keys[0].value == pytest.approx(0.5, abs=0.04)
    assert view.lanes["p-2"].selected_key == 0  # still selected after the rebuild: Delete takes it away
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert project.placement("p-2").importance.keyframes == () and view.stack.count() == 2
    view.stack.undo()
    view.stack.undo()
    assert project.placement("p-2").importance.keyframes == ()


def test_drag_a_keyframe_in_time_and_value(view: TimelineView, project: Project) -> None:
    drag(view, _lane_point(view, "p-1", 1.5, 1.0), _lane_point(view, "p-1", 2.0, 0.5))
    keys = project.placement("p-1").importance.keyframes
    assert view.stack.count() == 1 and len(keys) == 3
    assert keys[1].time == pytest.approx(2.0, abs=0.01) and keys[1].value == pytest.approx(0.5, abs=0.04)
    assert keys[1].interp == "smooth" and keys[0] == KEYS[0] and keys[2] == KEYS[2]


def test_delete_removes_the_selected_keyframe(view: TimelineView, project: Project) -> None:
    _click(view, *_lane_point(view, "p-1", 1.5, 1.0))  # selects the handle, no edit
    assert view.stack.count() == 0 and view.lanes["p-1"].selected_key == 1
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert project.placement("p-1").importance.keyframes == (KEYS[0], KEYS[2])
    view.stack.undo()
    assert project.placement("p-1").importance.keyframes == KEYS


def test_context_menu_sets_interpolation(view: TimelineView, project: Project, qtbot) -> None:
    menu = view.keyframe_menu("p-1", 0)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Linear", "Smooth", "Hold", "Delete keyframe"]
    assert [a.isChecked() for a in menu.actions()[:3]] == [True, False, False]
    next(a for a in menu.actions() if a.text() == "Hold").trigger()
    p = project.placement("p-1")
    assert p.importance.keyframes[0].interp == "hold" and view.stack.count() == 1
    assert p.importance.value_at(1.4) == 0.5  # holds its value up to the next key


def test_right_click_opens_the_keyframe_menu(view: TimelineView, project: Project, qtbot) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMenu

    def pick_smooth() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        next(a for a in menu.actions() if a.text() == "Smooth").trigger()
        menu.close()

    QTimer.singleShot(100, pick_smooth)
    x, y = _lane_point(view, "p-1", 3.0, 0.25)
    event_pos = to_viewport(view, x, y)
    from PySide6.QtGui import QContextMenuEvent

    QApplication.sendEvent(
        view.viewport(),
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, event_pos, view.mapToGlobal(event_pos)),
    )
    assert project.placement("p-1").importance.keyframes[2].interp == "smooth"


def test_lane_draws_exactly_value_at(view: TimelineView, project: Project) -> None:
    lane = view.lanes["p-1"]
    t, v = lane.curve_samples()
    assert len(t) > 3.0 * PPS / 2 * 0.9  # every ~2 px
    curve = project.placement("p-1").importance
    for ti, vi in zip(t, v, strict=True):
        assert vi == pytest.approx(curve.value_at(float(ti)), abs=1e-12)


def test_ctrl_wheel_zooms_around_the_cursor(view: TimelineView) -> None:
    from PySide6.QtCore import QPointF as P
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view.set_zoom(200.0)
    view.horizontalScrollBar().setValue(300)
    t_before = view.scale.t(view.mapToScene(400, 100).x())
    event = QWheelEvent(P(400, 100), P(view.viewport().mapToGlobal(QPoint(400, 100))), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom == pytest.approx(250.0)
    assert view.scale.t(view.mapToScene(400, 100).x()) == pytest.approx(t_before, abs=1.0 / view.zoom)
    assert view.blocks["p-1"].rect().left() == pytest.approx(LEFT_PAD + 250.0)


def test_end_marker_drag_sets_generation_time(view: TimelineView, project: Project) -> None:
    y = view.mapToScene(0, RULER_H // 2).y()
    drag(view, (X(8.0), y), (X(6.5), y))
    assert project.settings.duration == pytest.approx(6.5) and view.stack.count() == 1
    view.stack.undo()
    assert project.settings.duration == 8.0


def test_set_generation_time_rounds_to_frames_in_one_step(view: TimelineView, project: Project) -> None:
    view.set_generation_time(3.01)
    assert project.settings.duration == pytest.approx(72 / FPS) and view.stack.count() == 1


def test_ruler_click_and_drag_seek(view: TimelineView, qtbot) -> None:
    y = view.mapToScene(0, RULER_H // 2).y()
    seen: list[int] = []
    view.seekRequested.connect(seen.append)
    _click(view, X(2.5), y)
    assert seen == [60] and view.playhead == 60
    drag(view, (X(1.0), y), (X(3.0), y), steps=4)
    assert seen[1] == 24 and seen[-1] == 72 and len(seen) >= 5 and view.stack.count() == 0


def test_in_out_keys(view: TimelineView, qtbot) -> None:
    view.set_playhead(24)
    QTest.keyClick(view, Qt.Key.Key_I)
    view.set_playhead(72)
    with qtbot.waitSignal(view.inOutChanged, timeout=500) as blocker:
        QTest.keyClick(view, Qt.Key.Key_O)
    assert blocker.args == [24, 72]


def test_undo_from_elsewhere_refreshes(view: TimelineView, project: Project) -> None:
    push_command(view.stack, project, MovePlacement("p-2", 0.5))
    assert view.blocks["p-2"].rect().left() == pytest.approx(X(0.5))


def test_thumbnails_arrive_off_the_gui_thread(view: TimelineView, qtbot) -> None:
    qtbot.waitUntil(lambda: all(b.thumbnail is not None for b in view.blocks.values()), timeout=10000)
    assert not view.blocks["p-1"].thumbnail.isNull()


def test_grab_to_png(view: TimelineView, tmp_path: Path, qtbot) -> None:
    qtbot.waitUntil(lambda: all(b.thumbnail is not None for b in view.blocks.values()), timeout=10000)
    view.set_playhead(50)
    view.set_in_out(24, 96)
    view.select("p-1")
    out = Path(os.environ.get("STUDIO_GRAB_DIR", tmp_path)) / "timeline.png"
    assert view.grab().save(str(out))
    assert out.stat().st_size > 5000


def test_escape_cancels_a_drag(view: TimelineView, project: Project) -> None:
    vp = view.viewport()
    QTest.mousePress(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_viewport(view, X(1.5), block_y(0))
    )
    for x in (X(1.7), X(2.0), X(2.4)):
        QTest.mouseMove(vp, to_viewport(view, x, block_y(0)))
    assert view.blocks["p-1"].rect().left() == pytest.approx(X(1.9))  # previewing
    QTest.keyClick(view, Qt.Key.Key_Escape)
    QTest.mouseRelease(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_viewport(view, X(2.4), block_y(0))
    )
    assert view.stack.count() == 0 and project.placement("p-1").start == 1.0
    assert view.blocks["p-1"].rect().left() == pytest.approx(X(1.0))


def test_a_refused_edit_is_reported_not_raised(view: TimelineView, project: Project, qtbot) -> None:
    with qtbot.waitSignal(view.editFailed, timeout=500) as blocker:
        view.set_generation_time(25 * 3600.0)  # over the 24 h the project format allows
    assert "duration" in blocker.args[0] and "\n" not in blocker.args[0]
    assert view.stack.count() == 0 and project.settings.duration == 8.0


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_clips_dropped_from_the_library_are_placed_in_one_step(view: TimelineView, project: Project) -> None:
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from studio.ui.library.panel import CLIP_MIME

    data = QMimeData()
    data.setData(CLIP_MIME, b"c-1\nc-2\nc-gone")
    pos = to_viewport(view, X(2.0), block_y(1))
    action, buttons, mods = (
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(pos, action, data, buttons, mods)  # QPoint: the one form every PySide6 6.x takes
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(pos), action, data, buttons, mods))
    added = project.placements[2:]
    assert [(p.clip_id, p.start, p.duration) for p in added] == [("c-1", 2.0, 4.0), ("c-2", 6.0, 2.0)]
    assert view.stack.count() == 1 and set(view.blocks) == {"p-1", "p-2", "p-3", "p-4"}
    view.stack.undo()
    assert len(project.placements) == 2


def test_playback_pages_the_view_along(view: TimelineView) -> None:
    view.set_zoom(400.0)  # 8 s = 3200 px: most of it off screen
    view.set_playhead(int(6.0 * FPS))
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.left() < view.scale.x(6.0) < visible.right()


# PySide6 6.12.0 on CPython < 3.12 dropped a reference to None on every void C++ call and aborted the app
# after a few dozen repaints (pyproject excludes it). Painting must leave None's refcount where it was.
def test_painting_keeps_none_alive(view: TimelineView) -> None:
    import sys

    view.grab()
    before = sys.getrefcount(None)
    view.grab()
    assert abs(sys.getrefcount(None) - before) < 50


def test_zoom_to_fit_shows_the_whole_generation_time(view: TimelineView) -> None:
    view.set_zoom(400.0)
    QTest.keyClick(view, Qt.Key.Key_Backslash)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.left() <= view.scale.x(0.0) and view.scale.x(8.0) <= visible.right()
    assert view.scale.x(8.0) > visible.right() - 60  # and uses the width, not a tiny corner of it


def test_hovering_a_keyframe_tells_time_value_and_interpolation(view: TimelineView) -> None:
    QTest.mouseMove(view.viewport(), to_viewport(view, *_lane_point(view, "p-1", 1.5, 1.0)))
    assert view.viewport().toolTip() == "00:00:02:12 · importance 1.00 · smooth"  # 1.0 s + 1.5 s at 24 fps
    QTest.mouseMove(view.viewport(), to_viewport(view, X(7.5), 290))
    assert view.viewport().toolTip() == ""


def test_end_marker_snaps_to_playhead_and_whole_seconds(view: TimelineView, project: Project) -> None:
    view.snapping = True
    view.set_playhead(60)  # 2.5 s
    y = view.mapToScene(0, RULER_H // 2).y()
    drag(view, (X(8.0), y), (X(2.5) + 5, y))  # 5 px past the playhead: within the 8 px snap
    assert project.settings.duration == pytest.approx(2.5)
    drag(view, (X(2.5), y), (X(6.0) + 4, y))  # 4 px past a whole second
    assert project.settings.duration == pytest.approx(6.0)
    drag(view, (X(6.0), y), (X(6.3), y))  # 30 px from anything: no snap, whole frames only
    assert project.settings.duration == pytest.approx(round(6.3 * FPS) / FPS)
    assert view.stack.count() == 3


def test_an_edit_rebuilds_only_the_placement_it_changed(view: TimelineView) -> None:
    """The document's change events reach the view once per edit; untouched blocks and lanes stay the same
    objects (no scene rebuild), the moved one is rebuilt where the edit put it; undo does the same."""
    before = {pid: (view.blocks[pid], view.lanes[pid]) for pid in view.blocks}
    push_command(view.stack, view.project, MovePlacement("p-2", 6.0))
    assert (view.blocks["p-1"], view.lanes["p-1"]) == before["p-1"]
    assert view.blocks["p-2"] is not before["p-2"][0] and view.blocks["p-2"].placement.start == 6.0
    assert len(view.scene().items()) == 2 * len(view.project.placements)  # no stale items left behind
    view.stack.undo()
    assert view.blocks["p-1"] is before["p-1"][0] and view.blocks["p-2"].placement.start == 4.5
