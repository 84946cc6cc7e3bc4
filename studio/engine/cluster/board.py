"""The job's progress board: a Ray actor its tasks report to and the driver reads.

Stdlib only, so the actor's process starts in a moment (it imports this module, not the engine): the
driver's first progress record must not wait for a worker to load torch.
"""

from __future__ import annotations


class ProgressBoard:
    """Each chunk's frames done and the process rendering it (made a Ray actor by the driver). A retried
    chunk starts again from 0, so the board holds each chunk's latest count, not a sum of reports."""

    def __init__(self) -> None:
        self._done: dict[int, int] = {}
        self._workers: dict[int, int] = {}

    def report(self, chunk: int, done: int, worker: int) -> None:
        self._done[chunk] = done
        self._workers[chunk] = worker

    def restart(self, chunk: int) -> None:
        """A chunk sent again (a wider warm-up): its frames count from 0 once more."""
        self._done[chunk] = 0

    def snapshot(self) -> tuple[dict[int, int], dict[int, int]]:
        """(frames done per chunk, process id rendering each chunk)."""
        return dict(self._done), dict(self._workers)
