"""The plan of a chunked render: which output frames each Ray task renders, and how far back it warms up.

The generator's temporal state (the previous output frame, the layout of the final quality) makes frame n
depend on every frame before it, so a chunk that starts at frame s cannot simply reset there. It renders
``warmup`` frames before s first and discards them: by then the state has forgotten where it started. How
fast it forgets depends on the synthesis and the footage (measured on the demo, ``docs/architecture.md``):
the draft's patch attention is within 60-75 dB of the single-machine frames after 8-24 frames at 160x90,
but at 39 dB after 24 frames at one 320x180 border; the final quality's region layout is hysteretic and may
hold another layout for as long as the same clips overlap.

So a border is *checked*, not assumed: chunk i+1's last warm-up frames and its first output frames are
compared (:func:`border_psnr`) with chunk i's last output frames and the few it rendered past its end
(:data:`LOOK_AHEAD`, not written), which are the same output frames rendered with a longer history. Where
they differ by more than :data:`BORDER_DB`, chunk i+1 is rendered again with twice the warm-up
(:meth:`Chunk.widened`), at most back to frame 0, where it is the single-machine render by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

DEFAULT_CHUNK_SECONDS = 10.0
DEFAULT_WARMUP_SECONDS = 1.0
# Border agreement asked of two histories of the same frames: 45 dB is below what the draft reaches after
# its warm-up (60+) and far above a layout that differs (15-25 dB on the demo).
BORDER_DB = 45.0
BORDER_SHARES = 0.01  # and no clip's share may differ by more than this
COMPARED = 2  # frames compared at each border: the last warm-up frames against the previous chunk's last
# ...and past it: a chunk renders this many frames after its end (not written), the next chunk's first
# output frames are the same frames. The draft's stability keeps choices that agreeing pixels do not show:
# with a clip cutting where a warm-up began, the borders agreed at 58 dB and frame start+2 was at 36 dB.
LOOK_AHEAD = 4


@dataclass(frozen=True)
class Chunk:
    """Output frames [start, stop) rendered after ``warmup`` discarded frames before ``start``."""

    index: int
    start: int
    stop: int
    warmup: int = 0

    @property
    def frames(self) -> int:
        return self.stop - self.start

    @property
    def warm_start(self) -> int:
        return self.start - self.warmup

    def widened(self) -> Chunk:
        """The same frames with twice the warm-up (at least one frame more), never before frame 0."""
        return replace(self, warmup=min(self.start, max(2 * self.warmup, self.warmup + 1)))


def plan_chunks(
    total: int,
    fps: float,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    warmup_seconds: float = DEFAULT_WARMUP_SECONDS,
) -> list[Chunk]:
    """Cut ``total`` output frames into chunks of ``chunk_seconds``; a last piece shorter than half a chunk
    joins the one before (a task's start-up and warm-up are not worth a few frames)."""
    if not chunk_seconds > 0 or not math.isfinite(chunk_seconds):
        raise ValueError(f"chunk length must be a positive number of seconds, got {chunk_seconds}")
    if warmup_seconds < 0:
        raise ValueError(f"warm-up must be 0 seconds or more, got {warmup_seconds}")
    size = max(1, round(chunk_seconds * fps))
    warmup = round(warmup_seconds * fps)
    starts = list(range(0, total, size))
    if len(starts) > 1 and total - starts[-1] < size / 2:
        starts.pop()
    stops = [*starts[1:], total]
    return [Chunk(i, a, b, min(a, warmup)) for i, (a, b) in enumerate(zip(starts, stops, strict=True))]


def thumbnail(frame: np.ndarray, width: int = 320) -> np.ndarray:
    """A frame at most ``width`` wide (area average), what a border check compares: a different layout
    shows at this size, and a 4K frame does not cross the cluster twice per chunk."""
    import cv2

    h, w = frame.shape[:2]
    if w <= width:
        return frame.copy()
    return cv2.resize(frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


@dataclass(frozen=True)
class Tail:
    """The last synthesized frames of a run (thumbnails) and their shares in project-clip columns."""

    thumbs: tuple[np.ndarray, ...] = ()
    shares: tuple[np.ndarray, ...] = ()


def across(tail: Tail, ahead: Tail, warmed: Tail, head: Tail) -> tuple[Tail, Tail]:
    """The two histories of the frames around a border, aligned: the previous chunk's last frames and the
    ones it rendered past its end (``ahead``), against the next chunk's last warm-up frames and its first
    output frames (``head``), as far as both go past the border."""
    n = min(len(ahead.thumbs), len(head.thumbs))
    return (
        Tail(tail.thumbs + ahead.thumbs[:n], tail.shares + ahead.shares[:n]),
        Tail(warmed.thumbs + head.thumbs[:n], warmed.shares + head.shares[:n]),
    )


def border_psnr(before: Tail, warmed: Tail) -> tuple[float, float]:
    """(worst PSNR in dB, largest share difference) between the previous chunk's last frames and the next
    chunk's last warm-up frames (the same output frames, aligned at their ends: ``across`` adds those past
    the border to both); (inf, 0) when there is nothing to compare."""
    n = min(len(before.thumbs), len(warmed.thumbs))
    if n == 0:
        return math.inf, 0.0
    worst = min(psnr(a, b) for a, b in zip(before.thumbs[-n:], warmed.thumbs[-n:], strict=True))
    pairs = zip(before.shares[-n:], warmed.shares[-n:], strict=True)
    shares = max(float(np.abs(a - b).max()) if a.shape == b.shape else 1.0 for a, b in pairs)
    return worst, shares


def border_agrees(chunk: Chunk, before: Tail, warmed: Tail) -> bool:
    """Whether ``chunk`` (warmed up as ``warmed`` says) continues the previous chunk (``before``: its last
    synthesized frames) as one render would. A warm-up from frame 0 is that render; otherwise both sides
    need :data:`COMPARED` synthesized frames (a warm-up over black frames warmed nothing) that agree."""
    if chunk.warm_start == 0:
        return True
    if len(before.thumbs) < COMPARED or len(warmed.thumbs) < COMPARED:
        return False
    worst, shares = border_psnr(before, warmed)
    return worst >= BORDER_DB and shares <= BORDER_SHARES
