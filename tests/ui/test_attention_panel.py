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


def _directed_project():  # noqa: ANN202
    """Three clips at 25 fps over 8 s; city pinned >= 30 % from 1 s to 3 s of its placement (which starts at
    2 s), forest with a "never" mask key at 1 s of its own (which starts at 0.5 s); a pin past city's end."""
    from studio.project.masks import MaskKey
    from studio.project.model import Clip, GenerationSettings, Pin, Placement, Project

    clips = [
        Clip(f"c{k}", Path(f"/nowhere/{name}.mp4"), name, fps=FPS, frames=250, width=64, height=48)
        for k, name in enumerate(NAMES)
    ]
    placements = [
        Placement("p0", "c0", 0.0, 8.0),
        Placement("p1", "c1", 2.0, 4.0, pins=(Pin(1.0, 3.0, 0.3), Pin(5.0, 9.0, None, 0.5))),
        Placement("p2", "c2", 0.5, 6.0, masks=(MaskKey(1.0, "film.masks/m.png", "never"),)),
    ]
    return Project("directed", clips, placements, GenerationSettings(duration=8.0, fps=FPS))


def test_pins_and_mask_keys_are_drawn_over_their_rows_and_named_on_hover(panel: AttentionPanel) -> None:
    """The pin acts on output frames 75-124 (2 s + 1 s .. 2 s + 3 s at 25 fps) of city's row; the pin past
    city's placement shows nothing; forest's key takes effect at frame 38 (0.5 s + 1 s)."""
    panel.reset(200, NAMES, fps=FPS)
    panel.set_direction(_directed_project())
    rects = [i for i in panel.plot.mark_items if hasattr(i, "rect")]
    spans = [(r.rect().left(), r.rect().right(), round(r.rect().top(), 1)) for r in rects]
    assert spans == [(75.0, 125.0, 1.1)]
    labels = [i for i in panel.plot.mark_items if hasattr(i, "textItem")]
    assert [t.textItem.toPlainText() for t in labels] == ["≥30 %"]
    (ticks,) = [i for i in panel.plot.mark_items if hasattr(i, "points")]
    assert [(p.pos().x(), round(p.pos().y(), 1)) for p in ticks.points()] == [(38.5, 2.2)]
    assert panel.text_at(80, 1).endswith("· pinned ≥30 %") and "pinned" not in panel.text_at(125, 1)
    assert "pinned" not in panel.text_at(80, 0)
    image = panel.plot_widget.grab().toImage()  # the bracket is drawn: light pixels along city's row
    scene = panel.plot.vb.mapViewToScene(QPointF(100.0, 1.1))
    y = panel.plot_widget.mapFromScene(scene).y()
    light = [image.pixelColor(x, y).lightness() for x in range(image.width())]
    assert sum(v > 200 for v in light) > 20
    out = Path(os.environ.get("STUDIO_GRAB_DIR", "/nonexistent-grab-dir"))
    if out.is_dir():
        panel.grab().save(str(out / "attention_pins.png"))
    plain = _directed_project()
    plain.placements = []  # the pins and the mask go with their placements: nothing stays drawn
    panel.set_direction(plain)
    assert panel.plot.mark_items == []
