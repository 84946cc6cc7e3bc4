"""Estimates come from timing the real generator on a real sample; the summary is one line."""

from __future__ import annotations

import pytest
import torch

from studio.engine.config import GeneratorConfig
from studio.engine.estimate import Estimate, estimate
from studio.engine.generator import AttentionGenerator


def test_estimate_times_the_generator_and_extrapolates(make_input):
    sample = make_input(["gradient", "stripes"], 3)
    made: list[AttentionGenerator] = []

    def factory(device: torch.device) -> AttentionGenerator:
        made.append(AttentionGenerator(GeneratorConfig(), device=device))
        return made[-1]

    result = estimate(factory, sample, frames=240, device="cpu")
    assert isinstance(result, Estimate) and len(made) == 1
    assert result.ms_per_frame > 0
    assert abs(result.seconds - result.ms_per_frame * 240 / 1000) < 1e-9
    # at least what the frames alone occupy on the device (the generator's own figure plus numpy's)
    assert result.peak_memory_bytes >= sample.frames.nbytes
    assert result.device.startswith("CPU") and result.fallback is None
    line = result.summary()
    assert "\n" not in line and "240 frames" in line and "ms/frame" in line


def test_estimate_reports_a_fallback(make_input, monkeypatch):
    """An OOM during calibration shows up in the estimate, not only in a log."""
    from studio.engine import generator as generator_module

    real = generator_module.attend_band
    calls = {"n": 0}

    def oom_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("out of memory (injected)")
        return real(*args, **kwargs)

    monkeypatch.setattr(generator_module, "attend_band", oom_once)
    result = estimate(
        lambda device: AttentionGenerator(GeneratorConfig(), device=device),
        make_input(["gradient", "stripes"], 3),
        frames=10,
        device="cpu",
        calibration=1,
    )
    assert result.fallback is not None and "out of memory" in result.fallback
    assert "fallback" in result.summary()


def test_long_durations_read_as_minutes():
    est = Estimate(
        seconds=3725.0,
        ms_per_frame=50.0,
        peak_memory_bytes=2**30,
        device="CPU (2 threads)",
        fallback=None,
        frames=74500,
    )
    assert "1 h 02 min" in est.summary() and "1024 MiB" in est.summary()


# -- a render's estimate: representative frames, the fastest run, the last render's rate -------------------


class _Clock:
    """A clock the fake synthesizer moves: the test decides what each frame costs, nothing is timed."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Costly:
    """A synthesizer whose frame costs 10 ms per active source, plus ``stalls`` (call number -> seconds):
    another process, or the window's own preview, taking the cores at that moment."""

    stride = 8
    device = "cpu"

    def __init__(self, clock: _Clock, stalls: dict[int, float]) -> None:
        self.clock, self.stalls, self.calls = clock, stalls, 0

    def reset(self) -> None:
        pass

    def __call__(self, inp):  # noqa: ANN001, ANN204
        self.calls += 1
        self.clock.now += 0.010 * inp.frames.shape[0] + self.stalls.get(self.calls, 0.0)


@pytest.fixture()
def no_remembered_rates(monkeypatch):
    from studio.engine import estimate as module

    monkeypatch.setattr(module, "_RATES", {})


@pytest.fixture(scope="module")
def two_clips(make_test_clip):
    from tests.engine.test_render_support import H, W

    return [make_test_clip(f"estimate_{i}.mp4", width=W, height=H, frames=48, gop=12) for i in range(2)]


def test_the_estimate_weighs_frames_by_how_busy_they_are_and_ignores_stalls(two_clips, no_remembered_rates):
    from studio.engine.estimate import estimate_render
    from tests.engine.test_render_support import make_project

    # one source for 1.5 s, two for the last 0.5 s: 36 frames at 10 ms, 12 at 20 ms, 12.5 ms on average
    project = make_project(two_clips, [(0, 0.0, 2.0, None), (1, 1.5, 0.5, None)], duration=2.0, audio=False)
    clock = _Clock()
    # the first timed run of each sample frame is stalled by half a second (a loaded machine)
    synth = _Costly(clock, stalls={2: 0.5, 3: 0.5})
    est = estimate_render(project, range(48), "cpu", lambda _dev: synth, "draft", clock=clock)
    io_ms = est.ms_per_frame - 12.5  # the decode/encode model around the engine: ~1 ms at 96x64
    assert 0 < io_ms < 1.5 and est.basis == "calibration"
    assert est.seconds == pytest.approx(est.ms_per_frame * 48 / 1000)
    # the busiest frame alone, a median of two stalled runs, said ~260 ms a frame: 20x too high
    assert synth.calls == 1 + 2 * 2 + 1  # warm-up, 2 runs of 2 samples, 1 untimed run for memory


def test_after_a_render_the_estimate_is_its_measured_rate(two_clips, tmp_path, no_remembered_rates):
    from studio.engine.render import RenderJob
    from studio.engine.synth import Crossfade
    from tests.engine.test_render_support import make_project

    project = make_project(two_clips, [(0, 0.0, 1.0, None), (1, 0.5, 0.5, None)], duration=1.0, audio=False)
    first = RenderJob(project, tmp_path / "a.mp4", synthesizer=Crossfade()).estimate()
    assert first.basis == "calibration"
    result = RenderJob(project, tmp_path / "a.mp4", synthesizer=Crossfade()).run()
    again = RenderJob(project, tmp_path / "b.mp4", synthesizer=Crossfade()).estimate()
    assert again.basis == "last render" and "last render's rate" in again.summary()
    assert again.seconds == pytest.approx(result.seconds, rel=1e-6)  # same project: what it really took
    half = RenderJob(project, tmp_path / "c.mp4", synthesizer=Crossfade(), frames=range(0, 12)).estimate()
    # frames 0-11 have one source, the whole render averaged 1.5: half the frames, two thirds the work each
    assert half.seconds == pytest.approx(result.seconds / 2 / 1.5, rel=1e-6)
