"""A clip's waveform for the timeline: the min and max of its sound per 10 ms, cached on disk.

Decoded once per file version (``decode_audio``, mono at 16 kHz: a picture needs no more) and kept as
``.npy`` under ``cache_dir("waveforms")``, keyed by the file's path, size and modification time, so a
reopened project draws at once and an edited file is summarised again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from studio import paths
from studio.media.audio import decode_audio

BUCKET_S = 0.010  # seconds per min/max pair
RATE = 16000


def cache_file(path: Path) -> Path:
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{BUCKET_S}".encode()
    return paths.cache_dir("waveforms") / f"{hashlib.sha256(key).hexdigest()[:32]}.npy"


def summarise(audio: np.ndarray, sample_rate: int, bucket_s: float = BUCKET_S) -> np.ndarray:
    """(2, buckets) float32: min and max of (C, n) sound (channels together) per ``bucket_s``."""
    step = max(1, round(bucket_s * sample_rate))
    n = audio.shape[1]
    buckets = -(-n // step)
    if buckets == 0:
        return np.zeros((2, 0), np.float32)
    padded = np.zeros((audio.shape[0], buckets * step), np.float32)
    padded[:, :n] = audio
    if n < padded.shape[1]:
        padded[:, n:] = audio[:, -1:]  # the last bucket's min/max are its own samples'
    blocks = padded.reshape(audio.shape[0], buckets, step)
    return np.stack([blocks.min(axis=(0, 2)), blocks.max(axis=(0, 2))]).astype(np.float32)


def waveform(path: str | os.PathLike[str]) -> np.ndarray:
    """(2, buckets) float32 min/max per 10 ms of the file's sound ((2, 0) when it has none); MediaError if
    it cannot be read."""
    path = Path(path)
    cached = cache_file(path)
    if cached.exists():
        try:
            return np.load(cached)
        except (OSError, ValueError):
            pass  # a damaged entry is simply made again
    summary = summarise(decode_audio(path, sample_rate=RATE, channels=1), RATE)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, summary)
    os.replace(tmp, cached)  # whole or not at all: a reader never sees half a file
    return summary
