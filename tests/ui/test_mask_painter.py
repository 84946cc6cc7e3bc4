"""The mask painter: a drag paints alpha where it went, the eraser takes it away, Save writes the picture and
pushes one undo step; "Paint mask…" is on a timeline block; after a mask edit the preview renders again only
the frames the mask changed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from studio.project import MaskKey, SetMasks
from studio.project.masks import store_mask_png
from studio.ui.engine.frame_cache import FrameCache
from studio.ui.masks.painter import MaskPainter
from tests.ui.engine_support import counting_host


def alpha_of(image: QImage) -> np.ndarray:
    argb = image.convertToFormat(QImage.Format.Format_ARGB32)
    rows = np.frombuffer(argb.constBits(), np.uint8).reshape(argb.height(), argb.bytesPerLine())
    return rows[:, : argb.width() * 4].reshape(argb.height(), argb.width(), 4)[..., 3].copy()


def drag(canvas: Any, points: list[tuple[float, float]]) -> None:
    """A left drag through frame positions (fractions of the frame's width and height)."""
    rect = canvas.target_rect()

    def at(fx: float, fy: float) -> QPoint:
        return QPoint(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[0]))
    for point in points[1:]:
        QTest.mouseMove(canvas, at(*point))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*points[-1]))


@pytest.fixture()
def painter(qtbot) -> MaskPainter:  # noqa: ANN001
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:, :, 1] = np.linspace(0, 255, 160, dtype=np.uint8)
    saved: list[Any] = []
    dialog = MaskPainter(frame, lambda painted: saved.append(painted) or True)
    dialog.saved = saved
    qtbot.addWidget(dialog)
    dialog.resize(800, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_a_drag_paints_alpha_where_it_went_and_the_eraser_takes_it_away(painter: MaskPainter) -> None:
    painter.brush_size.setValue(12)
    drag(painter.canvas, [(0.1 + 0.02 * i, 0.5) for i in range(21)])  # y = 45, x from 16 to 80
    alpha = alpha_of(painter.canvas.mask)
    assert alpha.shape == (90, 160)
    assert (alpha[45, 20:76] == 255).all()  # along the stroke, at the output resolution
    assert alpha[44:47, 16:80].min() > 0 and alpha[:30].max() == 0 and alpha[:, 100:].max() == 0

    painter.eraser.setChecked(True)
    drag(painter.canvas, [(0.3, 0.5), (0.35, 0.5)])  # x 48..56
    alpha = alpha_of(painter.canvas.mask)
    assert alpha[45, 50:54].max() == 0 and alpha[45, 24:40].min() == 255

    painter.never.setChecked(False)
    painter.must.setChecked(True)
    painter.track.setChecked(True)
    painter.feather.setValue(20)
    painter.buttons.button(painter.buttons.StandardButton.Save).click()
    [saved] = painter.saved
    assert (saved.mode, saved.motion, saved.feather, saved.strength) == ("must", "track", 20.0, 1.0)
    png = cv2.imdecode(np.frombuffer(saved.png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert png.shape == (90, 160, 4) and png.dtype == np.uint8  # lossless RGBA: 8-bit alpha
    np.testing.assert_array_equal(png[..., 3], alpha)
    assert not painter.isVisible()


def test_save_writes_the_picture_and_pushes_one_undo_step(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    stack = window.document.stack
    window.playback.seek(6, immediate=True)  # 0.5 s at 12 fps
    menu = window.timeline.clip_menu("p-1")
    assert "Paint mask…" in [a.text() for a in menu.actions()]
    painter = window.switchboard.masks.paint("p-1")
    assert painter is not None and painter.canvas.mask.size().width() == 64  # the output's size
    drag(painter.canvas, [(0.2, 0.2), (0.5, 0.5), (0.8, 0.8)])
    before = stack.count()
    painter.save()
    assert stack.count() == before + 1 and not painter.isVisible()
    [key] = window.project.placement("p-1").masks
    assert (key.time, key.mode, key.motion) == (0.5, "never", "hold")
    picture = project_file.parent / key.path
    assert picture.is_file() and key.path.startswith("proj.avsproj.masks/")
    assert alpha_of(QImage(str(picture))).max() == 255
    stack.undo()
    assert window.project.placement("p-1").masks == ()
    stack.redo()
    assert window.project.placement("p-1").masks == (key,)


def test_an_unsaved_project_cannot_hold_masks_and_says_so(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    window.project.path = None
    assert window.switchboard.masks.paint("p-1") is None
    assert "Save the project first" in window.statusBar().currentMessage()


def test_frame_cache_drops_only_the_frames_asked() -> None:
    cache = FrameCache()
    record = SimpleNamespace(frame=np.zeros(10, np.uint8))
    for n in range(10):
        cache.put((n, "draft"), record)
    cache.put((4, "final"), record)
    assert cache.drop_frames(3, 5) == 4
    assert sorted(cache._items) == [(n, "draft") for n in (0, 1, 2, 6, 7, 8, 9)]
    assert cache.nbytes == 7 * record.frame.nbytes


def test_a_mask_edit_renders_again_only_the_frames_it_changed(qtbot, project_file: Path) -> None:  # noqa: ANN001
    host = counting_host(project_file)
    project = host.project
    got: list[tuple[int, Any]] = []
    host.worker.frameReady.connect(lambda n, rec, gen: got.append((n, rec)))
    try:
        for n in (2, 9):
            host.request_frame(n)
            qtbot.waitUntil(lambda n=n: any(m == n for m, _ in got), timeout=20000)
        alpha = np.zeros((48, 64, 4), np.uint8)
        alpha[:, :32, 3] = 255
        rel = store_mask_png(project.path, "p-1", cv2.imencode(".png", alpha)[1].tobytes())
        command = SetMasks("p-1", [MaskKey(0.5, rel)])  # from 0.5 s (frame 6) on
        command.redo(project)
        host.update_project(project, command.time_range)
        got.clear()
        for n in (2, 9):
            host.request_frame(n)
            qtbot.waitUntil(lambda n=n: any(m == n for m, _ in got), timeout=20000)
        assert host.made[0].rendered == [2, 9, 9]  # frame 2 came from the cache, frame 9 was made again
    finally:
        assert host.shutdown()


def test_a_mask_edit_forgets_only_its_frames_in_the_heatmap(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    """The recorded attention outside the mask's time stays; its frames are "not rendered yet" again (the
    whole record was dropped on every mask edit)."""
    window = make_window(project_file, show=False)
    heat, clips = window.attention, len(window.project.clips)
    for n in range(12):
        heat.add_frame(n, np.full(clips, 1.0 / clips, np.float32))
    heat.flush()
    window.playback.seek(6, immediate=True)  # the key goes at 0.5 s, the frame shown
    painter = window.switchboard.masks.paint("p-1")
    drag(painter.canvas, [(0.2, 0.2), (0.5, 0.5)])
    painter.save()
    kept, gone = heat.buffer[:, :5], heat.buffer[:, 6:]  # frame 5: the frame to spare before the key
    assert not np.isnan(kept).any() and np.isnan(gone).all()
    window.document.stack.undo()  # undone: the same frames again
    assert not np.isnan(heat.buffer[:, :5]).any()
