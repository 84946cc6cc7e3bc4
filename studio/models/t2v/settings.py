"""What a text-to-video run is asked for, and what it reports on the way: plain data, no torch, so the
window's dock can build a request on the GUI thread (the run itself imports torch on its worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError


@dataclass(frozen=True)
class T2VSettings:
    prompt: str
    negative: str = ""
    frames: int | None = None  # None: the model's default
    size: tuple[int, int] | None = None  # (width, height)
    steps: int | None = None
    seed: int = 0
    guidance: float | None = None
    fps: float | None = None


def parse_size(text: str) -> tuple[int, int]:
    """``"704x480"`` -> (704, 480); a one-line StudioError otherwise."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise StudioError(f"--size takes WIDTHxHEIGHT (e.g. 704x480), not {text!r}") from None
    return width, height


@dataclass(frozen=True)
class StepUpdate:
    step: int  # steps done
    steps: int
    elapsed_s: float
    eta_s: float | None
    preview: Any = None  # (h, w, 3) uint8 numpy array, every few steps
