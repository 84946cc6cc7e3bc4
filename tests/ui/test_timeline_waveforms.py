"""Waveforms in the timeline's blocks: made once per file in the background, then drawn inside each block of
a clip with sound, through its time map (looked at in a grab of the real view)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from studio.media import probe
from studio.project import GenerationSettings, Placement, Project, clip_from_info
from studio.ui.audio.waveforms import columns
from studio.ui.timeline.geometry import CLIP_H
from studio.ui.timeline.view import TimelineView
from tests.ui.timeline_support import view_fixture


@pytest.fixture(scope="module")
def clips(make_test_clip: Callable[..., Path]) -> tuple[Path, Path]:
    # a 2 s tone (amplitude 0.5) and a silent clip
    return make_test_clip("wave_tone.mp4", frames=48, audio=True, gop=12), make_test_clip("wave_mute.mp4")


@pytest.fixture
def view(qtbot, clips: tuple[Path, Path]) -> Iterator[TimelineView]:  # noqa: ANN001
    tone, mute = clips
    project = Project(
        "w",
        [clip_from_info("c-1", tone, probe(tone), "tone"), clip_from_info("c-2", mute, probe(mute), "mute")],
        [
            Placement("p-1", "c-1", 0.5, 4.0),
            Placement("p-2", "c-1", 5.0, 1.5),
            Placement("p-3", "c-2", 0.5, 1.0),
        ],
        GenerationSettings(duration=7.0, fps=24.0),
    )
    yield from view_fixture(qtbot, project, width=900)


def grab_block(view: TimelineView, pid: str) -> np.ndarray:
    """(h, w, 3) of the block's rect in a grab of the viewport."""
    view.viewport().update()
    image = view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rect = view.mapFromScene(view.blocks[pid].rect()).boundingRect()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return rgb[rect.top() : rect.bottom(), rect.left() : rect.right()].astype(np.int16)


def test_drawn_inside_each_block_of_a_clip_with_sound(qtbot, view: TimelineView) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: view.blocks["p-1"].waveform is not None, timeout=20000)
    assert view._waveforms.computed == 1  # two blocks of one file: made once (the silent clip never asked)
    assert view.blocks["p-2"].waveform is view.blocks["p-1"].waveform and view.blocks["p-3"].waveform is None
    with_wave = grab_block(view, "p-1")
    view.blocks["p-1"].set_waveform(None)
    without = grab_block(view, "p-1")
    changed = np.abs(with_wave - without).sum(axis=2) > 30
    rows = np.flatnonzero(changed.any(axis=1))
    # In the block's lower half, about the band's middle, +-0.5 of its height: the tone's amplitude
    assert rows.min() >= 0.42 * CLIP_H - 1 and rows.max() <= 0.96 * CLIP_H + 1
    assert 0.35 < len(rows) / (0.54 * CLIP_H) < 0.75
    right = changed[:, changed.shape[1] // 2 : -8]  # past the thumbnail: every column has the tone
    assert right.any(axis=0).mean() > 0.95
    assert with_wave[changed].sum(axis=1).mean() > without[changed].sum(axis=1).mean() + 60  # lighter there


def test_the_block_reads_its_sound_through_the_time_map(clips: tuple[Path, Path]) -> None:
    tone, _ = clips
    clip = clip_from_info("c-1", tone, probe(tone), "tone")
    waveform = np.zeros((2, 200), np.float32)  # 2 s: silent but for a burst at 0.5..0.6 s
    waveform[:, 50:60] = [[-0.8], [0.8]]
    looped = Placement("p", "c-1", 0.0, 6.0)  # loops every 2 s
    lo, hi = columns(waveform, clip, looped, 0.0, 0.01, 600)  # 10 ms a column: 6 s
    burst = np.flatnonzero(hi > 0.5)
    assert list(burst[::10]) == [50, 250, 450]  # heard again at each loop
    zoomed_out = columns(waveform, clip, looped, 0.0, 0.25, 24)[1]  # 25 buckets a column: the burst survives
    assert np.flatnonzero(zoomed_out > 0.5).tolist() == [2, 10, 18]
