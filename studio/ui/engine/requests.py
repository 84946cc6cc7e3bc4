"""What the GUI thread sends the preview engine (:mod:`studio.ui.engine.worker`): frozen requests (they
cross threads and must not change underway), and the few ints both threads share (generation, horizon)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RenderFrame:
    n: int
    generation: int


@dataclass(frozen=True)
class Play:
    from_n: int
    generation: int
    direction: int = 1  # +1 forward, -1 backward (J)
    loop: bool = True


@dataclass(frozen=True)
class Stop:
    generation: int


@dataclass(frozen=True)
class UpdateProject:
    project: Any  # a deep copy: the GUI keeps editing its own
    render_key: str  # changes only when an edit changes the pixels; the frame cache survives the rest
    # (first, last) output frames the edit changed when it says (a painted mask); None: any frame may have
    frames: tuple[int, int] | None = None


@dataclass
class SharedState:
    """What the GUI thread writes and the worker reads between frames (ints under the GIL)."""

    generation: int = 0
    horizon: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bump(self) -> int:
        with self.lock:
            self.generation += 1
            return self.generation
