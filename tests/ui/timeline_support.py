"""What the timeline tests share: two real clips on a small project, a TimelineView shown at 100 px per
second (one pixel is 10 ms: expected values follow from the pixels dragged), and coordinates at that zoom."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from studio.media import probe
from studio.project import GenerationSettings, Placement, Project, clip_from_info
from studio.ui.timeline.geometry import CLIP_H, LEFT_PAD, row_top
from studio.ui.timeline.view import TimelineView

PPS = 100.0  # px per second


def two_clip_files(make_test_clip: Callable[..., Path], prefix: str) -> tuple[Path, Path]:
    """A 4 s moving clip and a 2 s still one, named after the test module (each module its own files)."""
    moving = make_test_clip(f"{prefix}_a.mp4", frames=96)
    still = make_test_clip(f"{prefix}_b.mp4", frames=48, pattern="static")
    return moving, still


def two_clip_project(files: tuple[Path, Path], placements: Sequence[Placement], fps: float = 24.0) -> Project:
    """The two clips as "c-1" (beach) and "c-2" (city), ``placements`` of them over an 8 s output."""
    a, b = files
    clips = [clip_from_info("c-1", a, probe(a), "beach"), clip_from_info("c-2", b, probe(b), "city")]
    return Project("t", clips, list(placements), GenerationSettings(duration=8.0, fps=fps))


def show_view(qtbot, project: Project, *, width: int = 1000, height: int = 320) -> TimelineView:  # noqa: ANN001
    """The project in a shown TimelineView at :data:`PPS`, snapping off (drags land where they are let go)."""
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.set_project(project, QUndoStack(view))
    view.show()
    qtbot.waitExposed(view)
    view.set_zoom(PPS)
    view.snapping = False
    return view


def view_fixture(qtbot, project: Project, **size: int) -> Iterator[TimelineView]:  # noqa: ANN001
    """A fixture's body (``yield from view_fixture(qtbot, project)``): :func:`show_view`, and after the test
    no thumbnail or waveform thread outlives it."""
    view = show_view(qtbot, project, **size)
    yield view
    assert view.wait_for_jobs(10000)


def X(t: float) -> float:  # noqa: N802 (reads as the axis in the tests' coordinates)
    """Scene x of output time t at this zoom."""
    return LEFT_PAD + t * PPS


def to_viewport(view: TimelineView, x: float, y: float) -> QPoint:
    """The viewport point of scene point (x, y), where a mouse event is sent."""
    return view.mapFromScene(QPointF(x, y))


def block_y(row: int) -> float:
    """Scene y of the middle of a block in ``row`` (where a drag grabs it)."""
    return row_top(row) + CLIP_H / 2


def drag(view: TimelineView, a: tuple[float, float], b: tuple[float, float], steps: int = 6) -> None:
    """Press at scene point a, move there in steps, release at b."""
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_viewport(view, *a))
    for i in range(1, steps + 1):
        x = a[0] + (b[0] - a[0]) * i / steps
        y = a[1] + (b[1] - a[1]) * i / steps
        QTest.mouseMove(vp, to_viewport(view, x, y))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_viewport(view, *b))
