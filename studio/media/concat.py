"""Join H.264 segments into one MP4 without re-encoding, and mux in an audio track encoded once.

The segments are the chunks of one render (``studio.engine.cluster``): the same encoder settings, each its
own encode, so each starts on an IDR frame whose GOP references nothing before it (a closed GOP). Their
packets are copied as they are (``add_stream_from_template``: the first segment's codec parameters); each
segment's timestamps are moved by the frames before it, so the joined file has exactly the sum of the frames,
one every 1/fps from 0, as a single encode would; the decode times share one delay (a short segment's
encoder reorders fewer frames), so they rise across every join. Segments whose codec parameters differ
(another encoder version on one node, other settings) cannot be joined so: refused in one line rather than
written broken.

Audio, when given, is float blocks encoded to AAC here as :class:`~studio.media.writer.VideoWriter` encodes
it (1024-sample frames numbered from 0), interleaved with the video by time so neither is buffered whole.

Written to a hidden temp name beside the target and renamed when complete; any failure removes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.errors import MediaError
from studio.media._output import PartFile
from studio.media.timestamps import snap_rate
from studio.media.writer import AAC_FRAME


class _AudioTrack:
    """Float (channels, n) blocks -> AAC packets, 1024 samples at a time (the writer's framing)."""

    def __init__(self, out: av.container.OutputContainer, rate: int, channels: int) -> None:
        self.layout = "stereo" if channels == 2 else "mono"
        self.stream = out.add_stream("aac", rate=int(rate), layout=self.layout)
        self.stream.codec_context.time_base = Fraction(1, int(rate))
        self.rate = int(rate)
        self.pts = 0
        self._pending = np.zeros((channels, 0), np.float32)

    @property
    def seconds(self) -> float:
        return self.pts / self.rate

    def encode(self, samples: np.ndarray) -> list[av.Packet]:
        self._pending = np.concatenate([self._pending, np.asarray(samples, np.float32)], axis=1)
        usable = self._pending.shape[1] // AAC_FRAME * AAC_FRAME
        packets = [
            p for s in range(0, usable, AAC_FRAME) for p in self._frame(self._pending[:, s : s + AAC_FRAME])
        ]
        self._pending = self._pending[:, usable:]
        return packets

    def flush(self) -> list[av.Packet]:
        packets = self._frame(self._pending) if self._pending.shape[1] else []
        self._pending = self._pending[:, :0]
        return packets + list(self.stream.encode(None))

    def _frame(self, block: np.ndarray) -> list[av.Packet]:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout=self.layout)
        frame.sample_rate = self.rate
        frame.pts = self.pts
        self.pts += block.shape[1]
        return list(self.stream.encode(frame))


def _segment_packets(path: Path, expected: int | None) -> Iterator[tuple[av.Packet, int]]:
    """(packet, frame count so far) of one segment's video, checked to start on a keyframe."""
    try:
        container = av.open(str(path))
    except (OSError, av.error.FFmpegError) as exc:
        raise MediaError(
            f"cannot read segment {path.name}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    with container:
        stream = container.streams.video[0]
        count = 0
        for packet in container.demux(stream):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            if count == 0 and not packet.is_keyframe:
                raise MediaError(f"segment {path.name} does not start on a keyframe: cannot join it as is")
            count += 1
            yield packet, count
        if expected is not None and count != expected:
            raise MediaError(f"segment {path.name} holds {count} frames, not the {expected} rendered")


def concat_segments(
    segments: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    fps: float,
    *,
    frames: Sequence[int] | None = None,
    audio: Iterable[np.ndarray] | None = None,
    audio_rate: int = 48000,
    audio_channels: int = 2,
) -> Path:
    """Join ``segments`` (in order) into ``output``; ``frames``: each segment's frame count, checked;
    ``audio``: (channels, n) float32 blocks for the whole joined length. Returns ``output``."""
    if not segments:
        raise MediaError("no segments to join")
    output = Path(output)
    rate = snap_rate(fps)
    paths = [Path(s) for s in segments]
    extradata = [_extradata(p) for p in paths]
    if any(e != extradata[0] for e in extradata[1:]):
        bad = paths[next(i for i, e in enumerate(extradata) if e != extradata[0])]
        raise MediaError(
            f"segment {bad.name} was encoded with other parameters: cannot join without re-encoding"
        )
    part = PartFile(output, "mp4", {"movflags": "+faststart"})
    out = part.container
    try:
        with av.open(str(paths[0])) as first:
            video = out.add_stream_from_template(first.streams.video[0])
        track = _AudioTrack(out, audio_rate, audio_channels) if audio is not None else None
        blocks = iter(audio) if audio is not None else iter(())
        delays = [_decode_delay(p) for p in paths]
        most = max(delays)
        done = 0  # frames of the segments before this one
        for i, path in enumerate(paths):
            count = 0
            for packet, count in _segment_packets(path, None if frames is None else frames[i]):
                shift = round(done / rate / packet.time_base)
                # one decode delay for all: a short segment reorders fewer frames, and its decode times
                # would otherwise run into the segment before's (earlier is always allowed: dts <= pts)
                early = round((most - delays[i]) / packet.time_base)
                packet.pts, packet.dts = packet.pts + shift, packet.dts + shift - early
                packet.stream = video
                out.mux(packet)
                # audio up to a little past this frame's time: the two streams stay interleaved
                while track is not None and track.seconds <= (done + count) / rate:
                    block = next(blocks, None)
                    if block is None:
                        break
                    out.mux(track.encode(block))
            done += count
        if track is not None:
            for block in blocks:
                out.mux(track.encode(block))
            out.mux(track.flush())
        part.finish()
    except BaseException as exc:
        part.discard()
        if isinstance(exc, av.error.FFmpegError):
            raise MediaError(f"cannot join segments into {output.name}: {exc}") from None
        raise
    return output


def _decode_delay(path: Path) -> Fraction:
    """Seconds between the first packet's decode and presentation times (x264's frame reordering)."""
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.dts is not None and packet.pts is not None:
                return (packet.pts - packet.dts) * packet.time_base
    return Fraction(0)


def _extradata(path: Path) -> bytes:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"segment {path.name} has no video")
            return bytes(container.streams.video[0].codec_context.extradata or b"")
    except (OSError, av.error.FFmpegError) as exc:
        raise MediaError(
            f"cannot read segment {path.name}: {getattr(exc, 'strerror', None) or exc}"
        ) from None


__all__ = ["concat_segments"]
