"""One job on the GPU at a time, in this process: a text-to-video run holds the GPU while it denoises.

A video model takes most of a consumer GPU's memory and all of its compute for minutes; sharing it with the
preview's final-quality refinement would make both slow and risk running out of memory. The job holds
:data:`GPU` (``with GPU.hold("text-to-video", device):``); the preview asks :attr:`GpuLock.holder` before it
refines a paused frame and stays on its draft meanwhile, saying so. Work on the CPU takes no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from studio.errors import EngineError


class GpuLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: str | None = None

    @property
    def holder(self) -> str | None:
        """What holds the GPU now ("text-to-video"), or None."""
        return self._holder

    @contextmanager
    def hold(self, what: str, device: Any = "cuda", timeout_s: float = 0.0) -> Iterator[None]:
        """Hold the GPU for ``what`` while inside; a one-line EngineError if another job holds it past
        ``timeout_s``. A CPU ``device`` holds nothing."""
        if str(getattr(device, "type", device)).split(":")[0] not in ("cuda", "mps"):
            yield
            return
        acquired = (
            self._lock.acquire(timeout=timeout_s) if timeout_s > 0 else self._lock.acquire(blocking=False)
        )
        if not acquired:
            raise EngineError(
                f"the GPU is busy with {self._holder or 'another job'}; try again when it is done"
            )
        self._holder = what
        try:
            yield
        finally:
            self._holder = None
            self._lock.release()


GPU = GpuLock()  # the process's one GPU lock
