"""Opening a media file for reading, with every way it can fail turned into a one-line :class:`MediaError`.

The checks before ``av.open`` exist because FFmpeg's own messages for a missing file, a folder or a permission
problem are cryptic ("Invalid data found when processing input" for a directory); users deserve the plain
reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import av.container

from studio.errors import MediaError

# Demuxers of single pictures ("image2", "png_pipe", "jpeg_pipe", ...): such a file is refused as a still
# image rather than misread as a 1-frame video. Animated GIF/APNG have their own demuxers and count as video.


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Refuse, with the reason, a path that is not a readable non-empty regular file."""
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise MediaError(f"{name}: file not found ({path})")
    if path.is_dir():
        raise MediaError(f"{name}: is a folder, not a media file")
    if not path.is_file():
        raise MediaError(f"{name}: is not a regular file")
    try:
        with open(path, "rb") as handle:  # os.access lies for root; opening is the real test
            first = handle.read(1)
    except PermissionError:
        raise MediaError(f"{name}: permission denied (the file is not readable)") from None
    except OSError as exc:
        raise MediaError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not first:
        raise MediaError(f"{name}: the file is empty (0 bytes)")
    return path


def open_input(path: str | os.PathLike[str]) -> av.container.InputContainer:
    """``av.open`` for reading, after :func:`check_readable`; FFmpeg's refusals become MediaError."""
    path = check_readable(path)
    try:
        return av.open(str(path), "r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{path.name}: not a media file FFmpeg can read, or damaged/truncated ({_reason(exc)})"
        ) from None


def _reason(exc: av.error.FFmpegError) -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    return reason.split(":")[0].strip() or type(exc).__name__


def is_still_image(container: av.container.InputContainer) -> bool:
    """A picture file (PNG, JPEG, ...) rather than a video, told by the demuxer FFmpeg picked for it."""
    return any(name == "image2" or name.endswith("_pipe") for name in container.format.name.split(","))


def video_stream(container: av.container.InputContainer, name: str) -> av.video.stream.VideoStream:
    """The first real video stream (cover art attached to audio files does not count)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    kind = "an audio file" if container.streams.audio else "no audio either"
    raise MediaError(f"{name}: has no video stream ({kind})")
