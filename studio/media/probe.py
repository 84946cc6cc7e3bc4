"""``probe``: what a video file is, exactly; ``probe_safe``: the same in a child process, so a file that
crashes or hangs FFmpeg costs a MediaError instead of the app.

``python -m studio.media.probe FILE`` prints ``{"info": {...}}`` or ``{"error": "one line"}`` as JSON (exit 0
or 2); that is the child ``probe_safe`` runs. In a frozen bundle (PyInstaller) there is no ``python -m``:
``sys.executable`` is the app itself, so the child is the app started as ``studio --probe-child FILE``
(``studio.cli.main`` hands that to :func:`main` before anything else loads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av

from studio.errors import MediaError
from studio.media._open import check_readable, is_still_image, open_input, video_stream
from studio.media.info import HDR_TRANSFERS, AudioInfo, MediaInfo
from studio.media.orientation import frame_orientation
from studio.media.timestamps import Stamp, Timeline, build_timeline, packet_stamp

MAX_SIDE = (
    8192  # larger pictures are refused before anything is decoded (memory: 8192^2 RGB is 200 MB a frame)
)
PROBE_CHILD_FLAG = "--probe-child"  # the frozen app's hidden mode: be the probe child, nothing else


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Everything the app needs to know about a video file; MediaError (one line) for anything unusable."""
    return scan(path)[0]


def scan(path: str | os.PathLike[str]) -> tuple[MediaInfo, Timeline]:
    """:func:`probe` plus the per-frame presentation times (the reader maps its grid through them)."""
    path = check_readable(path)
    stat = path.stat()
    try:
        return _probe_cached(path.resolve(), stat.st_size, stat.st_mtime_ns)
    except (AttributeError, TypeError, ValueError, ArithmeticError, IndexError) as exc:
        # PyAV meeting a hostile file in a way no check here foresaw: still one line, naming the file
        raise MediaError(f"{path.name}: damaged or unsupported ({type(exc).__name__}: {exc})") from None


@lru_cache(maxsize=64)
def _probe_cached(path: Path, size: int, mtime_ns: int) -> tuple[MediaInfo, Timeline]:
    # Keyed by size and mtime so an edited file is probed again.
    name = path.name
    with open_input(path) as container:
        if is_still_image(container):
            raise MediaError(f"{name}: is a still image, not a video")
        stream = video_stream(container, name)
        ctx = stream.codec_context
        if ctx is None:  # a damaged header (moov) names no codec FFmpeg has
            raise MediaError(f"{name}: the video codec is unknown or its header is damaged")
        if ctx.width <= 0 or ctx.height <= 0:
            raise MediaError(f"{name}: the video stream has no picture size")
        if max(ctx.width, ctx.height) > MAX_SIDE:
            raise MediaError(
                f"{name}: the video is {ctx.width}x{ctx.height}; the largest supported side is {MAX_SIDE} px"
            )
        timeline, first = _scan_stream(container, stream, name)
        audio = _audio_info(container)
    rotation, mirrored = frame_orientation(first)
    width, height = (ctx.height, ctx.width) if rotation in (90, 270) else (ctx.width, ctx.height)
    info = MediaInfo(
        path=path,
        container=_container_name(container.format.name, path),
        video_codec=ctx.name,
        width=width,
        height=height,
        coded_width=ctx.width,
        coded_height=ctx.height,
        fps=float(timeline.rate),
        frames=timeline.frames,
        duration=float(timeline.duration),
        pix_fmt=first.format.name,
        bit_depth=max(c.bits for c in first.format.components if not c.is_alpha),
        rotation=rotation,
        mirrored=mirrored,
        hdr=HDR_TRANSFERS.get(int(first.color_trc or 0)),
        variable_frame_rate=timeline.variable,
        audio=audio,
    )
    return info, timeline


def _scan_stream(container, stream, name: str) -> tuple[Timeline, av.VideoFrame]:
    """Demux every video packet (no decoding) for the timeline; decode only until the first frame appears."""
    time_base = stream.time_base or Fraction(1, 90000)
    declared = stream.average_rate or stream.guessed_rate
    ticks = int(1 / (declared * time_base)) if declared else 1
    stamps: list[Stamp] = []
    first: av.VideoFrame | None = None
    decode_error = ""
    try:
        for packet in container.demux(stream):
            stamp = packet_stamp(packet, len(stamps), ticks)
            if stamp is not None:
                stamps.append(stamp)
            if first is None:
                try:
                    frames = stream.decode(packet)
                    first = frames[0] if frames else None
                except av.error.FFmpegError as exc:
                    decode_error = exc.strerror or type(exc).__name__
    except av.error.FFmpegError:
        pass  # a damaged tail: the packets read so far are what the file really holds
    if first is None:
        try:
            frames = stream.decode(None)
            first = frames[0] if frames else None
        except av.error.FFmpegError as exc:
            decode_error = exc.strerror or type(exc).__name__
    if not stamps or first is None:
        detail = f" ({decode_error})" if decode_error else ""
        raise MediaError(f"{name}: no video frame can be decoded{detail}")
    return build_timeline(stamps, time_base, Fraction(declared) if declared else None), first


def _audio_info(container) -> AudioInfo | None:
    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    if ctx is None:  # no decoder for it (a damaged header): the clip is used as silent
        return None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    else:
        duration = (container.duration or 0) / av.time_base
    return AudioInfo(codec=ctx.name, sample_rate=ctx.sample_rate, channels=ctx.channels, duration=duration)


def _container_name(format_name: str, path: Path) -> str:
    """FFmpeg names the MP4 demuxer "mov,mp4,m4a,..."; show the member that matches the file's extension."""
    names = format_name.split(",")
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in names else names[0]


def probe_command(path: str | os.PathLike[str]) -> list[str]:
    """The child's command line: ``python -m studio.media.probe FILE``, or in a frozen bundle (where
    ``sys.executable`` is the app, which knows no ``-m``) the app's own hidden mode."""
    if getattr(sys, "frozen", False):
        return [sys.executable, PROBE_CHILD_FLAG, str(path)]
    return [sys.executable, "-m", "studio.media.probe", str(path)]


def probe_safe(path: str | os.PathLike[str], timeout: float = 15.0) -> MediaInfo:
    """:func:`probe` in a child process: FFmpeg crashing or hanging on a hostile file becomes a MediaError."""
    path = check_readable(path)
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        root = str(Path(__file__).resolve().parents[2])  # so the child imports this very studio package
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        result = subprocess.run(probe_command(path), capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path.name}: reading it took longer than {timeout:g} s (damaged file?)") from None
    except OSError as exc:  # the child cannot even start (a broken install)
        raise MediaError(f"{path.name}: the probe cannot start ({exc.strerror or exc})") from None
    try:
        answer = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise MediaError(f"{path.name}: {_child_failure(result)}") from None
    if "error" in answer:
        raise MediaError(answer["error"])
    return MediaInfo.from_dict(answer["info"])


def _child_failure(result: subprocess.CompletedProcess[str]) -> str:
    """Why the child gave no answer: a signal is FFmpeg crashing on the file; an exit code is the child
    itself failing (its last stderr line says why, e.g. a bundle missing a module)."""
    if result.returncode < 0:
        return f"the decoder crashed reading it (signal {-result.returncode})"
    last = (result.stderr or "").strip().splitlines()[-1:] or [""]
    detail = f": {last[0][:200]}" if last[0] else ""
    return f"the probe process failed (exit code {result.returncode}){detail}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m studio.media.probe FILE", file=sys.stderr)
        return 64
    try:
        print(json.dumps({"info": probe(args[0]).to_dict()}))
    except MediaError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    except Exception as exc:  # anything else a hostile file provokes: still an answer, in one line
        name = Path(args[0]).name
        print(json.dumps({"error": f"{name}: damaged or unsupported ({type(exc).__name__}: {exc})"}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
