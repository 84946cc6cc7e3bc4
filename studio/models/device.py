"""The one decision of which torch device runs the work: CUDA, then Apple MPS, then the CPU.

Low enough for everything that runs torch: the models (training, generation) use it directly, the engine
through ``studio.engine.device`` (which re-exports it beside its memory helpers), the window through the
engine. Nowhere else decides what "auto" means.
"""

from __future__ import annotations

import torch

from studio.errors import EngineError

DEVICE_HELP = "use auto, cpu, cuda, cuda:N or mps"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def choose_device(name: str | None = "auto") -> torch.device:
    """``auto`` picks the best present device; an explicit one that is absent is a one-line EngineError.

    Accepts ``auto`` (or nothing), ``cpu``, ``cuda``, ``cuda:N``, ``gpu`` (an alias of ``cuda``) and ``mps``.
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
        raise EngineError(f"Unknown device {name!r}: {DEVICE_HELP}") from None
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
    raise EngineError(f"Unsupported device {name!r}: {DEVICE_HELP}")


def resolve_device(name: str | None = "auto") -> tuple[str, str | None]:
    """(the device string it will run on, why that is not the one asked for): like :func:`choose_device`, but
    a device that is absent falls back to the CPU with a one-line reason instead of raising."""
    try:
        return str(choose_device(name)), None
    except EngineError as exc:
        return "cpu", f"{exc}: using cpu"
