"""Sharing the CPU cores between the engines that run at once (the window's preview and an export).

Each engine on the CPU takes torch intra-op threads; alone it gets every core but the ones its own helper
threads need (``reserved``: the UI thread, or decode and encode). Two at once used to take cores-1 and
cores-2, twice the machine: both slowed down, and the spinning workers starved decode and encode. Now each
*active* engine gets an equal share of what is left. A user counts as active while it works: a render from
``enter`` to ``leave``, the preview for ``ACTIVE_S`` after each frame it makes (it renders frame by frame,
and a paused preview must not keep half the machine).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from studio.cores import usable_cores

ACTIVE_S = 1.0  # the preview holds its share this long after a frame (a playing preview makes one per 42 ms)


class CpuShare:
    def __init__(self, clock: Callable[[], float] = time.monotonic, cores: Callable[[], int] = usable_cores):
        self._clock, self._cores = clock, cores
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}  # user -> active until (monotonic); inf while entered

    def enter(self, user: str) -> None:
        with self._lock:
            self._until[user] = float("inf")

    def leave(self, user: str) -> None:
        with self._lock:
            self._until.pop(user, None)

    def touch(self, user: str) -> None:
        """``user`` just worked: active for ACTIVE_S more (entered users stay active until they leave)."""
        with self._lock:
            self._until[user] = max(self._until.get(user, 0.0), self._clock() + ACTIVE_S)

    def active(self) -> int:
        now = self._clock()
        with self._lock:
            for user in [u for u, until in self._until.items() if until < now]:
                del self._until[user]
            return len(self._until)

    def threads(self, reserved: int) -> int:
        """torch threads for one active user: an equal share of the cores left after ``reserved``."""
        return max(1, (self._cores() - reserved) // max(1, self.active()))


SHARE = CpuShare()  # one per process: every engine in it draws on the same cores
