"""Audio that follows the picture: each clip is heard as much as the generator used it.

Every placement's audio is read through the same time map as its frames (``local_to_source``, evaluated per
output sample rather than per frame so there is no seam between frames): backwards on a ping-pong's way
back, silent while a ``hold`` placement is frozen, resampled by linear interpolation when speed != 1. Its
gain is the share its clip actually got in each frame (from the video pass), split between placements of the
same clip by importance; per-frame gains are interpolated per sample and smoothed by two ~20 ms box passes
(a ~40 ms triangular kernel) so a hand-over never clicks. ``mix_audio`` sums and peak-normalises.

Memory: the audio is produced in blocks of a few seconds (two passes: peak, then mix), so, like the video,
it stays flat in the output's length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import CancelToken, MediaError
from studio.media import decode_audio, mix_audio
from studio.project.model import Clip, Placement, Project
from studio.project.timemap import frame_sources, local_to_source

SMOOTH_S = 0.020  # each of the two box passes; together a ~40 ms raised ramp
PEAK_LIMIT = 0.98  # mix_audio's normalisation limit


@dataclass(frozen=True)
class PlacementTimeline:
    """Per output frame and placement: where in the source it reads and how important it is."""

    source_time: np.ndarray  # (F, P) float64 seconds in the clip's file; NaN where the placement is inactive
    importance: np.ndarray  # (F, P) float64 >= 0


def placement_timeline(
    project: Project, frames: int, cancel: CancelToken | None = None, first_frame: int = 0
) -> PlacementTimeline:
    """Evaluate the project's time map for output frames ``first_frame`` .. ``first_frame + frames - 1``
    (pure Python, ~10 us a frame); row i is frame ``first_frame + i``."""
    column = {p.id: i for i, p in enumerate(project.placements)}
    times = np.full((frames, len(column)), np.nan)
    importance = np.zeros((frames, len(column)))
    for i in range(frames):
        if cancel is not None and i % 256 == 0:
            cancel.raise_if_cancelled()
        for s in frame_sources(project, first_frame + i):
            j = column[s.placement_id]
            times[i, j] = s.source_time
            importance[i, j] = s.importance
    return PlacementTimeline(times, importance)


def frame_gains(project: Project, timeline: PlacementTimeline, shares: np.ndarray) -> np.ndarray:
    """(F, P): a placement's gain is its clip's share, split among that clip's active placements by
    importance (two placements of one clip share one column of the attention record)."""
    clip_col = np.array([project.clip_index(p.clip_id) for p in project.placements], np.int64)
    imp = np.where(np.isnan(timeline.source_time), 0.0, timeline.importance)
    per_clip = np.zeros((imp.shape[0], shares.shape[1]))
    np.add.at(per_clip.T, clip_col, imp.T)
    total = per_clip[:, clip_col]
    with np.errstate(invalid="ignore", divide="ignore"):
        part = np.where(total > 0, imp / total, 0.0)
    return shares[:, clip_col].astype(np.float64) * part


def sample_gains(
    gains: np.ndarray, fps: float, sample_rate: int, start: int, stop: int, first: int = 0
) -> np.ndarray:
    """(stop - start,) float32: per-frame gains interpolated between frame centres, then smoothed.

    ``gains[i]`` is output frame ``first + i`` (the preview passes only the frames around a block).
    Computed on a margin around the range and cropped, so consecutive blocks join exactly (no seam).
    """
    width = max(1, round(SMOOTH_S * sample_rate))
    margin = width + 2
    t = np.arange(start - margin, stop + margin, dtype=np.float64) / sample_rate
    centres = (np.arange(len(gains)) + first + 0.5) / fps
    g = np.interp(t, centres, gains)
    for _ in range(2):
        g = _box(g, width)
    return g[margin:-margin].astype(np.float32)


def _box(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average by cumulative sum (O(n) for any width), edges padded with their value."""
    pad = width // 2
    padded = np.concatenate([np.full(pad, x[0]), x, np.full(width - pad, x[-1])])
    c = np.concatenate([[0.0], np.cumsum(padded)])
    return (c[width : width + len(x)] - c[: len(x)]) / width


def _source_times(clip: Clip, placement: Placement, sample_rate: int, start: int, stop: int) -> np.ndarray:
    t = np.arange(start, stop, dtype=np.float64) / sample_rate
    return local_to_source(clip, placement, (t - placement.start) * placement.speed)


def source_track(
    audio: np.ndarray, clip: Clip, placement: Placement, sample_rate: int, start: int, stop: int
) -> tuple[np.ndarray, np.ndarray]:
    """((C, n) float32 audio on output samples [start, stop), (n,) bool frozen): the placement's sound.

    Each output sample is mapped like a frame (``local_to_source``: loop wrap, ping-pong reflection, hold),
    so ping-pong plays backwards on the way back, speed != 1 resamples, and a held picture is marked frozen
    (silent). Source samples are read by linear interpolation between the two nearest ones.
    """
    source_s = _source_times(clip, placement, sample_rate, start, stop + 1)
    frozen = source_s[1:] == source_s[:-1]  # sample j is frozen when j + 1 reads the same source time
    source_s = source_s[:-1]
    length = audio.shape[1]
    pos = np.clip(source_s * sample_rate, 0.0, length - 1.0)
    i0 = pos.astype(np.int64)
    frac = (pos - i0).astype(np.float32)
    i1 = np.minimum(i0 + 1, length - 1)
    return audio[:, i0] * (1.0 - frac) + audio[:, i1] * frac, frozen


@dataclass(frozen=True)
class _Voice:
    """One placement that is heard: its clip's decoded audio and its per-frame gains."""

    placement: Placement
    clip: Clip
    audio: np.ndarray  # (C, n) float32, the whole clip
    gains: np.ndarray  # (F,) float64


def _voice_block(
    voice: _Voice, fps: float, sample_rate: int, start: int, stop: int
) -> tuple[np.ndarray, np.ndarray]:
    """(track (C, n), gain (n,)) of one voice on output samples [start, stop)."""
    return voice_block(voice.audio, voice.clip, voice.placement, voice.gains, fps, sample_rate, start, stop)


def voice_block(
    audio: np.ndarray,
    clip: Clip,
    placement: Placement,
    gains: np.ndarray,
    fps: float,
    sample_rate: int,
    start: int,
    stop: int,
    first: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(track (C, n), gain (n,)) of one placement on output samples [start, stop): its sound read through
    the time map, and its per-frame ``gains`` (``gains[i]`` is frame ``first + i``) per sample, silent
    while the picture is held. The export and the preview (``audio_preview``) both mix these."""
    width = max(1, round(SMOOTH_S * sample_rate))
    margin = width + 2  # the smoothing's reach: computed beyond the block, cropped, so blocks join exactly
    track, frozen = source_track(audio, clip, placement, sample_rate, start - margin, stop + margin)
    gain = sample_gains(gains, fps, sample_rate, start, stop, first)
    # A held frame is a still picture: it makes no sound (the frozen mask is smoothed like any gain change).
    gain *= _box(np.where(frozen, 0.0, 1.0), width)[margin:-margin].astype(np.float32)
    return track[:, margin:-margin], gain


def clip_audio(
    clip: Clip, sample_rate: int, channels: int, on_warning: Callable[[str], None] | None = None
) -> np.ndarray:
    """A clip's sound, (C, n) float32. Audio damaged mid-way is silent over the damage, unreadable audio
    makes the clip silent: either is a warning (``on_warning``) rather than an error, because the audio pass
    runs after all the video work, which a failure here would throw away."""
    try:
        return decode_audio(clip.path, sample_rate=sample_rate, channels=channels, on_damage=on_warning)
    except MediaError as exc:
        if on_warning is not None:
            on_warning(f"{exc}; the clip is silent in this render")
        return np.zeros((channels, 0), np.float32)


def follow_audio_blocks(
    project: Project,
    shares: np.ndarray,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    cancel: CancelToken | None = None,
    timeline: PlacementTimeline | None = None,
    block_s: float = 5.0,
    first_frame: int = 0,
    on_warning: Callable[[str], None] | None = None,
) -> Iterator[np.ndarray]:
    """The output's audio as consecutive (C, n) float32 blocks, for F = len(shares) frames at project fps
    from output frame ``first_frame`` on (a render of an in/out range: the same mix, cut to that span).

    ``shares`` is (F, n_clips) from the video pass. Two passes over the blocks keep memory flat in the
    output's length: the first finds the mix's peak, the second mixes with ``mix_audio`` with every gain
    pre-scaled so that peak lands at ``mix_audio``'s limit (the same result as one ``mix_audio`` over the
    whole output; a span's peak is its own). Clips without audio (or never given a share) are silent; total
    length round((first_frame + F) / fps * rate) - round(first_frame / fps * rate), so consecutive spans
    tile the whole output's samples exactly.
    """
    fps = float(project.settings.fps)
    frames = int(shares.shape[0])
    first_sample = round(first_frame / fps * sample_rate)
    end_sample = round((first_frame + frames) / fps * sample_rate)
    if timeline is None:
        timeline = placement_timeline(project, frames, cancel, first_frame)
    gains = frame_gains(project, timeline, shares)
    # row n = output frame n from here on: the frames before the span hold its first gains (never heard:
    # they only steady the smoothing at the span's first samples, as np.interp would hold them)
    gains = np.concatenate([np.repeat(gains[:1], first_frame, axis=0), gains]) if first_frame else gains
    decoded: dict[Path, np.ndarray] = {}
    voices: list[_Voice] = []
    for p, placement in enumerate(project.placements):
        clip = project.clip(placement.clip_id)
        if not clip.has_audio or not np.any(gains[:, p] > 0):
            continue
        if clip.path not in decoded:
            decoded[clip.path] = clip_audio(clip, sample_rate, channels, on_warning)
        if decoded[clip.path].shape[1]:
            voices.append(_Voice(placement, clip, decoded[clip.path], gains[:, p]))
    step = max(1, round(block_s * sample_rate))
    ranges = [(a, min(a + step, end_sample)) for a in range(first_sample, end_sample, step)]

    def blocks() -> Iterator[list[tuple[np.ndarray, np.ndarray]]]:
        for a, b in ranges:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield [_voice_block(v, fps, sample_rate, a, b) for v in voices]

    peak = 0.0
    for parts in blocks():
        if parts:
            peak = max(peak, float(np.abs(sum(t * g for t, g in parts)).max()))
    scale = PEAK_LIMIT / peak if peak > PEAK_LIMIT else 1.0
    for (a, b), parts in zip(ranges, blocks(), strict=True):
        if not parts:
            yield np.zeros((channels, b - a), np.float32)
            continue
        yield mix_audio([t for t, _ in parts], [g * np.float32(scale) for _, g in parts])


def follow_audio(project: Project, shares: np.ndarray, **kwargs: object) -> np.ndarray:
    """The whole output's audio in one (C, n) float32 array (see :func:`follow_audio_blocks`)."""
    channels = int(kwargs.get("channels", 2))
    parts = list(follow_audio_blocks(project, shares, **kwargs))
    return np.concatenate(parts, axis=1) if parts else np.zeros((channels, 0), np.float32)
