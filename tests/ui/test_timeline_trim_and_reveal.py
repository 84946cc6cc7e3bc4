"""Two timeline edges: a left trim keeps the keyframes it trims off (trimming out again brings the curve's
head back, and they survive a save), and a clip added below the visible rows is scrolled into view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF

from studio.media import probe
from studio.project import (
    AddPlacement,
    GenerationSettings,
    ImportanceCurve,
    Placement,
    Project,
    clip_from_info,
    load_project,
    save_project,
)
from studio.ui.app.undo import push_command
from studio.ui.timeline.geometry import CLIP_H, LANE_H, RULER_H, row_top
from tests.ui.test_timeline import KEYS
from tests.ui.timeline_support import X, block_y, drag, show_view


@pytest.fixture(scope="module")
def clip_file(make_test_clip: Callable[..., Path]) -> Path:
    return make_test_clip("trim_keys.mp4", frames=96)


def _project(clip_file: Path, rows: int = 1) -> Project:
    clip = clip_from_info("c-1", clip_file, probe(clip_file), "beach")
    placements = [Placement("p-1", "c-1", 1.0, 3.0, importance=ImportanceCurve(KEYS))]
    placements += [Placement(f"p-{i + 1}", "c-1", 0.5 * i, 1.0) for i in range(1, rows)]
    return Project("t", [clip], placements, GenerationSettings(duration=8.0, fps=24.0))


def test_a_left_trim_keeps_the_keys_it_trims_off_and_trimming_out_brings_them_back(
    qtbot, clip_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    project = _project(clip_file)
    view = show_view(qtbot, project)
    before = project.placement("p-1").importance
    drag(view, (X(1.0) + 2, block_y(0)), (X(3.0) + 2, block_y(0)))  # in by 2 s: past the keys at 0, 1.5
    p = project.placement("p-1")
    assert (p.start, p.duration) == pytest.approx((3.0, 1.0))
    for t_abs in (3.0, 3.5, 4.0):  # on screen: the same curve at the same output times
        assert p.importance.value_at(t_abs - 3.0) == pytest.approx(before.value_at(t_abs - 1.0), abs=1e-6)
    # saved and opened again, the trimmed-off keys are still there (before the placement's start)
    saved = load_project(save_project(project, tmp_path / "trimmed.avsproj.json"))
    assert saved.placement("p-1").importance == p.importance

    drag(view, (X(3.0) + 2, block_y(0)), (X(1.0) + 2, block_y(0)))  # out again, a new edit (not undo)
    p = project.placement("p-1")
    assert (p.start, p.duration) == pytest.approx((1.0, 3.0))
    assert [(k.time, k.value, k.interp) for k in p.importance.keyframes] == pytest.approx(
        [(k.time, k.value, k.interp) for k in KEYS]
    )
    assert view.stack.count() == 2
    view.wait_for_jobs(10000)


def test_a_right_trim_keeps_the_keys_past_the_new_end(qtbot, clip_file: Path) -> None:  # noqa: ANN001
    project = _project(clip_file)
    view = show_view(qtbot, project)
    drag(view, (X(4.0) - 2, block_y(0)), (X(2.0) - 2, block_y(0)))  # in by 2 s
    drag(view, (X(2.0) - 2, block_y(0)), (X(4.0) - 2, block_y(0)))  # and out again
    assert project.placement("p-1").importance.keyframes == KEYS
    view.wait_for_jobs(10000)


def test_a_clip_added_below_the_visible_rows_is_scrolled_into_view(qtbot, clip_file: Path) -> None:  # noqa: ANN001
    project = _project(clip_file, rows=5)
    view = show_view(qtbot, project, height=260)  # about two rows visible
    bar = view.verticalScrollBar()
    assert bar.value() == 0
    added = Placement("p-new", "c-1", 2.0, 1.0)
    push_command(view.stack, project, AddPlacement(added))
    row = view.blocks["p-new"].row
    assert row == 5
    rows = QRectF(0, row_top(row), 10, CLIP_H + LANE_H)  # its block and its lane
    seen = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(0, RULER_H, 0, 0)
    assert seen.top() <= rows.top() and rows.bottom() <= seen.bottom()
    view.stack.undo()  # removing it scrolls nothing back: it was the user's place
    push_command(view.stack, project, AddPlacement(Placement("p-top", "c-1", 0.0, 1.0), index=0))
    seen = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(0, RULER_H, 0, 0)
    assert seen.top() <= row_top(0)  # added above: scrolled up to it
    view.wait_for_jobs(10000)
