"""The viewer: frames painted to fit (aspect kept), the dominant-source overlay, timecode, transport."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.engine.overlay import dominant_overlay
from studio.palette import clip_colour
from studio.ui.viewer.panel import ViewerPanel


def test_dominant_overlay_colours_each_patch_by_its_strongest_clip() -> None:
    maps = np.zeros((3, 2, 2), np.float16)
    maps[0, 0, 0], maps[1, 0, 0] = 0.7, 0.3  # clip 0 clearly wins
    maps[1, 0, 1], maps[2, 0, 1] = 0.5, 0.5  # a tie: the first of them
    maps[2, 1, 0] = 1.0
    rgba = dominant_overlay(maps)
    assert rgba.shape == (2, 2, 4)
    assert tuple(rgba[0, 0, :3]) == clip_colour(0) and rgba[0, 0, 3] == pytest.approx(0.7 * 255, abs=1)
    assert tuple(rgba[0, 1, :3]) == clip_colour(1) and rgba[0, 1, 3] == pytest.approx(127, abs=1)
    assert tuple(rgba[1, 0, :3]) == clip_colour(2) and rgba[1, 0, 3] == 255
    assert rgba[1, 1, 3] == 0  # nothing active there: transparent


def test_frame_is_painted_letterboxed_with_its_aspect(qtbot) -> None:  # noqa: ANN001
    viewer = ViewerPanel()
    qtbot.addWidget(viewer)
    viewer.resize(400, 400)
    viewer.show()
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[..., 0] = 200  # red
    viewer.show_frame(0, frame, None)
    view = viewer.view
    image = view.grab().toImage()
    w, h = image.width(), image.height()
    centre = image.pixelColor(w // 2, h // 2)
    top = image.pixelColor(w // 2, 2)
    assert (centre.red(), centre.green(), centre.blue()) == (200, 0, 0)
    assert (top.red(), top.green(), top.blue()) == (0, 0, 0)  # letterbox bar: 16:9 in a square widget
    rect = view.target_rect()
    assert rect.width() / rect.height() == pytest.approx(160 / 90, rel=0.01)


def test_overlay_tints_by_opacity(qtbot) -> None:  # noqa: ANN001
    viewer = ViewerPanel()
    qtbot.addWidget(viewer)
    viewer.resize(320, 240)
    viewer.show()
    frame = np.zeros((48, 64, 3), np.uint8)
    maps = np.zeros((2, 6, 8), np.float16)
    maps[1] = 1.0
    viewer.show_frame(0, frame, maps)
    before = viewer.view.grab().toImage().pixelColor(160, 120)
    viewer.overlay_slider.setValue(100)
    after = viewer.view.grab().toImage().pixelColor(160, 120)
    assert (before.red(), before.green(), before.blue()) == (0, 0, 0)
    assert (after.red(), after.green(), after.blue()) == pytest.approx(clip_colour(1), abs=3)


def test_the_preview_shows_what_the_maps_video_exports(qtbot) -> None:  # noqa: ANN001
    """One overlay, drawn alike: the painter's smooth scaling at the slider's opacity is the maps video's."""
    from studio.engine.maps_video import composite
    from studio.ui.viewer.frame_view import FrameView

    h, w = 90, 160  # the view's minimum size
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(w, h)  # 1:1, so the frame lands on the widget pixel for pixel
    view.show()
    ys, xs = np.mgrid[0:h, 0:w]
    frame = np.stack([xs, ys * 2, np.full_like(xs, 90)], -1).astype(np.uint8)
    maps = np.random.default_rng(3).random((3, 12, 20)).astype(np.float32) ** 4
    maps[:, 0, :3] = 0  # a clear corner: nothing active there
    maps = (maps / np.maximum(maps.sum(0), 1e-9)).astype(np.float16)
    view.set_frame(frame, maps)
    view.set_overlay_opacity(0.7)
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (w, h)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    shown = rows[:, : w * 3].reshape(h, w, 3).astype(int)
    exported = composite(frame, dominant_overlay(maps), 0.7).astype(int)
    assert np.abs(shown - exported).mean() < 1.0 and np.abs(shown - exported).max() <= 6  # here: 0.6, 3


def test_timecode_and_transport_signals(qtbot) -> None:  # noqa: ANN001
    viewer = ViewerPanel()
    qtbot.addWidget(viewer)
    viewer.set_timing(25.0, 100)
    viewer.set_position(26)
    assert viewer.timecode.text() == "00:00:01:01 / 00:00:03:24"
    steps: list[int] = []
    viewer.stepRequested.connect(steps.append)
    qtbot.mouseClick(viewer.forward_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(viewer.back_button, Qt.MouseButton.LeftButton)
    assert steps == [1, -1]
    with qtbot.waitSignal(viewer.playToggled, timeout=1000):
        qtbot.mouseClick(viewer.play_button, Qt.MouseButton.LeftButton)
    viewer.set_generation_fps(12.345)
    assert viewer.fps_label.text() == "12.3 gen fps"
