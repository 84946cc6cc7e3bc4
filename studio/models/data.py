"""Training data from the project's clips: decoded once into a uint8 cache, then random windows and crops.

This is the models' only door to ``studio.media``/``studio.project`` (a late contract change there is a
one-file fix here). Each clip is decoded at the training size with ``fit="fill"`` (centre crop, no letterbox
bars for the models to learn) into ``(T, H, W, 3)`` uint8, cached as ``.npy`` (never pickled) under the
cache folder, keyed by the file's path, size, mtime and the decode settings.

Held-out split (deterministic, never seen by training): the last ``holdout`` fraction of each clip's frames
(at least ``min_holdout`` frames, so a full evaluation window fits). Training windows lie entirely before it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from studio import paths
from studio.errors import StudioError

# One training window as :meth:`FrameData.sample_plan` draws it: clip, first frame, crop y, crop x, flipped
Window = tuple[int, int, int, int, bool]
MAX_FRAMES_DEFAULT = 2000  # per clip: bounds the cache (2000 × 64 × 64 × 3 B = 25 MB) on long clips


@dataclass(frozen=True)
class ClipSource:
    """One clip to learn from: where it is and which part of it to use."""

    id: str
    name: str
    path: Path
    in_s: float = 0.0
    out_s: float | None = None
    width: int = 0  # the clip's displayed size (0: unknown)
    height: int = 0


def sources_from_project(project_path: str | os.PathLike[str], clip_ids: Sequence[str] | None = None):
    """The project's online clips (optionally only ``clip_ids``, by id or name) as :class:`ClipSource`."""
    from studio.project import load_project  # imported late: the project package may import us in return

    project = load_project(Path(project_path))
    return sources_from_clips(project.clips, clip_ids)


def sources_from_clips(clips: Sequence[object], clip_ids: Sequence[str] | None = None) -> list[ClipSource]:
    """Project ``Clip`` objects (duck-typed: id, name, path, in_s, out_s, offline_reason) → sources.

    Generated clips (they carry provenance) are left out unless named in ``clip_ids``: a model must not
    learn from, or be scored against, what a model made."""
    wanted = set(clip_ids or [])
    out = []
    for clip in clips:
        if wanted and clip.id not in wanted and clip.name not in wanted:
            continue
        if getattr(clip, "offline_reason", None):
            continue
        if not wanted and getattr(clip, "provenance", None):
            continue
        out.append(
            ClipSource(
                id=str(clip.id),
                name=str(clip.name),
                path=Path(clip.path),
                in_s=float(getattr(clip, "in_s", 0.0) or 0.0),
                out_s=getattr(clip, "out_s", None),
                width=int(getattr(clip, "width", 0) or 0),
                height=int(getattr(clip, "height", 0) or 0),
            )
        )
    if wanted and len(out) < len(wanted):
        found = {s.id for s in out} | {s.name for s in out}
        online = ", ".join(c.id for c in clips if not getattr(c, "offline_reason", None)) or "none"
        missing = sorted(wanted - found)[0]
        raise StudioError(f"no online clip named {missing!r} in the project (online clip ids: {online})")
    if not out:
        raise StudioError("the project has no online clips to learn from (generated clips are left out)")
    return out


def _cache_key(src: ClipSource, size: tuple[int, int], max_frames: int, tail: bool) -> str:
    st = src.path.stat()
    raw = [str(src.path.resolve()), st.st_size, st.st_mtime_ns, size, src.in_s, src.out_s, max_frames]
    raw = json.dumps(raw + ["tail"] if tail else raw)  # head-only keys stay as they were
    return hashlib.sha1(raw.encode()).hexdigest()


def _decode(src: ClipSource, size: tuple[int, int], max_frames: int, tail: bool = False) -> np.ndarray:
    """Decode via studio.media's ClipReader (the contract: fit="fill", RGB uint8 frames)."""
    from studio.media import ClipReader

    with ClipReader(src.path, size=size, fit="fill") as reader:
        start = max(0, round(src.in_s * reader.fps))
        stop = (
            reader.frame_count
            if src.out_s is None
            else min(reader.frame_count, round(src.out_s * reader.fps))
        )
        if tail:  # the last max_frames frames before the out point (extending needs only those)
            start = max(start, stop - max_frames)
        stop = min(stop, start + max_frames)
        frames = list(reader.iter_frames(start, stop))
    if not frames:
        raise StudioError(f"{src.name}: no frames to learn from between {src.in_s:g} s and the out point")
    return np.stack(frames)


def decode_clip(
    src: ClipSource, size: tuple[int, int], max_frames: int = MAX_FRAMES_DEFAULT, tail: bool = False
) -> np.ndarray:
    """(T, H, W, 3) uint8 frames of ``src`` at ``size`` = (w, h), from the cache when it is there: the first
    ``max_frames`` from the in point, or with ``tail`` the last ones before the out point."""
    if not src.path.exists():
        raise StudioError(f"{src.name}: media file not found: {src.path}")
    folder = paths.cache_dir("models", "frames")
    cached = folder / f"{_cache_key(src, size, max_frames, tail)}.npy"
    if cached.exists():
        try:
            return np.load(cached, allow_pickle=False)
        except (OSError, ValueError):
            cached.unlink(missing_ok=True)  # a damaged cache entry is just decoded again
    frames = _decode(src, size, max_frames, tail)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy.part")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, frames, allow_pickle=False)
        os.replace(tmp, cached)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return frames


def to_tensor(frames: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 (..., H, W, 3) → float (..., 3, H, W) in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(frames)).to(device)
    return t.movedim(-1, -3).float().div_(255.0)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (..., 3, H, W) in [0, 1] → uint8 (..., H, W, 3)."""
    return x.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8).movedim(-3, -1).cpu().numpy()


class FrameData:
    """Decoded clips with a fixed train / held-out split; samples training windows, lists held-out ones."""

    def __init__(self, clips: Sequence[np.ndarray], holdout: float = 0.15, min_holdout: int = 12) -> None:
        if not clips:
            raise StudioError("no clips to learn from")
        self.clips = [np.asarray(c) for c in clips]
        self.height, self.width = self.clips[0].shape[1:3]
        # Per clip: frames [0, split) train, [split, T) held out. Too short to split → all training.
        self.splits = []
        for c in self.clips:
            n = len(c)
            h = max(math.ceil(holdout * n), min_holdout)
            self.splits.append(n - h if n - h >= min_holdout else n)

    @classmethod
    def load(
        cls,
        sources: Sequence[ClipSource],
        size: tuple[int, int],
        *,
        holdout: float = 0.15,
        min_holdout: int = 12,
        max_frames: int = MAX_FRAMES_DEFAULT,
    ) -> FrameData:
        if size[0] % 8 or size[1] % 8:
            raise StudioError(f"training size must be a multiple of 8, got {size[0]}x{size[1]}")
        return cls([decode_clip(s, size, max_frames) for s in sources], holdout, min_holdout)

    def _train_starts(self, window: int) -> list[tuple[int, int]]:
        return [(i, s) for i, split in enumerate(self.splits) for s in range(split - window + 1)]

    def sample(
        self, batch: int, window: int, rng: np.random.Generator, crop: tuple[int, int] | None = None
    ) -> np.ndarray:
        """(B, T, h, w, 3) uint8 random training windows, random crop (if smaller), random horizontal flip."""
        return self.take(self.sample_plan(batch, window, rng, crop), window, crop)

    def sample_plan(
        self, batch: int, window: int, rng: np.random.Generator, crop: tuple[int, int] | None = None
    ) -> list[Window]:
        """Which windows :meth:`sample` takes, without their pixels: (clip, start, y, x, flipped) each. A
        data-parallel run draws the whole global batch so and each process takes only its share
        (``studio.models.distributed``)."""
        starts = self._train_starts(window)
        if not starts:
            raise StudioError(f"no clip has {window} training frames; use longer clips or a shorter window")
        cw, ch = crop or (self.width, self.height)
        plan = []
        for _ in range(batch):
            i, s = starts[rng.integers(len(starts))]
            y = int(rng.integers(self.height - ch + 1))
            x = int(rng.integers(self.width - cw + 1))
            plan.append((i, s, y, x, bool(rng.random() < 0.5)))
        return plan

    def take(self, plan: Sequence[Window], window: int, crop: tuple[int, int] | None = None) -> np.ndarray:
        """(len(plan), T, h, w, 3) uint8: the windows of a :meth:`sample_plan`."""
        cw, ch = crop or (self.width, self.height)
        out = np.empty((len(plan), window, ch, cw, 3), np.uint8)
        for b, (i, s, y, x, flipped) in enumerate(plan):
            clip = self.clips[i][s : s + window, y : y + ch, x : x + cw]
            out[b] = clip[:, :, ::-1] if flipped else clip
        return out

    def held_out(self, window: int, max_windows: int | None = None) -> np.ndarray:
        """(N, T, H, W, 3) uint8: non-overlapping windows from each clip's held-out tail, always the same
        ones."""
        wins = []
        for clip, split in zip(self.clips, self.splits, strict=True):
            for s in range(split, len(clip) - window + 1, window):
                wins.append(clip[s : s + window])
        if not wins:
            raise StudioError(f"no clip has {window} held-out frames; use longer clips")
        if max_windows is not None and len(wins) > max_windows:
            pick = np.linspace(0, len(wins) - 1, max_windows).round().astype(int)
            wins = [wins[i] for i in pick]
        return np.stack(wins)

    def train_windows(self, window: int, max_windows: int | None = None) -> np.ndarray:
        """(N, T, H, W, 3) uint8 evenly spread training windows (for overfit checks on the training
        frames)."""
        starts = self._train_starts(window)[::window]
        if max_windows is not None and len(starts) > max_windows:
            starts = [starts[i] for i in np.linspace(0, len(starts) - 1, max_windows).round().astype(int)]
        return np.stack([self.clips[i][s : s + window] for i, s in starts])
