"""Click a pixel of the preview: the popover names its sources, shows their patches 1:1 (decoded off the GUI
thread), and "Show source" opens the source frame. Real footage, the real renderer, offscreen."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from studio.engine.frame import FrameRenderer
from studio.media import ClipReader, probe
from studio.palette import clip_colour
from studio.project import (
    EngineSettings,
    GenerationSettings,
    Placement,
    Project,
    clip_from_info,
    save_project,
)
from studio.project.trace import TraceContext
from studio.ui.viewer.panel import ViewerPanel
from tests import footage

SIZE = (320, 180)


@pytest.fixture(scope="module")
def footage_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("popover")
    clips = [
        footage.pan_clip(folder / "pan.mp4", size=(480, 270), frames=12),
        footage.zoom_clip(folder / "zoom.mp4", size=(480, 270), frames=12),
    ]
    engine = EngineSettings(device="cpu")
    settings = GenerationSettings(
        duration=0.5, fps=24.0, width=SIZE[0], height=SIZE[1], crf=18, engine=engine
    )
    project = Project("popover", [], [], settings)
    for i, path in enumerate(clips):
        project.clips.append(clip_from_info(f"c{i}", path, probe(path)))
        project.placements.append(Placement(f"p{i}", f"c{i}", 0.0, 0.5))
    return project


def _widget_pos(panel: ViewerPanel, x: int, y: int) -> QPoint:
    target = panel.view.target_rect()
    return QPoint(
        round(target.left() + (x + 0.5) * target.width() / SIZE[0]),
        round(target.top() + (y + 0.5) * target.height() / SIZE[1]),
    )


def _click(qtbot, panel: ViewerPanel, x: int, y: int) -> float:  # noqa: ANN001
    """Click frame pixel (x, y); the seconds the GUI thread spent on it."""
    started = time.perf_counter()
    qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=_widget_pos(panel, x, y))
    return time.perf_counter() - started


def test_click_shows_the_sources_of_the_pixel(qtbot, footage_project: Project) -> None:  # noqa: ANN001
    with FrameRenderer(footage_project, device="cpu", quality="final") as renderer:
        record = [renderer.render(n) for n in range(4)][-1]
    panel = ViewerPanel()
    qtbot.addWidget(panel)
    panel.resize(720, 460)
    panel.show()
    context = TraceContext.from_project(footage_project)
    panel.tracing.context_for = lambda: context
    panel.set_timing(24.0, 12)
    panel.show_frame(3, record.frame, record.maps, "final", record.trace)
    qtbot.waitExposed(panel)

    x, y = 200, 100
    assert panel.view.frame_pixel(_widget_pos(panel, x, y).toPointF()) == (x, y)
    spent = _click(qtbot, panel, x, y)
    popover = panel.tracing.popover
    assert popover.isVisible() and not popover.isModal() and spent < 0.05, spent
    assert "Frame 3" in popover.title.text() and "pixel 200, 100" in popover.title.text()
    rows = popover.rows
    assert 1 <= len(rows) <= 3
    top = rows[0].source
    assert top.clip_name in ("pan", "zoom") and f"frame {top.frame} · 00:00:00:" in rows[0].details.text()
    r, g, b = clip_colour(top.column)
    assert f"rgb({r}, {g}, {b})" in rows[0].findChildren(type(rows[0].name))[0].styleSheet()
    qtbot.waitUntil(lambda: all(row.crop_pixels is not None for row in rows), timeout=10000)

    with ClipReader(top.clip_path, fps=top.fps, size=SIZE, fit="fit") as reader:
        source = np.array(reader.read(top.frame))
    crop = rows[0].crop_pixels
    assert crop.shape == (64, 64, 3)
    x0, y0 = top.x - 32, top.y - 32  # the crop is 1:1, centred on the source pixel (inside the frame here)
    assert np.array_equal(crop, source[y0 : y0 + 64, x0 : x0 + 64])
    if top.weight > 0.9:  # inside a clip's region the output is that clip's pixels
        px0, py0, px1, py1 = top.patch
        out = record.frame[(y // 8) * 8 : (y // 8) * 8 + 8, (x // 8) * 8 : (x // 8) * 8 + 8].astype(float)
        assert np.sqrt(np.mean((out - source[py0:py1, px0:px1]) ** 2)) <= 6.0
    popover.grab().save(str(Path("/tmp") / "trace_popover.png"))

    rows[0].show_button.click()
    [dialog] = panel.tracing.dialogs
    qtbot.waitUntil(lambda: dialog.frame is not None, timeout=10000)
    assert np.array_equal(dialog.frame, source) and dialog.isVisible() and not dialog.isModal()
    assert f"frame {top.frame}" in dialog.windowTitle()
    dialog.grab().save(str(Path("/tmp") / "trace_source.png"))

    qtbot.keyClick(popover, Qt.Key.Key_Escape)
    assert not popover.isVisible()
    dialog.close()
    panel.tracing.close()


def test_a_frame_without_correspondence_says_so(qtbot, footage_project: Project) -> None:  # noqa: ANN001
    panel = ViewerPanel()
    qtbot.addWidget(panel)
    panel.resize(640, 400)
    panel.show()
    panel.tracing.context_for = lambda: TraceContext.from_project(footage_project)
    panel.show_frame(0, np.zeros((SIZE[1], SIZE[0], 3), np.uint8), None, "draft", None)
    qtbot.waitExposed(panel)
    _click(qtbot, panel, 10, 10)
    popover = panel.tracing.popover
    assert popover.isVisible() and popover.rows == []
    assert "no correspondence" in popover.findChildren(type(popover.title))[-1].text()
    qtbot.mouseClick(panel.view, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))  # the letterbox: no pixel
    panel.tracing.close()


def test_the_live_preview_carries_the_correspondence(qtbot, make_window, footage_project, tmp_path) -> None:  # noqa: ANN001
    path = save_project(footage_project, tmp_path / "live.avsproj.json")
    window = make_window(path)
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.tracing.trace is not None, timeout=60000)  # a frame from the engine
    assert viewer.tracing.trace.shape == (3, 23, 40)  # TOP x the record's grid at 320x180, stride 8
    _click(qtbot, viewer, 100, 60)
    rows = viewer.tracing.popover.rows
    assert rows and {row.source.clip_id for row in rows} <= {"c0", "c1"}
    qtbot.waitUntil(lambda: rows[0].crop_pixels is not None, timeout=10000)
    viewer.tracing.close()
