"""Pins on the timeline: drawn on the placement's lane, added and removed from the lane's menu (one undo step
each), kept in place by a left trim; real clips, real mouse events (offscreen), 100 px per second."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from studio.project import Pin, Placement, Project
from studio.ui.timeline.geometry import lane_rect, share_to_y
from studio.ui.timeline.items import PIN
from studio.ui.timeline.pin_dialog import PinDialog, default_span
from studio.ui.timeline.view import TimelineView
from tests.ui.timeline_support import (
    X,
    block_y,
    drag,
    to_viewport,
    two_clip_files,
    two_clip_project,
    view_fixture,
)


@pytest.fixture(scope="module")
def clip_files(make_test_clip: Callable[..., Path]) -> tuple[Path, Path]:
    return two_clip_files(make_test_clip, "pins_tl")


@pytest.fixture
def project(clip_files: tuple[Path, Path]) -> Project:
    placements = [
        Placement("p-1", "c-1", 1.0, 3.0, pins=(Pin(0.5, 1.5, 0.3),)),
        Placement("p-2", "c-2", 4.5, 2.5, pins=(Pin(1.0, 2.0, None, 0.6),)),
    ]
    return two_clip_project(clip_files, placements)


@pytest.fixture
def view(qtbot, project: Project) -> Iterator[TimelineView]:  # noqa: ANN001
    yield from view_fixture(qtbot, project)


def _lane_y(view: TimelineView, pid: str, share: float) -> float:
    lane = view.lanes[pid]
    return share_to_y(share, lane_rect(lane.row, lane.start, lane.duration, view.scale))


def test_the_lane_draws_each_pin_as_a_band_at_its_levels(view: TimelineView, tmp_path: Path, qtbot) -> None:
    lane = view.lanes["p-1"]
    assert lane.pins == (Pin(0.5, 1.5, 0.3),) and lane.pins[0].label == "≥30 %"
    band = lane.pin_rect(0)
    assert (band.left(), band.right()) == pytest.approx((X(1.5), X(2.5)))
    assert (band.top(), band.bottom()) == pytest.approx(
        (_lane_y(view, "p-1", 1.0), _lane_y(view, "p-1", 0.3))
    )
    capped = view.lanes["p-2"].pin_rect(0)  # max only: from 0 up to 60 %
    assert capped.bottom() == pytest.approx(_lane_y(view, "p-2", 0.0))
    assert capped.top() == pytest.approx(_lane_y(view, "p-2", 0.6))
    assert view.lanes["p-2"].pins[0].label == "≤60 %"
    qtbot.waitUntil(lambda: all(b.thumbnail is not None for b in view.blocks.values()), timeout=10000)
    image = view.grab().toImage()
    out = Path(os.environ.get("STUDIO_GRAB_DIR", tmp_path)) / "timeline_pins.png"
    assert image.save(str(out))

    def pin_coloured(x: float, y: float) -> bool:
        """A pixel of (nearly) the pin's colour within a pixel of (x, y): lines are antialiased."""
        p = to_viewport(view, x, y)
        colours = [QColor(image.pixel(p.x(), p.y() + dy)) for dy in (-1, 0, 1)]
        return any(min(c.red(), c.green(), c.blue()) > 170 for c in colours)  # no clip colour is this light

    assert min(PIN.red(), PIN.green(), PIN.blue()) > 200
    y_min = _lane_y(view, "p-1", 0.3)
    assert pin_coloured(X(2.3), y_min)  # the min line, inside the band (the label sits at its left)
    assert not pin_coloured(X(1.2), y_min) and not pin_coloured(X(3.5), y_min)  # not outside its range
    y_max = _lane_y(view, "p-2", 0.6)
    assert sum(pin_coloured(X(x / 10), y_max) for x in range(61, 65)) >= 2  # the dashed max line


def _menu_actions(menu: QMenu) -> dict[str, object]:
    return {a.text(): a for a in menu.actions() if a.text()}


def test_pin_share_here_adds_a_pin_as_one_undo_step(view: TimelineView, project: Project) -> None:
    asked = []

    def ask(placement: Placement, start: float, end: float) -> Pin:
        asked.append((placement.id, start, end))
        return Pin(start - placement.start, end - placement.start, 0.3)

    view.ask_pin = ask
    actions = _menu_actions(view.lane_menu("p-2", 5.5))
    assert list(actions) == ["Pin share here…", "Remove pin"] and not actions["Remove pin"].isEnabled()
    actions["Pin share here…"].trigger()
    assert asked == [("p-2", 4.5, 6.5)]  # the 2 s around the click, kept within the placement
    assert project.placement("p-2").pins == (Pin(0.0, 2.0, 0.3), Pin(1.0, 2.0, None, 0.6))
    assert view.stack.count() == 1 and view.stack.undoText() == "Pin share"
    assert view.lanes["p-2"].pins == project.placement("p-2").pins  # the lane follows the edit
    view.stack.undo()
    assert project.placement("p-2").pins == (Pin(1.0, 2.0, None, 0.6),)
    assert view.lanes["p-2"].pins == (Pin(1.0, 2.0, None, 0.6),)


def test_a_cancelled_dialog_edits_nothing(view: TimelineView, project: Project) -> None:
    view.ask_pin = lambda *args: None
    assert not view.pin_share("p-1", 2.0)
    assert view.stack.count() == 0


def test_remove_pin_from_the_right_click_menu_is_one_undo_step(view: TimelineView, project: Project) -> None:
    def remove() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        action = _menu_actions(menu)["Remove pin"]
        assert action.isEnabled()
        action.trigger()
        menu.close()

    QTimer.singleShot(100, remove)
    pos = to_viewport(view, X(2.0), _lane_y(view, "p-1", 0.9))  # over the pin, away from any keyframe
    QApplication.sendEvent(
        view.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.mapToGlobal(pos))
    )
    assert project.placement("p-1").pins == () and view.lanes["p-1"].pins == ()
    assert view.stack.count() == 1 and view.stack.undoText() == "Remove pin"
    view.stack.undo()
    assert project.placement("p-1").pins == (Pin(0.5, 1.5, 0.3),)


def test_the_dialog_defaults_and_refuses_a_bad_pin(view: TimelineView, project: Project, qtbot) -> None:
    placement = project.placement("p-1")  # [1, 4)
    assert default_span(placement, 2.5) == (1.5, 3.5)
    assert default_span(placement, 1.2) == (1.0, 3.0)  # shifted into the placement
    dialog = PinDialog(placement, *default_span(placement, 2.5), view)
    qtbot.addWidget(dialog)
    assert (dialog.start.value(), dialog.end.value()) == (1.5, 3.5)
    assert dialog.use_min.isChecked() and dialog.min.value() == 30.0 and not dialog.use_max.isChecked()
    assert dialog.pin() == Pin(0.5, 2.5, 0.3)
    dialog.use_max.setChecked(True)
    dialog.max.setValue(20.0)  # below the min
    dialog.accept()
    assert dialog.result() != PinDialog.DialogCode.Accepted
    assert dialog.error.text() == "pin: min_share 0.3 is above max_share 0.2"
    dialog.max.setValue(50.0)
    dialog.accept()
    assert dialog.result() == PinDialog.DialogCode.Accepted and dialog.pin() == Pin(0.5, 2.5, 0.3, 0.5)


def test_a_left_trim_keeps_the_pins_in_place(view: TimelineView, project: Project) -> None:
    drag(view, (X(1.0) + 2, block_y(0)), (X(1.8) + 2, block_y(0)))
    p = project.placement("p-1")
    assert p.start == pytest.approx(1.8) and view.stack.count() == 1
    [pin] = p.pins  # was [1.5, 2.5) in output time: now cut at the new start, 1.8
    assert (p.start + pin.start, p.start + pin.end, pin.min_share) == pytest.approx((1.8, 2.5, 0.3))
    view.stack.undo()
    assert project.placement("p-1").pins == (Pin(0.5, 1.5, 0.3),)
