"""The attention panel, driven the way the engine worker and the user drive it (pytest-qt, offscreen)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.ui.attention.panel import AttentionPanel
from studio.ui.timecode import format_timecode

NAMES = ["beach", "city", "forest"]


FPS = 25.0


def _shares(n: int, rng: np.random.Generator) -> np.ndarray:
    raw = rng.random(len(NAMES)).astype(np.float32) + 0.05
    return raw / raw.sum()


def _maps(shares: np.ndarray, h: int = 9, w: int = 16) -> np.ndarray:
    """Maps that sum to 1 over clips and whose means are the shares: a left/right gradient per clip."""
    ramp = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    tilt = np.array([0.2, -0.1, -0.1], np.float32)[:, None, None] * ramp
    maps = shares[:, None, None] + tilt * shares.min()
    return np.broadcast_to(maps, (len(shares), h, w)).astype(np.float16)


@pytest.fixture
def panel(qtbot) -> AttentionPanel:
    widget = AttentionPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 420)
    widget.show()
    qtbot.waitExposed(widget)
    widget.reset(200, NAMES, fps=FPS)
    return widget


def _viewport_pos(panel: AttentionPanel, frame: float, row: float) -> QPoint:
    QApplication.processEvents()  # let the layout settle the view range before mapping through it
    scene = panel.plot.vb.mapViewToScene(QPointF(frame, row))
    return panel.plot_widget.mapFromScene(scene)


def test_names_and_accessibility(panel: AttentionPanel) -> None:
    assert panel.objectName() == "attentionHeatmap"
    assert panel.accessibleName() == "attentionHeatmap"
    assert np.isnan(panel.buffer).all() and panel.buffer.shape == (3, 200)
    ticks = panel.plot.getAxis("left")._tickLevels[0]
    assert [name for _, name in ticks] == NAMES


def test_added_frames_become_the_image_data_and_unrendered_stay_nan(panel: AttentionPanel, qtbot) -> None:
    rng = np.random.default_rng(1)
    written = {}
    for n in range(0, 120, 3):
        written[n] = _shares(n, rng)
        panel.add_frame(n, written[n], _maps(written[n]))
    qtbot.waitUntil(lambda: not panel._timer.isActive(), timeout=2000)  # the coalescing timer drew once
    image = panel.plot.image_data
    assert image.shape == (3, 200) and image.dtype == np.float32
    for n, shares in written.items():
        np.testing.assert_array_equal(image[:, n], shares)
    assert np.isnan(image[:, 1]).all() and np.isnan(image[:, 150:]).all()
    assert all(tuple(row.levels) == (0.0, 1.0) for row in panel.plot.rows)
    assert all(len(row.lut) == 256 for row in panel.plot.rows)


def test_add_frame_is_cheap_and_redraws_are_coalesced(panel: AttentionPanel, qtbot) -> None:
    draws = []
    panel.plot.rows[0].sigImageChanged.connect(lambda: draws.append(1))
    rng = np.random.default_rng(2)
    for n in range(200):
        panel.add_frame(n, _shares(n, rng))
    assert draws == []  # nothing drawn synchronously
    qtbot.waitUntil(lambda: len(draws) >= 1, timeout=2000)
    assert len(draws) == 1


def test_click_seeks_to_the_frame_under_the_mouse(panel: AttentionPanel, qtbot) -> None:
    for frame in (0, 37, 150, 199):
        with qtbot.waitSignal(panel.seekRequested, timeout=1000) as blocker:
            QTest.mouseClick(
                panel.plot_widget.viewport(),
                Qt.MouseButton.LeftButton,
                pos=_viewport_pos(panel, frame + 0.5, 1.5),
            )
        assert blocker.args == [frame]


def test_click_outside_the_image_does_not_seek(panel: AttentionPanel, qtbot) -> None:
    got = []
    panel.seekRequested.connect(got.append)
    QTest.mouseClick(panel.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert got == []


def test_hover_text_names_clip_timecode_and_share(panel: AttentionPanel, qtbot) -> None:
    shares = np.array([0.25, 0.5, 0.25], np.float32)
    panel.add_frame(60, shares)
    panel.flush()
    QTest.mouseMove(panel.plot_widget.viewport(), _viewport_pos(panel, 60.5, 1.5))
    qtbot.waitUntil(lambda: panel.hover_text != "", timeout=1000)
    assert panel.hover_text == f"city · {format_timecode(60, FPS)} · share 50%"
    assert panel.hover_label.text() == panel.hover_text
    qtbot.wait(60)  # pyqtgraph's scene drops mouse moves closer than ~1/60 s apart
    QTest.mouseMove(panel.plot_widget.viewport(), _viewport_pos(panel, 61.5, 0.5))
    qtbot.waitUntil(lambda: "beach" in panel.hover_text, timeout=1000)
    assert panel.hover_text.endswith("not rendered yet")
    QApplication.sendEvent(panel.plot_widget.viewport(), QEvent(QEvent.Type.Leave))
    assert panel.hover_text == "" and panel.hover_label.text().strip() == ""


def test_set_current_draws_one_map_per_clip(panel: AttentionPanel) -> None:
    shares = np.array([0.6, 0.3, 0.1], np.float32)
    maps = _maps(shares)
    panel.set_current(5, maps, shares)
    panel.flush()
    images = panel.maps_row.images
    assert len(images) == len(NAMES)
    for k, image in enumerate(images):
        np.testing.assert_array_equal(image.image, maps[k].astype(np.float32))
    assert [t.text for t in panel.maps_row.titles] == ["beach · 60%", "city · 30%", "forest · 10%"]


def test_playhead_shows_known_maps_and_clears_unknown(panel: AttentionPanel) -> None:
    rng = np.random.default_rng(3)
    shares = _shares(10, rng)
    panel.add_frame(10, shares, _maps(shares))
    panel.set_playhead(10)
    panel.flush()
    assert panel.plot.playhead.value() == pytest.approx(10.5)
    assert panel.maps_row.frame == 10
    panel.set_playhead(11)  # not rendered
    panel.flush()
    assert panel.maps_row.frame is None and all(image.image is None for image in panel.maps_row.images)


def test_load_record_from_a_real_record_written_out_of_order(panel: AttentionPanel, tmp_path: Path) -> None:
    from studio.project.record import AttentionRecordReader, AttentionRecordWriter

    rng = np.random.default_rng(4)
    frames = [*range(0, 60), *range(200, 230)]  # a preview that jumped ahead
    written = {n: _shares(n, rng) for n in frames}
    args = (NAMES, [f"/clips/{n}.mp4" for n in NAMES], 30.0, 8, (9, 16), {}, 300)
    with AttentionRecordWriter(tmp_path / "rec", *args) as writer:
        for n in frames:
            writer.append(n, [0, 1, 2], written[n], _maps(written[n]))
    panel.load_record(AttentionRecordReader(tmp_path / "rec"))
    image = panel.plot.image_data
    assert image.shape == (3, 300) and panel.plot.time_axis.fps == 30.0
    for n in frames:
        np.testing.assert_array_equal(image[:, n], written[n])
    assert np.isnan(image[:, 60:200]).all() and np.isnan(image[:, 230:]).all()
    panel.set_playhead(210)
    panel.flush()
    np.testing.assert_array_equal(panel.maps_row.images[2].image, _maps(written[210])[2].astype(np.float32))
    panel.set_playhead(100)  # not written: the maps clear
    panel.flush()
    assert panel.maps_row.frame is None


def test_overlay_opacity_property_slider_and_signal(panel: AttentionPanel, qtbot) -> None:
    with qtbot.waitSignal(panel.overlayOpacityChanged, timeout=500) as blocker:
        panel.opacity_slider.setValue(80)
    assert blocker.args == [pytest.approx(0.8)]
    assert panel.property("overlay_opacity") == pytest.approx(0.8)
    panel.overlay_opacity = 0.25
    assert panel.opacity_slider.value() == 25


def test_grab_to_png(panel: AttentionPanel, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    for n in range(140):
        s = _shares(n, rng)
        panel.add_frame(n, s, _maps(s))
    panel.set_playhead(100)
    panel.flush()
    out = Path(os.environ.get("STUDIO_GRAB_DIR", tmp_path)) / "attention.png"
    assert panel.grab().save(str(out))
    assert out.stat().st_size > 5000


def test_rows_and_maps_are_in_each_clips_colour(panel: AttentionPanel) -> None:
    """The timeline's and the overlay's palette, not a colormap: full share is the clip's own colour."""
    from studio.palette import clip_colour

    for k, row in enumerate(panel.plot.rows):
        assert tuple(row.lut[-1][:3]) == clip_colour(k)
        assert tuple(panel.maps_row.images[k].lut[-1][:3]) == clip_colour(k)
    assert tuple(panel.plot.rows[0].lut[0][:3]) == tuple(panel.plot.rows[1].lut[0][:3])  # 0 looks the same


def test_a_click_on_a_map_shows_it_alone_and_another_shows_all(panel: AttentionPanel, qtbot) -> None:
    shares = np.array([0.6, 0.3, 0.1], np.float32)
    panel.set_current(5, _maps(shares), shares)
    panel.flush()
    row = panel.maps_row
    centre = row.mapFromScene(row.boxes[1].sceneBoundingRect().center())
    QTest.mouseClick(row.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert row.solo == 1 and [b.scene() is not None for b in row.boxes] == [False, True, False]
    centre = row.mapFromScene(row.boxes[1].sceneBoundingRect().center())
    QTest.mouseClick(row.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert row.solo is None and all(b.scene() is not None for b in row.boxes)
    assert "city" in panel.legend.text() and "beach" in panel.legend.text()
