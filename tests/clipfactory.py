"""Real media files for tests, written with PyAV: deterministic, tiny, and frame-distinguishable.

Every video frame ``n`` is :func:`expected_frame` ``(n, ...)``: a horizontal/vertical colour gradient whose
blue channel depends on ``n``, a square that moves with ``n``, and a top band that is a *barcode* of ``n``
(8 black / white cells, bit i of ``n % 256`` in cell i). :func:`frame_index` reads the barcode back, so a test
can check that "frame n is frame n" after lossy compression, seeking, resizing and rotation.

Conventions the tests rely on:

* ``rotation`` is the clockwise angle a player turns the stored picture by to display it (the old ``rotate``
  tag; a portrait phone clip is 90). It is written as the stream's display matrix; :func:`displayed_frame`
  gives the picture a correct player shows (checked against the ffmpeg CLI in ``tests/media``).
* Odd sizes cannot be 4:2:0 in libx264 (chroma is subsampled by 2), so an odd-sized clip asked for in a 4:2:0
  format is encoded as 4:4:4 (``yuv444p`` / ``yuv444p10le``) with its exact size; nothing is padded.
* VFR clips: frame i is shown from ``vfr_times(frames, fps)[i]`` seconds (irregular gaps of 0.5 to 2 frame
  periods).
* ``faststart=True`` puts the MP4 index (moov) first, so a truncated copy is still partly decodable; without
  it a truncated MP4 has no index at all and cannot be opened.
"""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BARCODE_BITS = 8
# Durations of successive VFR frames in half frame periods: irregular on purpose (mean 1.125 periods).
_VFR_HALF_PERIODS = (2, 1, 3, 2, 4, 1, 2, 3)
_SUBSAMPLED_TO_444 = {"yuv420p": "yuv444p", "yuv420p10le": "yuv444p10le", "yuv422p": "yuv444p"}


def _fps_fraction(fps: float | Fraction) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def band_height(height: int) -> int:
    """Height of the barcode band at the top of each frame."""
    return max(2, height // 5)


def expected_frame(n: int, width: int, height: int, pattern: str = "moving") -> np.ndarray:
    """The stored (unrotated) RGB picture of frame ``n`` as fed to the encoder: (height, width, 3) uint8."""
    if pattern == "noise":
        return np.random.default_rng(n).integers(0, 256, (height, width, 3), dtype=np.uint8)
    if pattern == "static":
        n = 0
    elif pattern != "moving":
        raise ValueError(f"unknown pattern {pattern!r}")
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[..., 0] = np.broadcast_to(xs, (height, width))
    rgb[..., 1] = np.broadcast_to(ys, (height, width))
    rgb[..., 2] = (n * 23) % 256
    bh = band_height(height)
    side = max(2, min(width, height) // 4)
    x0 = (n * 3) % max(1, width - side)
    y0 = bh + (n * 2) % max(1, height - bh - side)
    rgb[y0 : y0 + side, x0 : x0 + side] = (255 - (n * 23) % 256, 255, 0)
    code = n % (1 << BARCODE_BITS)
    for bit in range(BARCODE_BITS):
        lo, hi = bit * width // BARCODE_BITS, (bit + 1) * width // BARCODE_BITS
        rgb[:bh, lo:hi] = 255 if (code >> bit) & 1 else 0
    return rgb


def displayed_frame(
    n: int, width: int, height: int, rotation: int = 0, pattern: str = "moving"
) -> np.ndarray:
    """Frame ``n`` as a player shows it: the stored picture turned ``rotation`` degrees clockwise."""
    return np.ascontiguousarray(np.rot90(expected_frame(n, width, height, pattern), k=-(rotation // 90) % 4))


def frame_index(rgb: np.ndarray) -> int:
    """Read the barcode of an *unrotated* frame (any size it was encoded at): ``n % 256``."""
    height, width = rgb.shape[:2]
    band = rgb[: band_height(height)].astype(np.float32).mean(axis=2)
    code = 0
    for bit in range(BARCODE_BITS):
        lo, hi = bit * width // BARCODE_BITS, (bit + 1) * width // BARCODE_BITS
        # Sample the cell's centre: edges blur under compression and resizing.
        inner = band[:, lo + (hi - lo) // 4 : hi - (hi - lo) // 4 or hi]
        if inner.mean() > 127:
            code |= 1 << bit
    return code


def vfr_times(frames: int, fps: float | Fraction) -> list[Fraction]:
    """Presentation time (s) of each frame of a VFR clip made by :func:`make_clip` with ``vfr=True``."""
    half = 1 / (2 * _fps_fraction(fps))
    times, t = [], 0
    for i in range(frames):
        times.append(t * half)
        t += _VFR_HALF_PERIODS[i % len(_VFR_HALF_PERIODS)]
    return times


def tone(seconds: float, rate: int = 48000, hz: float = 440.0, channels: int = 2) -> np.ndarray:
    """A sine tone at amplitude 0.5: float32 (channels, n)."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    mono = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.repeat(mono[None, :], channels, axis=0)


def _tmp_sibling(path: Path) -> Path:
    return path.with_name(f".{path.stem}.part-{os.getpid()}{path.suffix}")


def _add_audio_stream(container: av.container.OutputContainer, rate: int, channels: int):
    stream = container.add_stream("aac", rate=rate, layout="stereo" if channels == 2 else "mono")
    return stream


def _audio_frames(samples: np.ndarray, rate: int, chunk: int = 1024, start: int = 0):
    """Split (channels, n) float32 samples into planar AudioFrames, pts in samples counted from ``start``."""
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    for offset in range(0, samples.shape[1], chunk):
        block = np.ascontiguousarray(samples[:, offset : offset + chunk])
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start + offset
        frame.time_base = Fraction(1, rate)
        yield frame


def make_clip(
    path: str | os.PathLike[str],
    *,
    width: int = 64,
    height: int = 48,
    fps: float | Fraction = 24,
    frames: int = 24,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    audio: bool = False,
    audio_rate: int = 48000,
    audio_channels: int = 2,
    tone_hz: float = 440.0,
    rotation: int = 0,
    vfr: bool = False,
    pattern: str = "moving",
    gop: int | None = None,
    crf: int = 12,
    faststart: bool = False,
    audio_offset: float = 0.0,
) -> Path:
    """Write a video clip (container from the suffix: .mp4, .mov, .mkv, .avi) and return its path.

    ``audio_offset`` (seconds) starts the audio that much after the first video frame (negative: the video
    starts that much after the audio), as camera files and edits often do. ``gop`` sets the keyframe interval
    (small values exercise seeking); ``crf`` applies to libx264/libx265
    (low by default so decoded frames stay close to :func:`expected_frame`). The file is written under a temp
    name and renamed, so a failed call leaves nothing behind.
    """
    path = Path(path)
    if rotation % 90 or rotation not in (0, 90, 180, 270):
        raise ValueError("rotation must be 0, 90, 180 or 270")
    if (width % 2 or height % 2) and pix_fmt in _SUBSAMPLED_TO_444:
        pix_fmt = _SUBSAMPLED_TO_444[pix_fmt]
    rate = _fps_fraction(fps)
    tmp = _tmp_sibling(path)
    options = {"movflags": "+faststart"} if faststart else {}
    try:
        with av.open(str(tmp), "w", format=_format_for(path), options=options) as out:
            video = out.add_stream(codec, rate=rate)
            video.width, video.height, video.pix_fmt = width, height, pix_fmt
            if codec in ("libx264", "libx265"):
                video.options = {
                    "crf": str(crf),
                    **({"x265-params": "log-level=error"} if codec == "libx265" else {}),
                }
            if gop is not None:
                video.gop_size = gop
            if vfr:
                video.codec_context.time_base = 1 / (2 * rate)
            else:
                video.codec_context.time_base = 1 / rate
            if rotation:
                # PyAV's degrees are counter-clockwise; ours are the clockwise turn a player applies.
                video.set_display_rotation(-rotation)
            astream = _add_audio_stream(out, audio_rate, audio_channels) if audio else None
            pending = (
                list(
                    _audio_frames(
                        tone(frames / rate, audio_rate, tone_hz, audio_channels),
                        audio_rate,
                        start=max(0, round(audio_offset * audio_rate)),
                    )
                )
                if audio
                else []
            )
            pts = max(0, round(-audio_offset / video.codec_context.time_base))
            for n in range(frames):
                frame = av.VideoFrame.from_ndarray(expected_frame(n, width, height, pattern), format="rgb24")
                frame.pts = pts
                frame.time_base = video.codec_context.time_base
                pts += _VFR_HALF_PERIODS[n % len(_VFR_HALF_PERIODS)] if vfr else 1
                out.mux(video.encode(frame))
                # Interleave: audio up to the end of this video frame, as a camera would.
                t_end = pts * video.codec_context.time_base
                while pending and pending[0].pts / audio_rate < t_end:
                    out.mux(astream.encode(pending.pop(0)))
            out.mux(video.encode(None))
            if astream is not None:
                for af in pending:
                    out.mux(astream.encode(af))
                out.mux(astream.encode(None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _format_for(path: Path) -> str | None:
    return {".m4a": "mp4", ".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".avi": "avi"}.get(
        path.suffix.lower()
    )


def make_audio(
    path: str | os.PathLike[str],
    *,
    seconds: float = 1.0,
    rate: int = 48000,
    channels: int = 2,
    tone_hz: float = 440.0,
) -> Path:
    """An audio-only AAC file (``.m4a``/``.mp4``): a sine tone at amplitude 0.5."""
    path = Path(path)
    tmp = _tmp_sibling(path)
    try:
        with av.open(str(tmp), "w", format=_format_for(path) or "mp4") as out:
            stream = _add_audio_stream(out, rate, channels)
            for frame in _audio_frames(tone(seconds, rate, tone_hz, channels), rate):
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def make_still(path: str | os.PathLike[str], *, width: int = 64, height: int = 48) -> Path:
    """A still image (PNG or JPEG from the suffix): frame 0 of the pattern, written with PyAV."""
    path = Path(path)
    codec = "mjpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "png"
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream(codec, rate=1)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj444p" if codec == "mjpeg" else "rgb24"
        frame = av.VideoFrame.from_ndarray(expected_frame(0, width, height), format="rgb24")
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def truncate_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str], fraction: float) -> Path:
    """Copy the first ``fraction`` (0..1) of ``src``'s bytes to ``dst``: a download or copy cut short."""
    dst = Path(dst)
    data = Path(src).read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def make_text_as_video(path: str | os.PathLike[str]) -> Path:
    """A text file with a video's name."""
    path = Path(path)
    path.write_text("this is not a video\n" * 20)
    return path


def make_empty(path: str | os.PathLike[str]) -> Path:
    """A zero-byte file."""
    path = Path(path)
    path.write_bytes(b"")
    return path


def copy_clip(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy a clip (e.g. a session fixture) so a test may modify, chmod or delete its own copy."""
    return Path(shutil.copyfile(src, dst))
