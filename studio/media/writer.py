"""``VideoWriter``: H.264 (yuv420p) + optional AAC in an MP4 that every player opens, written atomically.

The file grows under a hidden temp name beside the target (same folder, so the final ``os.replace`` is an
atomic rename) and only takes the real name in :meth:`VideoWriter.close`; :meth:`abort`, or an exception
inside ``with``, deletes it. ``+faststart`` moves the index to the front so players and browsers start at
once.

Odd sizes: 4:2:0 chroma needs even dimensions, and H.264's bitstream cropping works in 2-pixel steps for
4:2:0, so an odd width or height is rounded up to even by repeating the last column/row. The file is then 1 px
larger than asked on that axis; :attr:`VideoWriter.coded_size` says what was written.

Colour: frames are converted with the BT.709 matrix (limited range) and the stream is tagged so, which is what
players assume for HD and what the reader uses to convert back.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from studio.cores import usable_cores
from studio.media._output import PartFile
from studio.media.timestamps import snap_rate

AAC_FRAME = 1024  # samples per AAC frame: audio is handed to the encoder in blocks of this size


def convert_threads(width: int, height: int) -> int:
    """swscale threads for one RGB -> YUV conversion: a 1080p frame costs ~10 ms on one core, a sixth of
    a 60 fps frame budget, and runs in the encode thread; small frames are not worth the hand-off."""
    if width * height < 1280 * 720:
        return 1
    return max(1, min(4, usable_cores() // 2))


class VideoWriter:
    """Write RGB frames (and float audio) to ``path``; see the module docstring for guarantees."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        width: int,
        height: int,
        fps: float,
        *,
        crf: int = 18,
        preset: str = "medium",
        audio_rate: int | None = None,
        audio_channels: int = 2,
        gop: int | None = None,
    ) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"size must be positive, got {width}x{height}")
        if audio_channels not in (1, 2):
            raise ValueError("audio_channels must be 1 or 2")
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.coded_size = (self.width + self.width % 2, self.height + self.height % 2)
        self.fps = snap_rate(fps)
        self._convert_threads = convert_threads(*self.coded_size)
        self.frames_written = 0
        self._file = PartFile(self.path, "mp4", {"movflags": "+faststart"})
        try:
            self._video = self._add_video(crf, preset, gop)
            self._audio = self._add_audio(audio_rate, audio_channels) if audio_rate else None
        except BaseException:  # an error, or Ctrl-C / SIGTERM (KeyboardInterrupt) while setting up
            self.abort()
            raise
        self._audio_pending = np.zeros((audio_channels, 0), np.float32)
        self._audio_pts = 0

    def _add_video(self, crf: int, preset: str, gop: int | None):
        stream = self._file.add_video(
            "libx264",
            self.fps,
            self.coded_size,
            "yuv420p",
            options={"crf": str(crf), "preset": preset},
            gop=gop,  # 1 = all-intra: proxies, where every frame decodes on its own
        )
        # PyAV's default (slice threads) makes libx264 use sliced threading: slower and worse than the frame
        # threads the ffmpeg CLI gets with its default (frame|slice).
        stream.thread_type = "AUTO"
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_range = 1, 1  # AVCOL_SPC_BT709, AVCOL_RANGE_MPEG (limited)
        ctx.color_primaries, ctx.color_trc = 1, 1  # BT.709
        return stream

    def _add_audio(self, rate: int, channels: int):
        layout = "stereo" if channels == 2 else "mono"
        stream = self._file.container.add_stream("aac", rate=int(rate), layout=layout)
        stream.codec_context.time_base = Fraction(1, int(rate))
        return stream

    @property
    def audio_rate(self) -> int | None:
        return self._audio.codec_context.sample_rate if self._audio else None

    def write(self, frame: np.ndarray) -> None:
        """One frame: (height, width, 3) uint8 RGB at the size given to the constructor."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"expected ({self.height}, {self.width}, 3) uint8, got {frame.shape} {frame.dtype}"
            )
        if self.coded_size != (self.width, self.height):
            frame = np.pad(frame, ((0, self.height % 2), (0, self.width % 2), (0, 0)), mode="edge")
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        picture = picture.reformat(
            format="yuv420p",
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
            threads=self._convert_threads,
        )
        picture.pts = self.frames_written
        self.frames_written += 1
        self._file.mux(self._video.encode(picture))

    def write_audio(self, samples: np.ndarray) -> None:
        """Audio (channels, n) float32 in [-1, 1] at ``audio_rate``; any block size, appended in order."""
        if self._audio is None:
            raise ValueError("this writer was made without audio (audio_rate=None)")
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 2 or samples.shape[0] != self._audio_pending.shape[0]:
            raise ValueError(f"expected ({self._audio_pending.shape[0]}, n) samples, got {samples.shape}")
        self._audio_pending = np.concatenate([self._audio_pending, samples], axis=1)
        usable = self._audio_pending.shape[1] // AAC_FRAME * AAC_FRAME
        for start in range(0, usable, AAC_FRAME):
            self._encode_audio(self._audio_pending[:, start : start + AAC_FRAME])
        self._audio_pending = self._audio_pending[:, usable:]

    def _encode_audio(self, block: np.ndarray) -> None:
        layout = "stereo" if block.shape[0] == 2 else "mono"
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout=layout)
        frame.sample_rate = self._audio.codec_context.sample_rate
        frame.pts = self._audio_pts
        self._audio_pts += block.shape[1]
        self._file.mux(self._audio.encode(frame))

    def close(self) -> Path:
        """Flush the encoders, finish the file and give it its real name; returns that path."""
        return self._file.finish(self._flush)

    def _flush(self) -> None:
        if self._audio is not None and self._audio_pending.shape[1]:
            self._encode_audio(self._audio_pending)
        self._file.mux(self._video.encode(None))
        if self._audio is not None:
            self._file.mux(self._audio.encode(None))

    def abort(self) -> None:
        """Stop and delete the unfinished file; the target path is left as it was."""
        self._file.discard()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
