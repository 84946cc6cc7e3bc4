"""Device choice: auto picks what is there; an explicit device that is absent is a one-line EngineError."""

from __future__ import annotations

import pytest
import torch

from studio.engine.device import choose_device, describe, is_out_of_memory, resolve_device
from studio.errors import EngineError


def test_auto_picks_an_available_device():
    device = choose_device("auto")
    expected = (
        "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert device.type == expected
    torch.ones(2, device=device)  # and it works


def test_one_decision_for_auto_everywhere():
    """The engine, the models (training, generation) and the window's status bar ask the same function."""
    from studio.engine import frame
    from studio.models import device as models_device

    assert choose_device is models_device.choose_device and resolve_device is models_device.resolve_device
    assert resolve_device("auto") == (str(choose_device("auto")), None)
    assert resolve_device("") == resolve_device(None) == resolve_device("auto")
    assert frame.on_cpu("auto") == (choose_device("auto").type == "cpu") and frame.on_cpu("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_absent_gpu_falls_back_to_the_cpu_with_a_reason():
    device, reason = resolve_device("cuda")
    assert device == "cpu" and reason.endswith(": using cpu") and "CUDA" in reason and "\n" not in reason


def test_cpu_is_always_there():
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device(" CPU ") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_absent_cuda_is_a_one_line_engine_error():
    for name in ("cuda", "cuda:0", "gpu"):
        with pytest.raises(EngineError) as info:
            choose_device(name)
        assert "\n" not in str(info.value) and "CUDA" in str(info.value)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="needs a machine without MPS")
def test_absent_mps_is_a_one_line_engine_error():
    with pytest.raises(EngineError, match="MPS"):
        choose_device("mps")


def test_unknown_device_name():
    with pytest.raises(EngineError, match="Unknown device 'tpu9'"):
        choose_device("tpu9")


def test_describe_says_what_it_is():
    assert describe("cpu") == f"CPU ({torch.get_num_threads()} threads)"
    if torch.cuda.is_available():
        assert describe("cuda").startswith("CUDA ") and "GiB" in describe("cuda")


def test_out_of_memory_is_recognised_and_nothing_else():
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("boom"))
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("out of memory"))  # only the types torch raises for it
