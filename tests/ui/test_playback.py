"""The playback clock against the real engine: real-time pacing, frames in order, loop wrap, I/O range,
pause, and seeks that are debounced into one render."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from studio.engine.frame import FrameRenderer
from studio.engine.synth import Crossfade
from studio.project import load_project
from studio.ui.engine.host import EngineHost
from studio.ui.viewer.playback import PlaybackController


def crossfade(project: object, device: str) -> FrameRenderer:
    """The engine's exact degenerate case: fast and steady, so these tests time the clock."""
    return FrameRenderer(project, device=device, synthesizer=Crossfade())


@pytest.fixture()
def playback(qtbot, project_file: Path):  # noqa: ANN001
    host = EngineHost(renderer_factory=crossfade)
    project = load_project(project_file)  # 12 frames at 12 fps
    host.update_project(project)
    host.start()
    pb = PlaybackController(host)
    pb.set_timing(project.settings.fps, project.settings.frame_count)
    shown: list[tuple[int, float]] = []
    pb.frameShown.connect(lambda n, _rec: shown.append((n, time.perf_counter())))
    pb.shown = shown
    yield pb
    pb.pause()
    assert host.shutdown()


def test_plays_in_order_at_the_project_rate_and_wraps_the_loop(qtbot, playback: PlaybackController) -> None:  # noqa: ANN001
    playback.loop = True
    playback.play()
    qtbot.waitUntil(lambda: len(playback.shown) >= 20, timeout=30000)
    playback.pause()
    frames = [n for n, _ in playback.shown]
    assert frames[:20] == [*range(1, 12), *range(0, 9)]  # from the frame after the playhead, wrapping 11 → 0
    # Shown on the 12 fps clock: never faster on average, and typically one period apart.
    times = [t for _, t in playback.shown[:20]]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert times[-1] - times[0] >= 19 / 12 * 0.95
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(1 / 12, rel=0.3)


def test_in_out_range_and_stop_at_the_end(qtbot, playback: PlaybackController) -> None:  # noqa: ANN001
    playback.set_range(3, 6)
    playback.loop = True
    playback.seek(3, immediate=True)
    playback.play()
    qtbot.waitUntil(lambda: len(playback.shown) >= 7, timeout=30000)
    playback.pause()
    frames = [n for n, _ in playback.shown]
    assert frames[:7] in ([3, 4, 5, 6, 3, 4, 5], [4, 5, 6, 3, 4, 5, 6])  # the seek's own frame may come first
    assert set(frames) <= {3, 4, 5, 6}

    playback.shown.clear()
    playback.set_range(None, None)
    playback.loop = False
    playback.seek(9, immediate=True)
    playback.play()
    qtbot.waitUntil(lambda: not playback.playing, timeout=30000)
    assert [n for n, _ in playback.shown][-1] == 11 and playback.position == 11


def test_a_drag_of_seeks_renders_only_where_it_ends(qtbot, playback: PlaybackController) -> None:  # noqa: ANN001
    requested: list[int] = []
    playback.host.worker.frameReady.connect(lambda n, _r, _g: requested.append(n))
    positions: list[int] = []
    playback.positionChanged.connect(positions.append)
    for n in range(12):
        playback.seek(n)  # a playhead dragged across the whole output
    assert positions == list(range(12))  # the timecode follows every step at once
    qtbot.waitUntil(lambda: bool(playback.shown), timeout=30000)
    qtbot.wait(100)
    assert requested == [11] and [n for n, _ in playback.shown] == [11]
