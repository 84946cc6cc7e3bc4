"""An LRU of rendered preview frames bounded by bytes, so scrubbing back over frames costs nothing.

Pure Python (no Qt): it lives on the engine thread and only that thread touches it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np

DEFAULT_BUDGET = 256 * 1024 * 1024


def record_nbytes(record: Any) -> int:
    """Bytes held by a rendered frame: its pixels plus its attention maps/shares and correspondence."""
    total = 0
    for name in ("frame", "maps", "shares", "trace"):
        value = getattr(record, name, None)
        if isinstance(value, np.ndarray):
            total += value.nbytes
    return max(total, 1)


class FrameCache:
    """Key (a frame number, or the engine worker's ``(n, quality)``) → rendered record, least recently used
    evicted first once over ``budget`` bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, n: Hashable) -> bool:
        return n in self._items

    def get(self, n: Hashable) -> Any | None:
        item = self._items.get(n)
        if item is None:
            self.misses += 1
            return None
        self._items.move_to_end(n)
        self.hits += 1
        return item[0]

    def put(self, n: Hashable, record: Any) -> None:
        size = record_nbytes(record)
        if size > self.budget:
            return  # one frame bigger than the whole budget: caching it would evict everything for nothing
        if n in self._items:
            self.nbytes -= self._items.pop(n)[1]
        self._items[n] = (record, size)
        self.nbytes += size
        while self.nbytes > self.budget:
            _, (_, old) = self._items.popitem(last=False)
            self.nbytes -= old

    def drop_frames(self, first: int, last: int) -> int:
        """Forget frames ``first``..``last`` (every quality of them); how many records went."""
        gone = [key for key in self._items if first <= (key[0] if isinstance(key, tuple) else key) <= last]
        for key in gone:
            self.nbytes -= self._items.pop(key)[1]
        return len(gone)

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0
