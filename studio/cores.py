"""How many CPU cores this process may use (its affinity mask, not the machine's count: containers and
``taskset`` give a process fewer), for sizing thread pools."""

from __future__ import annotations

import os


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
