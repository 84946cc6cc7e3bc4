"""Which torch device the engine runs on, and how to tell OOM apart.

The choice itself (CUDA, then Apple MPS, then the CPU) is :mod:`studio.models.device`'s, re-exported here:
the models train and generate on the same device the engine would pick, so there is one answer to "auto".
"""

from __future__ import annotations

import torch

from studio.models.device import choose_device, resolve_device

__all__ = ["choose_device", "describe", "empty_cache", "is_out_of_memory", "resolve_device"]


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
