"""The engine worker on its QThread with the real FrameRenderer: frames by signal, latest-wins, the frame
cache and its invalidation, rendering ahead while playing, errors that leave the thread alive, shutdown."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.engine.frame import FrameRenderer
from studio.errors import EngineError
from studio.project import load_project
from studio.ui.engine.frame_cache import FrameCache
from studio.ui.engine.host import EngineHost
from tests.ui.engine_support import counting_host


@pytest.fixture()
def host(qtbot, project_file: Path):  # noqa: ANN001
    h = counting_host(project_file)
    yield h
    assert h.shutdown()
    assert not h.thread.isRunning()


def collect(host: EngineHost) -> list[tuple[int, Any, int]]:
    got: list[tuple[int, Any, int]] = []
    host.worker.frameReady.connect(lambda n, rec, gen: got.append((n, rec, gen)))
    return got


def test_frame_arrives_with_its_record(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    gen = host.request_frame(5)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    n, rec, g = got[0]
    assert (n, g) == (5, gen)
    assert rec.frame.shape == (48, 64, 3) and rec.frame.dtype == np.uint8
    assert rec.shares.shape == (2,)
    assert rec.shares.sum() == pytest.approx(1.0, abs=1e-3)
    assert np.allclose(rec.maps.astype(np.float32).sum(axis=0), 1.0, atol=1e-2)


def test_stale_requests_are_dropped_latest_wins(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    host.request_frame(0)
    qtbot.waitUntil(lambda: bool(got), timeout=20000)  # renderer loaded
    renderer = host.made[0]
    renderer.rendered.clear()
    got.clear()
    # A burst while the worker is busy with the first: only the first and the last may be rendered.
    for n in range(1, 11):
        last = host.request_frame(n)
    qtbot.waitUntil(lambda: any(g == last for _, _, g in got), timeout=20000)
    assert renderer.rendered[-1] == 10
    assert len(renderer.rendered) <= 2, renderer.rendered
    assert [n for n, _, g in got if host.is_current(g)] == [10]


def test_cache_serves_repeats_and_edits_invalidate_only_when_pixels_change(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    host.request_frame(3)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=20000)
    renderer = host.made[0]
    host.request_frame(3)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
    assert renderer.rendered.count(3) == 1
    assert np.array_equal(got[0][1].frame, got[1][1].frame)

    project = host.project
    project.settings = dataclasses.replace(project.settings, crf=40)  # export-only: cache kept
    host.update_project(project)
    host.request_frame(3)
    qtbot.waitUntil(lambda: len(got) == 3, timeout=20000)
    assert renderer.rendered.count(3) == 1

    engine = dataclasses.replace(project.settings.engine, temperature=5.0)
    project.settings = dataclasses.replace(project.settings, engine=engine)
    host.update_project(project)
    host.request_frame(3)
    qtbot.waitUntil(lambda: len(got) == 4, timeout=20000)
    assert renderer.rendered.count(3) == 2


def test_play_renders_ahead_only_to_the_horizon(qtbot, host: EngineHost) -> None:  # noqa: ANN001
    got = collect(host)
    host.play(0, 1, False, ahead=3)
    qtbot.waitUntil(lambda: len(got) >= 4, timeout=20000)
    qtbot.wait(300)
    assert [n for n, _, _ in got] == [0, 1, 2, 3]  # waits for the viewer at the horizon
    host.set_horizon(6)
    qtbot.waitUntil(lambda: len(got) >= 7, timeout=20000)
    host.stop()
    qtbot.wait(200)
    assert [n for n, _, _ in got] == list(range(7))


def test_engine_errors_become_a_signal_and_the_thread_lives_on(qtbot, project_file: Path) -> None:  # noqa: ANN001
    calls = []

    def failing(project: Any, device: str) -> Any:
        calls.append(device)
        if len(calls) == 1:
            raise EngineError("no such device: tpu")
        return FrameRenderer(project, device=device)

    host = EngineHost(renderer_factory=failing)
    try:
        host.update_project(load_project(project_file))
        host.start()
        errors: list[str] = []
        host.worker.error.connect(errors.append)
        got = collect(host)
        host.request_frame(0)
        qtbot.waitUntil(lambda: bool(errors), timeout=20000)
        assert errors == ["no such device: tpu"]
        host.request_frame(1)
        qtbot.waitUntil(lambda: bool(got), timeout=20000)
        assert got[0][0] == 1
    finally:
        assert host.shutdown()


def test_frame_cache_evicts_least_recently_used_within_budget() -> None:
    @dataclasses.dataclass
    class Rec:
        frame: np.ndarray

    one = Rec(np.zeros((10, 10, 3), np.uint8))  # 300 bytes
    cache = FrameCache(budget=1000)
    for n in range(3):
        cache.put(n, dataclasses.replace(one))
    assert cache.get(0) is not None  # 0 is now the most recent
    cache.put(3, dataclasses.replace(one))
    assert 1 not in cache and 0 in cache and 3 in cache
    assert cache.nbytes <= 1000
    cache.put(9, Rec(np.zeros((40, 40, 3), np.uint8)))  # bigger than the budget: not cached
    assert 9 not in cache and len(cache) == 3
