"""Estimates come from timing the real generator on a real sample; the summary is one line."""

from __future__ import annotations

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
