"""Out-of-memory handling, with the OOM injected: smaller bands first, then the CPU; never silent.

The "GPU" here is torch's ``meta`` device (shapes, no data): the injected OOM fires for tensors on it, so the
whole fall-back-to-CPU path runs on a machine without CUDA, as in CI.
"""

from __future__ import annotations

import pytest
import torch

from studio.engine import generator as generator_module
from studio.engine.config import GeneratorConfig
from studio.engine.generator import AttentionGenerator
from studio.errors import EngineError
from tests.engine.test_generator import assert_same_up_to_rounding

ALL = ["gradient", "stripes", "dots"]


@pytest.fixture
def inject_oom(monkeypatch):
    """``inject_oom(when)``: attend_band raises CUDA's OOM whenever ``when(query)`` is true."""
    real = generator_module.attend_band

    def install(when):
        def attend(query, *args, **kwargs):
            if when(query):
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB (injected)")
            return real(query, *args, **kwargs)

        monkeypatch.setattr(generator_module, "attend_band", attend)

    return install


def test_oom_halves_the_band_and_gives_the_same_frames(make_input, inject_oom):
    clean = AttentionGenerator(GeneratorConfig(device="cpu"))
    expected = [clean(make_input(ALL, n)) for n in range(3)]
    calls = {"n": 0}

    def first_two(query):
        calls["n"] += 1
        return calls["n"] <= 2

    inject_oom(first_two)
    warnings: list[str] = []
    gen = AttentionGenerator(GeneratorConfig(device="cpu"), on_warning=warnings.append)
    for n in range(3):
        assert_same_up_to_rounding(gen(make_input(ALL, n)), expected[n])
    assert warnings == gen.fallbacks and len(warnings) == 2
    assert warnings[0] == "out of memory on cpu: band of 8 patch rows -> 4"
    assert gen._tile_rows == 2 and gen.device.type == "cpu"


def test_oom_on_the_gpu_falls_back_to_the_cpu(make_input, inject_oom):
    inject_oom(lambda query: query.device.type == "meta")
    warnings: list[str] = []
    gen = AttentionGenerator(GeneratorConfig(), device="meta", on_warning=warnings.append)
    reference = AttentionGenerator(GeneratorConfig(device="cpu"))
    out = gen(make_input(ALL, 2))
    assert gen.device == torch.device("cpu")
    assert warnings[-1] == "out of memory on meta even one patch row at a time: continuing on the CPU"
    assert len(warnings) == 4  # 8 -> 4 -> 2 -> 1 rows, then the CPU
    # one patch row at a time on the CPU gives exactly what the CPU gives in one go
    assert_same_up_to_rounding(out, reference(make_input(ALL, 2)))
    gen(make_input(ALL, 3))  # and it goes on from there
    assert len(gen.fallbacks) == 4


def test_oom_with_nothing_left_to_give_is_an_engine_error(make_input, inject_oom):
    inject_oom(lambda query: True)
    gen = AttentionGenerator(GeneratorConfig(device="cpu"))
    with pytest.raises(EngineError, match="Out of memory on the CPU") as info:
        gen(make_input(ALL, 2))
    assert "\n" not in str(info.value)


def test_other_errors_are_not_swallowed(make_input, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(generator_module, "attend_band", broken)
    gen = AttentionGenerator(GeneratorConfig(device="cpu"))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        gen(make_input(ALL, 2))
    assert gen.fallbacks == []
