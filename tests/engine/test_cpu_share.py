"""Engines running at once share the CPU cores instead of each taking nearly all of them."""

from __future__ import annotations

import pytest
import torch

from studio.engine import cpu_share
from studio.engine.cpu_share import ACTIVE_S, CpuShare
from studio.engine.frame import cpu_threads, shared_cpu_threads


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_each_active_engine_gets_an_equal_share_of_what_is_left() -> None:
    clock = Clock()
    share = CpuShare(clock=clock, cores=lambda: 16)
    share.touch("preview")
    assert share.threads(reserved=1) == 15  # the preview alone: every core but the UI thread's
    share.enter("render")
    assert share.threads(reserved=2) == 7 and share.threads(reserved=1) == 7  # both at once: half each
    clock.now += ACTIVE_S + 0.1  # the preview paused: the render takes the machine back
    assert share.threads(reserved=2) == 14
    share.touch("preview")
    share.leave("render")
    assert share.threads(reserved=1) == 15
    assert CpuShare(clock=clock, cores=lambda: 2).threads(reserved=2) == 1  # never below one thread


def test_a_render_refreshes_its_threads_when_a_preview_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    share = CpuShare(clock=clock, cores=lambda: 8)
    monkeypatch.setattr(cpu_share, "SHARE", share)
    monkeypatch.setattr("studio.engine.frame.SHARE", share)
    before = torch.get_num_threads()
    with shared_cpu_threads("cpu", reserved=2, user="render-1") as refresh:
        assert torch.get_num_threads() == 6
        with cpu_threads("cpu", reserved=1):  # a preview frame while the render runs
            assert torch.get_num_threads() == 3  # (8 - 1) // 2
        refresh()
        assert torch.get_num_threads() == 3  # (8 - 2) // 2: the render made room
        clock.now += ACTIVE_S + 0.1
        refresh()
        assert torch.get_num_threads() == 6
    assert torch.get_num_threads() == before and share.active() == 0
    with shared_cpu_threads("cuda", reserved=2, user="render-2") as refresh:  # a GPU render: no share taken
        refresh()
        assert share.active() == 0
