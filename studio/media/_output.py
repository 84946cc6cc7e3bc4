"""A media file written under a hidden temp name beside its target and renamed when complete.

The writers (:class:`~studio.media.writer.VideoWriter`, :class:`~studio.media.matte_video.GreyVideoWriter`)
and the segment join (:func:`~studio.media.concat.concat_segments`) keep the same promise, so it lives here
once: the file grows as ``.STEM.part-PID-XXXXXXXX.EXT`` in the target's folder (the same file system, so the
final ``os.replace`` is an atomic rename), takes the real name only in :meth:`PartFile.finish`, and
:meth:`PartFile.discard` deletes it. The PID in the name lets a later writer in that folder sweep the file
away if this process is killed mid-way (:mod:`studio.litter`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.video.stream

from studio.errors import MediaError
from studio.litter import sweep_stale, temp_tag


class PartFile:
    """An output container at a temp name beside ``path``; every FFmpeg or OS failure is a MediaError."""

    def __init__(self, path: Path, fmt: str, options: dict[str, str] | None = None) -> None:
        self.path = path
        self.done = False  # finished or discarded: both are final
        sweep_stale(path.parent)
        self.tmp = path.with_name(f".{path.stem}.part-{temp_tag()}.{_EXTENSION[fmt]}")
        try:
            # FFmpeg opens the file lazily at the first packet; creating it now reports a bad folder up front.
            self.tmp.open("xb").close()
            self.container: av.container.OutputContainer = av.open(
                str(self.tmp), "w", format=fmt, options=options
            )
        except (OSError, av.error.FFmpegError) as exc:
            self.tmp.unlink(missing_ok=True)
            raise MediaError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None
        except BaseException:  # Ctrl-C or SIGTERM just after the file appeared: it must not stay
            self.tmp.unlink(missing_ok=True)
            raise

    def add_video(
        self,
        codec: str,
        rate: Fraction,
        size: tuple[int, int],
        pix_fmt: str,
        *,
        options: dict[str, str],
        gop: int | None = None,
    ) -> av.video.stream.VideoStream:
        """A video stream of ``size`` (width, height) at ``rate``, one tick a frame; ``gop``: frames per
        keyframe (1 = every frame decodes on its own), None for the encoder's default."""
        stream = self.container.add_stream(codec, rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = pix_fmt
        stream.options = options
        ctx = stream.codec_context
        ctx.time_base = Fraction(1) / rate  # frame n has pts n
        if gop is not None:
            ctx.gop_size = int(gop)
        return stream

    def mux(self, packets: list[av.Packet]) -> None:
        try:
            self.container.mux(packets)
        except (OSError, av.error.FFmpegError) as exc:  # a full disk, a folder gone: said in one line
            raise MediaError(
                f"cannot write {self.path.name}: {getattr(exc, 'strerror', None) or exc}"
            ) from None

    def finish(self, flush: Callable[[], None] | None = None) -> Path:
        """``flush`` (the caller's encoders), the trailer, then the real name; returns it. On any failure,
        Ctrl-C included, the file is deleted and the error raised. Once finished or discarded: nothing."""
        if self.done:
            return self.path
        try:
            if flush is not None:
                flush()
            self.container.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        self.done = True
        return self.path

    def discard(self) -> None:
        """Stop and delete the unfinished file; the target path is left as it was."""
        if self.done:
            return
        self.done = True
        # The file is being thrown away: a failure to write its trailer does not matter.
        with contextlib.suppress(Exception):
            self.container.close()
        self.tmp.unlink(missing_ok=True)


# what each container format's temp file is called; studio.litter sweeps only these endings
_EXTENSION = {"mp4": "mp4", "matroska": "mkv"}
