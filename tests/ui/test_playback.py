"""The playback clock against the real engine: frames in order at the project rate (paced by a clock the test
advances), loop wrap, I/O range, pause, seeks that are debounced into one render, and a play pressed while
the engine starts, held until it is ready.

Nothing here waits a fixed time or reads the wall clock: a frame is due on the controller's clock, and what
must not happen is checked against a later event that the engine can only answer after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.engine.frame import FrameRenderer
from studio.engine.synth import Crossfade
from studio.project import load_project
from studio.ui.engine.host import EngineHost
from studio.ui.viewer.playback import STARTING, STARTING_PLAY, PlaybackController


def crossfade(project: object, device: str) -> FrameRenderer:
    """The engine's exact degenerate case: fast and steady."""
    return FrameRenderer(project, device=device, synthesizer=Crossfade())


class ManualClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_playback(project_file: Path, clock=None, **host_kwargs: object):  # noqa: ANN001, ANN201
    # No refinement: these tests are about the clock, and a refined frame would arrive as a second frame.
    host = EngineHost(renderer_factory=crossfade, refine=False, **host_kwargs)
    project = load_project(project_file)  # 12 frames at 12 fps
    host.update_project(project)
    pb = PlaybackController(host) if clock is None else PlaybackController(host, clock=clock)
    pb.set_timing(project.settings.fps, project.settings.frame_count)
    shown: list[int] = []
    pb.frameShown.connect(lambda n, _rec: shown.append(n))
    pb.shown = shown
    return host, pb


@pytest.fixture()
def playback(qtbot, project_file: Path):  # noqa: ANN001
    host, pb = make_playback(project_file)
    host.start()
    yield pb
    pb.pause()
    assert host.shutdown()


@pytest.fixture()
def paced(qtbot, project_file: Path):  # noqa: ANN001
    clock = ManualClock()
    host, pb = make_playback(project_file, clock)
    host.start()
    pb.clock = clock
    yield pb
    pb.pause()
    assert host.shutdown()


def test_plays_in_order_at_the_project_rate_and_wraps_the_loop(qtbot, paced: PlaybackController) -> None:  # noqa: ANN001
    pb, period = paced, 1 / 12
    pb.loop = True
    pb.play()
    for k in range(1, 21):
        pb.clock.advance(period)  # one frame period on the controller's clock
        qtbot.waitUntil(lambda k=k: len(pb.shown) >= k, timeout=30000)
        # Never faster than the project rate: the next frame is not due yet, so it cannot be shown.
        assert len(pb.shown) == k
    assert pb.shown == [*range(1, 12), *range(0, 9)]  # from the frame after the playhead, wrapping 11 → 0
    # A late tick (3 periods behind) shows one frame and re-bases: late frames are not shown in a burst.
    pb.clock.advance(3 * period)
    qtbot.waitUntil(lambda: len(pb.shown) >= 21, timeout=30000)
    assert pb.shown[20:] == [9]
    pb.clock.advance(period)
    qtbot.waitUntil(lambda: len(pb.shown) >= 22, timeout=30000)
    assert pb.shown[20:] == [9, 10]


def test_the_next_lap_renders_while_the_loops_end_is_on_screen(qtbot, paced: PlaybackController) -> None:  # noqa: ANN001
    """Without it each wrap stalls until the lap's first frame is rendered, and under the sound's clock (which
    stops when the sound waits for a frame) the wrap waited on a clock that waited on it."""
    pb, period = paced, 1 / 12
    pb.loop = True
    pb.set_range(3, 6)
    pb.seek(4, immediate=True)
    pb.play()
    for k in (5, 6):
        pb.clock.advance(period)
        qtbot.waitUntil(lambda k=k: pb.position == k, timeout=30000)
    # The clock stands still: frame 3 (the next lap's first) arrives anyway, then the lap after it
    qtbot.waitUntil(lambda: pb.ready_after(6)[:2] == [3, 4], timeout=30000)
    pb.clock.advance(period)
    qtbot.waitUntil(lambda: pb.position == 3, timeout=30000)
    assert pb.stalls == 0 and pb.shown[-3:] == [5, 6, 3]


def test_in_out_range_and_stop_at_the_end(qtbot, playback: PlaybackController) -> None:  # noqa: ANN001
    playback.set_range(3, 6)
    playback.loop = True
    playback.seek(3, immediate=True)
    playback.play()
    qtbot.waitUntil(lambda: len(playback.shown) >= 7, timeout=30000)
    playback.pause()
    frames = list(playback.shown)
    assert frames[:7] in ([3, 4, 5, 6, 3, 4, 5], [4, 5, 6, 3, 4, 5, 6])  # the seek's own frame may come first
    assert set(frames) <= {3, 4, 5, 6}

    playback.shown.clear()
    playback.set_range(None, None)
    playback.loop = False
    playback.seek(9, immediate=True)
    playback.play()
    qtbot.waitUntil(lambda: not playback.playing, timeout=30000)
    assert playback.shown[-1] == 11 and playback.position == 11


def test_a_drag_of_seeks_renders_only_where_it_ends(qtbot, playback: PlaybackController) -> None:  # noqa: ANN001
    requested: list[int] = []
    playback.host.worker.frameReady.connect(lambda n, _r, _g: requested.append(n))
    positions: list[int] = []
    playback.positionChanged.connect(positions.append)
    for n in range(12):
        playback.seek(n)  # a playhead dragged across the whole output
    assert positions == list(range(12))  # the timecode follows every step at once
    qtbot.waitUntil(lambda: bool(playback.shown), timeout=30000)
    # The engine answers in order: once a later request is answered, every render the drag caused is in.
    playback.host.request_frame(5)
    qtbot.waitUntil(lambda: 5 in requested, timeout=30000)
    assert requested == [11, 5] and playback.shown == [11]


def test_a_play_while_the_engine_starts_is_held_until_it_is_ready(qtbot, project_file: Path) -> None:  # noqa: ANN001
    host, pb = make_playback(project_file, load_torch=True)  # warms up as with the engine's own renderer
    notices: list[str] = []
    pb.notice.connect(notices.append)
    try:
        with qtbot.waitSignal(host.engineReady, timeout=60000):
            host.start()
            assert host.starting and notices == [STARTING]
            pb.play()  # Space pressed at once
            assert pb.playing and notices[-1] == STARTING_PLAY
            assert not pb.shown  # held: no engine request and no clock yet
        assert notices[-1] == "" and not host.starting
        qtbot.waitUntil(lambda: len(pb.shown) >= 3, timeout=30000)
        assert pb.shown[:3] == [1, 2, 3]
    finally:
        pb.pause()
        assert host.shutdown()
