"""A model config from a file is data, not a promise: every field's type and bounds are checked, and the
model's size worked out on torch's ``meta`` device (shapes, no memory), before anything is allocated.

A checkpoint's manifest says how to build its model; ``hidden_channels 4096``, ``layers 10**7`` or
``base_channels 3000`` built past 2 GiB before the weights were even looked at, and ``image_size: "32"``
or ``config: [1, 2]`` were tracebacks. The bounds are far above every preset (``registry.PRESETS``: "base"
is the largest) and below what a laptop can hold; :data:`MAX_PARAMETERS` bounds the whole.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch
import torch.nn as nn

from studio.errors import StudioError

# (lo, hi) of each integer field any config has; a field not listed gets DEFAULT_INT.
INT_BOUNDS: dict[str, tuple[int, int]] = {
    "image_size": (8, 1024),
    "base_channels": (1, 512),
    "latent_channels": (1, 256),
    "hidden_channels": (1, 1024),
    "layers": (1, 16),
    "kernel_size": (1, 15),
    "window": (2, 256),
    "context": (1, 255),
    "patch": (1, 256),
    "max_frames": (1, 1024),
    "dim": (1, 4096),
    "depth": (1, 64),
    "heads": (1, 64),
    "mlp_ratio": (1, 16),
    "channels": (1, 512),
    "refine_channels": (1, 512),
}
DEFAULT_INT = (0, 4096)
FLOAT_BOUNDS = (0.0, 1e6)  # loss weights and the KL's beta: >= 0 and finite
MAX_SCALES = 8  # entries of a tuple[int, ...] field (the interpolator's scales), each an int in [1, 64]
MAX_PARAMETERS = 1 << 28  # 1 GiB of float32 weights; the "base" presets have 2.5 M at most


def checked_values(kind: str, cfg_cls: type, values: Any) -> dict[str, Any]:
    """``values`` (a manifest's ``config``, or a preset's with overrides) with every field's type and bounds
    checked: a one-line StudioError naming the field otherwise. Tuples come back as tuples."""
    if not isinstance(values, dict):
        raise StudioError(f"{kind} config: expected an object of fields, got {type(values).__name__}")
    types = {f.name: str(f.type) for f in dataclasses.fields(cfg_cls)}
    unknown = set(values) - set(types)
    if unknown:
        raise StudioError(f"{kind} config has unknown field {sorted(unknown)[0]!r}")
    return {name: _checked(kind, name, types[name], value) for name, value in values.items()}


def check_size(kind: str, build: Any, cfg: Any) -> int:
    """Build the model on the ``meta`` device (shapes only) and refuse one past :data:`MAX_PARAMETERS`;
    returns its parameter count. A config its constructor refuses raises what the constructor raises."""
    with torch.device("meta"):
        model: nn.Module = build(cfg)
    count = sum(t.numel() for t in (*model.parameters(), *model.buffers()))
    if count > MAX_PARAMETERS:
        raise StudioError(
            f"{kind} config makes a model of {count / 1e6:.0f} M parameters ({count * 4 / 2**30:.1f} GiB), "
            f"more than the {MAX_PARAMETERS / 1e6:.0f} M this app loads"
        )
    return count


def _checked(kind: str, name: str, annotation: str, value: Any) -> Any:
    where = f"{kind} config: {name}"
    if annotation == "bool":
        if not isinstance(value, bool):
            raise StudioError(f"{where}: expected true or false, got {_show(value)}")
        return value
    if annotation == "str":  # which strings: the model's own constructor says (a ValueError)
        if not isinstance(value, str):
            raise StudioError(f"{where}: expected a string, got {_show(value)}")
        return value
    if annotation == "int":
        return _integer(where, value, *INT_BOUNDS.get(name, DEFAULT_INT))
    if annotation == "float":
        lo, hi = FLOAT_BOUNDS
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not lo <= value <= hi:
            raise StudioError(f"{where}: expected a number in [{lo:g}, {hi:g}], got {_show(value)}")
        return float(value)
    if annotation.startswith("tuple[int"):
        if not isinstance(value, list | tuple) or not 1 <= len(value) <= MAX_SCALES:
            raise StudioError(f"{where}: expected a list of 1 to {MAX_SCALES} integers, got {_show(value)}")
        return tuple(_integer(where, v, 1, 64) for v in value)
    raise StudioError(f"{where}: a field of type {annotation} cannot be read from a file")


def _integer(where: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise StudioError(f"{where}: expected an integer in [{lo}, {hi}], got {_show(value)}")
    return value


def _show(value: Any) -> str:
    """The value if it is short (an int of 5000 digits has no repr), else its type's name."""
    short = isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 10**30)
    short = short or (isinstance(value, str) and len(value) < 40)
    return repr(value) if short else type(value).__name__
