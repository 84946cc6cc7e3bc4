"""The attention record: which clip the generator listened to, when (shares) and where (maps), on disk.

Folder format (``format: "attention-record"``, ``version``: 2 with the correspondence, else 1)::

    <record>/
      meta.json    {"format": "attention-record", "version": 1 | 2, "clips": [names], "paths": [str],
                    "fps": float, "stride": int, "map_shape": [h, w], "frames": F,
                    "frames_written": int, "complete": bool, "settings": {...},
                    "pins": [{"clip": column, "frames": [first, stop], "min": share | null,
                              "max": share | null, "clip_id", "placement", "start_s", "end_s", "ramp_s"}]}
      shares.npy   (F, C) float32   share of clip c in output frame n; rows sum to 1 (all 0 when no clip
                                    was active); NaN = frame not written yet
      maps.npy     (F, C, h, w) float16  where in frame n clip c was used, at patch resolution
                                    (h = ceil(H / stride)); sums to 1 over clips at every patch
      trace.npy    (F, TOP, h, w) TRACE_DTYPE  version 2, renders only: where each patch's pixels came from,
                                    the top contributions (clip, source frame, x, y, weight), see
                                    ``studio.project.trace``; meta.json then has ``correspondence``

Version 1 records (no ``trace.npy``) still open: they answer "no correspondence in this record".

Columns are the project's clips (``clips``/``paths``), not the frame's active sources: ``append`` scatters the
K active sources into their columns (two placements of one clip add up) and leaves inactive clips at 0.
The arrays are ``.npy`` files written through ``numpy.lib.format.open_memmap``, so any length costs the same
RAM, and they open with ``numpy.load(path, mmap_mode="r")``. ``meta.json`` is rewritten atomically (temp +
``os.replace``) on every ``flush()``; ``complete`` turns true on ``close()``. A reader may open the folder
while the writer is still going: NaN rows in ``shares`` and ``frames_written`` tell what exists so far. An
aborted write (``abort()``, or an exception inside ``with``) removes the whole folder: never a partial record.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from studio.errors import EngineError, StudioError
from studio.project.safe_json import read_json
from studio.project.trace import TOP, TRACE_DTYPE, Contribution, TraceContext, contributions_at

FORMAT, VERSION = "attention-record", 2
FLUSH_EVERY = 32  # frames between automatic flushes: a reader of a record being written lags at most this


@dataclass(frozen=True)
class RecordPin:
    """A pin the render met, as a viewer draws it over the shares: clip ``clip`` (a column) held within
    [min_share, max_share] (None: no such side) on output frames [first, stop), fading in and out over
    ``ramp_s`` seconds on either side."""

    clip: int
    first: int
    stop: int
    min_share: float | None
    max_share: float | None
    placement: str = ""
    ramp_s: float = 0.0

    @classmethod
    def from_meta(cls, data: dict[str, Any]) -> RecordPin:
        first, stop = data["frames"]
        low, high = data.get("min"), data.get("max")
        return cls(
            clip=int(data["clip"]),
            first=int(first),
            stop=int(stop),
            min_share=None if low is None else float(low),
            max_share=None if high is None else float(high),
            placement=str(data.get("placement", "")),
            ramp_s=float(data.get("ramp_s", 0.0)),
        )


class AttentionRecordWriter:
    """Writes a record folder frame by frame (in any order)."""

    def __init__(
        self,
        directory: str | Path,
        clip_names: Sequence[str],
        clip_paths: Sequence[str | Path],
        fps: float,
        stride: int,
        map_shape: tuple[int, int],
        settings: dict[str, Any],
        frames: int,
        correspondence: TraceContext | None = None,  # a render's: the record then carries trace.npy
        pins: Sequence[dict[str, Any]] = (),  # studio.project.pins.record_pins: the shares' bounds
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.clips = len(clip_names)
        self.map_shape = (int(map_shape[0]), int(map_shape[1]))
        self.meta: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION if correspondence is not None else 1,  # what an older reader can open
            "clips": [str(name) for name in clip_names],
            "paths": [str(path) for path in clip_paths],
            "fps": float(fps),
            "stride": int(stride),
            "map_shape": list(self.map_shape),
            "frames": int(frames),
            "frames_written": 0,
            "complete": False,
            "settings": settings,
            "pins": [dict(p) for p in pins],
        }
        if correspondence is not None:
            self.meta["correspondence"] = correspondence.to_meta()
        self._written = np.zeros(frames, dtype=bool)
        self._unflushed = 0
        self._shares = open_memmap(self.directory / "shares.npy", "w+", np.float32, (frames, self.clips))
        self._shares[:] = np.nan
        self._maps = open_memmap(
            self.directory / "maps.npy", "w+", np.float16, (frames, self.clips, *self.map_shape)
        )
        # zeros on disk (sparse, nothing written up front): weight 0 is "no contribution"
        self._trace = None
        if correspondence is not None:
            shape = (frames, TOP, *self.map_shape)
            self._trace = open_memmap(self.directory / "trace.npy", "w+", TRACE_DTYPE, shape)
        self.flush()

    def __enter__(self) -> AttentionRecordWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def frames_written(self) -> int:
        return int(self.meta["frames_written"])

    def append(
        self,
        n: int,
        clip_indices: Sequence[int],
        shares: np.ndarray,
        maps: np.ndarray,
        trace: np.ndarray | None = None,
    ) -> None:
        """Frame n: K active sources' shares (K,) and maps (K, h, w) into columns ``clip_indices``;
        ``trace`` (TOP, h, w) TRACE_DTYPE, already in clip columns, if the record carries correspondence."""
        if not 0 <= n < len(self._written):
            raise IndexError(f"frame {n} outside the record's {len(self._written)} frames")
        index = np.asarray(clip_indices, dtype=np.int64).reshape(-1)
        row = np.zeros(self.clips, np.float32)
        np.add.at(row, index, np.asarray(shares, np.float32).reshape(-1))
        spatial = np.zeros((self.clips, *self.map_shape), np.float32)
        np.add.at(spatial, index, np.asarray(maps, np.float32))
        self._maps[n] = spatial  # maps first: a reader that sees the share row finds its maps too
        if self._trace is not None and trace is not None:
            self._trace[n] = trace
        self._shares[n] = row
        if not self._written[n]:
            self._written[n] = True
            self.meta["frames_written"] += 1
        self._unflushed += 1
        if self._unflushed >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Make everything appended so far visible to readers (memmaps to disk, then meta.json)."""
        self._shares.flush()
        self._maps.flush()
        if self._trace is not None:
            self._trace.flush()
        _write_json(self.directory / "meta.json", self.meta)
        self._unflushed = 0

    def close(self) -> Path:
        """Finish: mark complete. Returns the folder."""
        self.meta["complete"] = True
        self.flush()
        self._release()
        return self.directory

    def abort(self) -> None:
        """Throw the record away (cancel, error): no partial folder stays behind."""
        self._release()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _release(self) -> None:
        for name in ("_shares", "_maps", "_trace"):
            array = getattr(self, name, None)
            mm = getattr(array, "_mmap", None)
            if mm is not None:
                mm.close()
            setattr(self, name, None)


class AttentionRecordReader:
    """Reads a record folder, finished or still being written (call ``refresh()`` for the latest count)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        try:
            self.meta: dict[str, Any] = read_json(self.directory / "meta.json", what="record meta.json")
            self._shares = np.load(self.directory / "shares.npy", mmap_mode="r")
            self._maps = np.load(self.directory / "maps.npy", mmap_mode="r")
        except (OSError, ValueError, StudioError) as exc:
            raise EngineError(f"Not a readable attention record: {self.directory}: {exc}") from None
        if (
            not isinstance(self.meta, dict)
            or self.meta.get("format") != FORMAT
            or int(self.meta.get("version", 0)) > VERSION
        ):
            raise EngineError(f"Not an attention record (or a newer version): {self.directory}")
        self.clip_names: list[str] = list(self.meta["clips"])
        self.clip_paths: list[str] = list(self.meta["paths"])
        self.fps = float(self.meta["fps"])
        self.stride = int(self.meta["stride"])
        self.map_shape = tuple(self.meta["map_shape"])
        self.frames = int(self.meta["frames"])
        self.settings: dict[str, Any] = dict(self.meta.get("settings", {}))
        self.pins: list[RecordPin] = [RecordPin.from_meta(p) for p in self.meta.get("pins", [])]
        self._trace = None
        self.context: TraceContext | None = None
        if "correspondence" in self.meta:
            try:
                self._trace = np.load(self.directory / "trace.npy", mmap_mode="r")
                self.context = TraceContext.from_meta(self.meta)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise EngineError(f"Not a readable attention record: {self.directory}: {exc}") from None

    @property
    def has_correspondence(self) -> bool:
        """Whether the record says where every pixel came from (version 2 renders)."""
        return self._trace is not None

    def refresh(self) -> None:
        """Re-read meta.json (the writer rewrites it on every flush)."""
        # caught mid-replace on a platform without atomic rename: keep the last good one
        with contextlib.suppress(StudioError):
            meta = read_json(self.directory / "meta.json", what="record meta.json")
            self.meta = meta if isinstance(meta, dict) else self.meta

    @property
    def frames_written(self) -> int:
        self.refresh()
        return int(self.meta["frames_written"])

    @property
    def complete(self) -> bool:
        self.refresh()
        return bool(self.meta.get("complete", False))

    def shares(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(stop - start, C) float32 copy; NaN rows are frames not written (yet)."""
        return np.array(self._shares[start:stop])

    def maps(self, n: int) -> np.ndarray | None:
        """(C, h, w) float16 copy of frame n's maps, or None if frame n is not written (yet)."""
        if self._shares.shape[1] == 0 or np.isnan(self._shares[n, 0]):
            return None
        return np.array(self._maps[n])

    def written(self, n: int) -> bool:
        return 0 <= n < self.frames and self._shares.shape[1] > 0 and not np.isnan(self._shares[n, 0])

    def trace(self, n: int) -> np.ndarray | None:
        """(TOP, h, w) TRACE_DTYPE copy of frame n's correspondence; None if frame n is not written (yet)."""
        if self._trace is None:
            raise EngineError(f"no correspondence in this record: {self.directory}")
        return np.array(self._trace[n]) if self.written(n) else None

    def sources_at(self, n: int, x: int, y: int) -> list[Contribution]:
        """The top contributions to output pixel (x, y) of frame n, heaviest first (one-line errors)."""
        if not 0 <= n < self.frames:
            raise EngineError(f"frame {n} is outside the record's {self.frames} frames (0-{self.frames - 1})")
        trace = self.trace(n)
        if trace is None:
            raise EngineError(f"frame {n} is not written in this record (yet)")
        assert self.context is not None
        return contributions_at(trace, self.context, x, y)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)
