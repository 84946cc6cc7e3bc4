"""Audio as float32 arrays: decode any file's first audio stream at a chosen rate/layout, and mix tracks."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import av
import numpy as np

from studio.errors import MediaError
from studio.media._open import open_input
from studio.media.damage import DamageLog

PEAK_LIMIT = 0.98  # mixes louder than this are scaled down as a whole (no clipping, no pumping)


def decode_audio(
    path: str | os.PathLike[str],
    sample_rate: int = 48000,
    channels: int = 2,
    *,
    on_damage: Callable[[str], None] | None = None,
) -> np.ndarray:
    """The first audio stream as float32 (channels, n) at ``sample_rate``; (channels, 0) when there is none.

    Sample 0 is the instant of the first video frame (the clip's time 0), when the file has video: audio that
    starts later (camera files, edits) is preceded by silence, audio that starts earlier loses its head, so
    picture and sound stay in sync however the streams were cut. ``av.AudioResampler`` converts rate and
    sample format; mono is duplicated to stereo and stereo averaged to mono.

    Damage in the middle (packets the decoder refuses, a layout that changes mid-stream) costs only its span:
    that span is silent and what follows keeps its place by its timestamps; ``on_damage`` receives one line
    naming the damaged spans' timecodes. A damaged tail ends the audio where the damage
    begins; a stream of which nothing decodes is a MediaError.
    """
    if channels not in (1, 2):
        raise ValueError("channels must be 1 or 2")
    name = os.path.basename(path)
    with open_input(path) as container:
        if not container.streams.audio:
            return np.zeros((channels, 0), np.float32)
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # a damaged header names no codec FFmpeg knows
            raise MediaError(f"{name}: the audio codec is unknown or its header is damaged")
        has_video = bool(container.streams.video)
        origin = _start(container.streams.video[0]) if has_video else _start(stream)
        # Resample to mono or stereo as the source is (swresample downmixes surround), then map channels here:
        # its own mono<->stereo matrices scale by 0.707, which would change the level.
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        track = _Track(layout, sample_rate, _start(stream), _duration(container, stream))
        damage = DamageLog(name, "audio", "silent there")  # one line for all spans, at the end
        reason = ""
        try:
            for packet in container.demux(stream):
                try:
                    decoded = stream.decode(packet)
                except av.error.FFmpegError as exc:  # one damaged packet: skip it, as players do
                    reason = exc.strerror or type(exc).__name__
                    damage.damaged(_packet_time(packet, stream, track) - origin, reason)
                    continue
                if decoded:
                    damage.healthy()
                for frame in decoded:
                    track.add(frame)
        except av.error.FFmpegError as exc:  # a damaged tail: what was read so far is what the file holds
            reason = exc.strerror or type(exc).__name__
            if track.length:
                damage.damaged(track.end_s - origin, f"unreadable from there on: {reason}")
        track.finish()
    message = damage.summary()
    if message is not None and on_damage is not None and track.length:
        on_damage(message)
    if not track.length:
        if reason:
            raise MediaError(f"{name}: the audio cannot be decoded ({reason})")
        return np.zeros((channels, 0), np.float32)
    audio = np.concatenate(track.blocks, axis=1).astype(np.float32, copy=False)
    if has_video and track.start is not None:
        shift = round((track.start - origin) * sample_rate)
        if shift > 0:
            audio = np.concatenate([np.zeros((audio.shape[0], shift), np.float32), audio], axis=1)
        elif shift < 0:
            audio = audio[:, -shift:]
    if audio.shape[0] != channels:
        audio = audio.mean(axis=0, keepdims=True) if channels == 1 else np.repeat(audio, channels, axis=0)
    return np.ascontiguousarray(audio)


class _Track:
    """Decoded frames converted to one format and laid on one sample grid by their timestamps, so a span the
    decoder skipped becomes silence instead of pulling everything after it earlier (out of sync)."""

    def __init__(self, layout: str, rate: int, stream_start: float, duration_s: float | None) -> None:
        self.layout, self.rate = layout, rate
        self.channels = 1 if layout == "mono" else 2
        self.stream_start = stream_start
        # A damaged timestamp far in the future must not allocate hours of silence: gaps stay inside this.
        self.max_length = round(((duration_s or 60.0) + 1.0) * rate)
        self.blocks: list[np.ndarray] = []
        self.length = 0  # samples laid so far
        self.start: float | None = None  # seconds (stream time) of sample 0
        self._resampler: av.AudioResampler | None = None
        self._source: tuple[str, str, int] | None = None  # the frame format the resampler was made for

    @property
    def end_s(self) -> float:
        return (self.start if self.start is not None else self.stream_start) + self.length / self.rate

    def add(self, frame: av.AudioFrame) -> None:
        source = (frame.format.name, frame.layout.name, frame.sample_rate)
        if source != self._source:  # damage can change the layout or rate mid-stream: a resampler for each
            self.finish()
            self._resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=self.rate)
            self._source = source
        if self.start is None:
            self.start = frame.time if frame.time is not None else self.stream_start
        elif frame.time is not None:
            gap = round((frame.time - self.start) * self.rate) - self.length
            if gap > self.rate // 100 and self.length + gap <= self.max_length:  # > 10 ms went missing
                self._append(np.zeros((self.channels, gap), np.float32))
        assert self._resampler is not None
        for out in self._resampler.resample(frame):
            self._append(out.to_ndarray())

    def finish(self) -> None:
        """Flush the current resampler's tail (at the end, and before a format change)."""
        if self._resampler is not None:
            for out in self._resampler.resample(None):
                self._append(out.to_ndarray())
            self._resampler = None

    def _append(self, block: np.ndarray) -> None:
        self.blocks.append(block)
        self.length += block.shape[1]


def _packet_time(packet: av.Packet, stream: av.stream.Stream, track: _Track) -> float:
    """Seconds (stream time) of a packet; where the audio has reached when the packet does not say."""
    stamp = packet.pts if packet.pts is not None else packet.dts
    if stamp is None or stream.time_base is None:
        return track.end_s
    return float(stamp * stream.time_base)


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return container.duration / av.time_base if container.duration else None


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
