"""Audio as float32 arrays: decode any file's first audio stream at a chosen rate/layout, and mix tracks."""

from __future__ import annotations

import os
from collections.abc import Sequence

import av
import numpy as np

from studio.errors import MediaError
from studio.media._open import open_input

PEAK_LIMIT = 0.98  # mixes louder than this are scaled down as a whole (no clipping, no pumping)


def decode_audio(path: str | os.PathLike[str], sample_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """The first audio stream as float32 (channels, n) at ``sample_rate``; (channels, 0) when there is none.

    Sample 0 is the instant of the first video frame (the clip's time 0), when the file has video: audio that
    starts later (camera files, edits) is preceded by silence, audio that starts earlier loses its head, so
    picture and sound stay in sync however the streams were cut. ``av.AudioResampler`` converts rate and
    sample format; mono is duplicated to stereo and stereo averaged to mono. A damaged tail ends the audio
    where the damage begins.
    """
    if channels not in (1, 2):
        raise ValueError("channels must be 1 or 2")
    with open_input(path) as container:
        if not container.streams.audio:
            return np.zeros((channels, 0), np.float32)
        stream = container.streams.audio[0]
        # Resample to mono or stereo as the source is (swresample downmixes surround), then map channels here:
        # its own mono<->stereo matrices scale by 0.707, which would change the level.
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        blocks: list[np.ndarray] = []
        audio_start: float | None = None
        try:
            for packet in container.demux(stream):
                try:
                    decoded = stream.decode(packet)
                except av.error.InvalidDataError:
                    continue  # one damaged packet: skip it, as players do
                for frame in decoded:
                    if audio_start is None:
                        audio_start = frame.time if frame.time is not None else _start(stream)
                    blocks.extend(f.to_ndarray() for f in resampler.resample(frame))
        except av.error.FFmpegError as exc:
            if not blocks:
                raise MediaError(
                    f"{os.path.basename(path)}: the audio cannot be decoded ({exc.strerror})"
                ) from None
        blocks.extend(f.to_ndarray() for f in resampler.resample(None))
        video_start = _start(container.streams.video[0]) if container.streams.video else None
    if not blocks:
        return np.zeros((channels, 0), np.float32)
    audio = np.concatenate(blocks, axis=1).astype(np.float32, copy=False)
    if video_start is not None and audio_start is not None:
        shift = round((audio_start - video_start) * sample_rate)
        if shift > 0:
            audio = np.concatenate([np.zeros((audio.shape[0], shift), np.float32), audio], axis=1)
        elif shift < 0:
            audio = audio[:, -shift:]
    if audio.shape[0] != channels:
        audio = audio.mean(axis=0, keepdims=True) if channels == 1 else np.repeat(audio, channels, axis=0)
    return np.ascontiguousarray(audio)


def _start(stream: av.stream.Stream) -> float:
    """Seconds at which a stream starts (its first presentation timestamp; 0 when the file does not say)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def mix_audio(tracks: Sequence[np.ndarray], gains: Sequence[np.ndarray | float]) -> np.ndarray:
    """Sum of ``tracks[i] * gains[i]`` (gains per sample, shape (n,), or scalars), peak-normalised to 0.98.

    Tracks are (channels, n) with the same channel count; shorter ones are padded with silence to the longest.
    Normalisation scales the whole mix only when its peak exceeds 0.98, so quiet mixes keep their level.
    """
    if len(tracks) != len(gains):
        raise ValueError(f"{len(tracks)} tracks but {len(gains)} gains")
    if not tracks:
        raise ValueError("mix_audio needs at least one track")
    channels = {t.shape[0] for t in tracks}
    if len(channels) != 1:
        raise ValueError(f"tracks have different channel counts: {sorted(channels)}")
    length = max(t.shape[1] for t in tracks)
    mix = np.zeros((channels.pop(), length), np.float32)
    for track, gain in zip(tracks, gains, strict=True):
        n = track.shape[1]
        gain = np.asarray(gain, dtype=np.float32)
        if gain.ndim and gain.shape != (n,):
            raise ValueError(f"gain of shape {gain.shape} for a track of {n} samples")
        mix[:, :n] += track.astype(np.float32, copy=False) * gain
    peak = float(np.abs(mix).max()) if mix.size else 0.0
    if peak > PEAK_LIMIT:
        mix *= PEAK_LIMIT / peak
    return mix
