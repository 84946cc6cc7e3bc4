"""Clips at their own size for the native-resolution models, split into training and held-out frames by shot.

Each clip is decoded at its displayed size (at most ``generate.MAX_SIZE``, the size generated clips get) and
cut into shots by :mod:`studio.media.cuts`. Held out: the last shot when a clip has several (a whole shot
the model never saw), else the tail (``holdout`` of the frames, at least ``min_holdout``). A triplet (two
frames and one between them) always lies inside one shot and one side of the split: nothing is learned or
scored across a cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from studio.errors import StudioError
from studio.media.cuts import detect_cuts, shots
from studio.models.data import ClipSource, decode_clip
from studio.models.fullsize import output_size

MAX_FRAMES = 600  # per clip (640x360: 400 MB): training draws from the first 25 s of each clip at 24 fps


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) of clip ``clip``: inside one shot, on one side of the split."""

    clip: int
    start: int
    stop: int
    held_out: bool


@dataclass(frozen=True)
class Triplet:
    clip: int
    first: int  # frame a
    gap: int  # frame b = first + gap
    offset: int  # the target frame = first + offset, 0 < offset < gap; t = offset / gap

    @property
    def t(self) -> float:
        return self.offset / self.gap


class NativeData:
    def __init__(
        self, clips: Sequence[np.ndarray], cuts: Sequence[Sequence[int]], holdout: float = 0.15,
        min_holdout: int = 12,
    ) -> None:  # fmt: skip
        if not clips:
            raise StudioError("no clips to learn from")
        self.clips = [np.asarray(c) for c in clips]
        self.cuts = [list(c) for c in cuts]
        self.segments: list[Segment] = []
        for i, (frames, clip_cuts) in enumerate(zip(self.clips, self.cuts, strict=True)):
            parts = shots(clip_cuts, len(frames))
            if len(parts) >= 2:
                *train, last = parts
                self.segments += [Segment(i, a, b, False) for a, b in train]
                self.segments.append(Segment(i, *last, True))
                continue
            n = len(frames)
            tail = max(math.ceil(holdout * n), min_holdout)
            split = n - tail if n - tail >= min_holdout else n
            self.segments.append(Segment(i, 0, split, False))
            if split < n:
                self.segments.append(Segment(i, split, n, True))

    @classmethod
    def load(cls, sources: Sequence[ClipSource], max_frames: int = MAX_FRAMES, **kwargs) -> NativeData:
        clips = [decode_clip(s, native_size(s), max_frames) for s in sources]
        return cls(clips, [detect_cuts(c) for c in clips], **kwargs)

    def triplets(self, held_out: bool, gaps: Sequence[int] = (2,), limit: int | None = None) -> list[Triplet]:
        """Every triplet (each gap, each frame between) of the chosen side; ``limit``: evenly spread."""
        out = [
            Triplet(s.clip, first, gap, offset)
            for s in self.segments
            if s.held_out == held_out
            for gap in gaps
            for first in range(s.start, s.stop - gap)
            for offset in range(1, gap)
        ]
        if limit is not None and len(out) > limit:
            out = [out[i] for i in np.linspace(0, len(out) - 1, limit).round().astype(int)]
        return out

    def frames(self, tr: Triplet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, b, target) uint8 frames of a triplet."""
        clip = self.clips[tr.clip]
        return clip[tr.first], clip[tr.first + tr.gap], clip[tr.first + tr.offset]


def native_size(src: ClipSource) -> tuple[int, int]:
    """The size a clip is learned and scored at: its displayed size, within generate.MAX_SIZE."""
    if src.width and src.height:
        return output_size(src.width, src.height)
    from studio.media import probe

    info = probe(src.path)
    return output_size(int(info.width), int(info.height))
