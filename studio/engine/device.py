"""Which torch device the engine runs on: CUDA, then Apple MPS, then the CPU; and how to tell OOM apart."""

from __future__ import annotations

import torch

from studio.errors import EngineError


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def choose_device(name: str = "auto") -> torch.device:
    """``auto`` picks the best present device; an explicit one that is absent is a one-line EngineError.

    Accepts ``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``gpu`` (an alias of ``cuda``) and ``mps``.
    """
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "gpu":
        name = "cuda"
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise EngineError(f"Unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise EngineError(f"Device {name!r} asked for, but this torch build sees no CUDA GPU")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise EngineError(f"Device {name!r} asked for, but only {count} CUDA GPU(s) are present")
        return device
    if device.type == "mps":
        if not _mps_available():
            raise EngineError(f"Device {name!r} asked for, but Apple MPS is not available here")
        return device
    raise EngineError(f"Unsupported device {name!r}: use auto, cpu, cuda, cuda:N or mps")


def describe(device: torch.device | str) -> str:
    """One human line: what the device is and how much memory it has."""
    device = torch.device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return f"CUDA {props.name} ({props.total_memory / 2**30:.0f} GiB)"
    if device.type == "mps":
        return "Apple MPS GPU (shared memory)"
    return f"CPU ({torch.get_num_threads()} threads)"


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's own OOM type, or the generic RuntimeError other backends (and the CPU allocator) raise."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        isinstance(exc, MemoryError) or "out of memory" in str(exc).lower()
    )


def empty_cache(device: torch.device) -> None:
    """Give cached blocks back after an OOM so the retry with a smaller tile can succeed."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
