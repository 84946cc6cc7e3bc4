"""Lossless grey videos for compositing mattes: FFV1 in Matroska, 16-bit where the FFmpeg build has it.

A matte is a weight in [0, 1] stored as uint16 (0..65535). FFV1 is lossless and intra-only (``gop_size`` 1,
so a compositor seeks to any frame at once), and every FFmpeg reads it, Nuke, Resolve and Natron included.
The encoder's deepest grey format is taken: ``gray16le`` in every build we know of; a build without it gets
``gray12le`` or ``gray10le`` and the low bits are dropped (:attr:`GreyVideoWriter.bits` says how many were
kept). :func:`read_grey_video` gives the frames back as uint16 on the 16-bit scale either way.

The file grows under a temp name beside the target and takes its real name in :meth:`GreyVideoWriter.close`;
:meth:`~GreyVideoWriter.abort` deletes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from studio.errors import MediaError
from studio.media._open import open_input, video_stream
from studio.media._output import PartFile
from studio.media.timestamps import snap_rate

# deepest first: (pixel format, significant bits)
GREY_FORMATS = (("gray16le", 16), ("gray14le", 14), ("gray12le", 12), ("gray10le", 10))


def grey_format(codec: str = "ffv1") -> tuple[str, int]:
    """The deepest grey pixel format ``codec``'s encoder takes in this build, and its bit depth."""
    available = {f.name for f in av.codec.Codec(codec, "w").video_formats or ()}
    for name, bits in GREY_FORMATS:
        if name in available:
            return name, bits
    raise MediaError(f"this FFmpeg build's {codec} encoder takes no 10-16 bit grey format")


class GreyVideoWriter:
    """Write (height, width) uint16 frames to a lossless FFV1 Matroska file at ``path``."""

    def __init__(self, path: str | os.PathLike[str], width: int, height: int, fps: float) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"size must be positive, got {width}x{height}")
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.pix_fmt, self.bits = grey_format("ffv1")
        self.frames_written = 0
        self._file = PartFile(self.path, "matroska")
        self._stream = self._file.add_video(
            "ffv1",
            snap_rate(fps),
            (self.width, self.height),
            self.pix_fmt,
            options={"level": "3", "slicecrc": "1"},  # FFV1 v3: sliced, checksummed
            gop=1,  # every frame a keyframe: compositors seek anywhere
        )

    def write(self, matte: np.ndarray) -> None:
        """One frame: (height, width) uint16, 65535 = weight 1."""
        if matte.shape != (self.height, self.width) or matte.dtype != np.uint16:
            raise ValueError(
                f"expected ({self.height}, {self.width}) uint16, got {matte.shape} {matte.dtype}"
            )
        if self.bits < 16:
            matte = matte >> (16 - self.bits)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(matte), format=self.pix_fmt)
        frame.pts = self.frames_written
        self.frames_written += 1
        self._file.mux(self._stream.encode(frame))

    def close(self) -> Path:
        """Flush, finish the file and give it its real name."""
        return self._file.finish(lambda: self._file.mux(self._stream.encode(None)))

    def abort(self) -> None:
        """Stop and delete the unfinished file."""
        self._file.discard()


def read_grey_video(path: str | os.PathLike[str]) -> Iterator[np.ndarray]:
    """Every frame of a grey video as (height, width) uint16 on the 16-bit scale (10/12/14-bit scaled up)."""
    with open_input(path) as container:
        stream = video_stream(container, Path(path).name)
        bits = dict(GREY_FORMATS).get(stream.codec_context.pix_fmt or "", 16)
        for frame in container.decode(stream):
            values = frame.to_ndarray()
            if values.dtype != np.uint16:
                raise MediaError(f"{Path(path).name}: not a 10-16 bit grey video ({frame.format.name})")
            yield values << (16 - bits) if bits < 16 else values
