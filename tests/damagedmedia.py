"""Files that probe fine but are damaged further in, built with PyAV from clips the tests make.

Each reproduces a way real files break (issue 14, family 1): bytes flipped in audio packets in the middle of
the file, a track whose header box is unreadable (a damaged ``moov``), video packets wiped, and a mono AAC
track whose middle decodes as stereo (what a flipped element id does to a real AAC stream) at 44.1 kHz, so
the resampler meets a frame of another layout.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests import clipfactory


def packets(path: Path, kind: str) -> list[tuple[int, int, float]]:
    """(byte position, size, seconds) of every non-empty packet of the first ``kind`` stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0] if kind == "audio" else container.streams.video[0]
        return [
            (p.pos, p.size, float(p.pts * stream.time_base))
            for p in container.demux(stream)
            if p.size and p.pos is not None and p.pts is not None
        ]


def flip_audio_packets(src: Path, dst: Path, first: int, count: int) -> list[float]:
    """Flip the top bit of the first byte of ``count`` audio packets from index ``first`` (the AAC element
    id: the decoder refuses those packets); returns their times in seconds."""
    data = bytearray(src.read_bytes())
    chosen = packets(src, "audio")[first : first + count]
    for pos, _, _ in chosen:
        data[pos] ^= 0x80
    dst.write_bytes(bytes(data))
    return [t for _, _, t in chosen]


def wipe_video_packets(src: Path, dst: Path, indices: list[int]) -> None:
    """Zero the payload of these video packets (decode order), keeping each NAL length prefix."""
    data = bytearray(src.read_bytes())
    table = packets(src, "video")
    for i in indices:
        pos, size, _ = table[i]
        data[pos + 4 : pos + size] = bytes(size - 4)
    dst.write_bytes(bytes(data))


def rename_box(src: Path, dst: Path, box: bytes, nth: int) -> None:
    """Rename the ``nth`` (0-based) ``box`` of the file (``b"stsd"``: that track's codec description)."""
    data = bytearray(src.read_bytes())
    at = -1
    for _ in range(nth + 1):
        at = data.find(box, at + 1)
        assert at >= 0, f"no box {box!r} #{nth} in {src}"
    data[at : at + 4] = b"xxxx"
    dst.write_bytes(bytes(data))


def _aac_packets(layout: str, rate: int, count: int) -> list[av.Packet]:
    ctx = av.CodecContext.create("aac", "w")
    ctx.sample_rate, ctx.layout, ctx.format, ctx.time_base = rate, layout, "fltp", Fraction(1, rate)
    ctx.open()
    channels = 1 if layout == "mono" else 2
    out: list[av.Packet] = []
    for i in range(count):
        t = (np.arange(1024) + i * 1024) / rate
        block = np.tile((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), (channels, 1))
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate, frame.pts = rate, i * 1024
        out += ctx.encode(frame)
    return out + ctx.encode(None)


def layout_switch_clip(dst: Path, rate: int = 44100) -> Path:
    """H.264 video (1 s) with a mono AAC track whose packets 10..19 decode as stereo."""
    video = clipfactory.make_clip(dst.with_name(dst.stem + "-video.mp4"), frames=24)
    mono, stereo = _aac_packets("mono", rate, 44), _aac_packets("stereo", rate, 44)
    audio_packets = mono[:10] + stereo[10:20] + mono[20:]
    buffer = io.BytesIO(video.read_bytes())
    with av.open(buffer) as source, av.open(str(dst), "w", format="mp4") as out:
        vin = source.streams.video[0]
        vout = out.add_stream_from_template(vin)
        aout = out.add_stream("aac", rate=rate, layout="mono")
        for packet in source.demux(vin):
            if packet.size:
                packet.stream = vout
                out.mux(packet)
        for i, packet in enumerate(audio_packets):
            packet.stream = aout
            packet.pts = packet.dts = i * 1024
            packet.time_base = Fraction(1, rate)
            out.mux(packet)
    return dst
