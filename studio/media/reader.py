"""``ClipReader``: any frame of a clip, by number on a constant-rate grid, as upright RGB at the size asked
for.

Grid frame ``n`` is the source frame *showing* at ``t = n / fps``: the latest one whose presentation time is
``<= t``. For a constant-rate source read at its own rate that is simply frame ``n``; a variable-rate source,
or a grid at another rate, maps through the presentation times the probe collected. Numbers past the end clamp
to the last frame (the engine's "hold" end mode relies on it); negative numbers clamp to frame 0.

Random access seeks to the last keyframe at or before the target and decodes forward to it; when the target is
ahead of the decoder and no keyframe lies between, it just decodes forward, which makes sequential reading
(:meth:`ClipReader.iter_frames`) a plain decode loop with frame threading. Both paths produce identical
pixels. Returned arrays are read-only: they are shared with a small LRU cache. A reader is for one thread at a
time.

A file that probed fine can still be damaged further in (flipped bytes, a broken index): a frame that cannot
be decoded is replaced by the last good one (the first picture of the file before any), as a player keeps
showing it, and each damaged span is reported once to ``on_damage`` with its timecode. Only a file of which
no picture decodes at all raises.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import av
import numpy as np

from studio.errors import MediaError
from studio.media._open import open_input, video_stream
from studio.media.damage import DamageLog
from studio.media.hdr import tone_map
from studio.media.info import MediaInfo
from studio.media.orientation import orient
from studio.media.probe import scan
from studio.media.resize import FITS, fit_frame
from studio.media.writer import convert_threads

_FORWARD_LIMIT = 256  # with no keyframe index, decode forward rather than seek for targets this close
_PIPELINE_DEPTH = 3  # frames converted ahead in iter_frames: enough to overlap, little memory


class ClipReader:
    """Frame-accurate reading of one clip; use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fps: float | None = None,
        size: tuple[int, int] | None = None,
        fit: str = "fit",
        cache_frames: int = 16,
        on_damage: Callable[[str], None] | None = None,
    ) -> None:
        if fit not in FITS:
            raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
        if fps is not None and not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.info: MediaInfo
        self.info, self._timeline = scan(path)
        self.fps = float(fps) if fps else self.info.fps
        self.frame_count = max(1, round(self.info.duration * self.fps - 1e-6))
        self.size = (int(size[0]), int(size[1])) if size else (self.info.width, self.info.height)
        self.fit = fit
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_frames = max(1, cache_frames)
        self._container = open_input(self.info.path)
        self._stream = video_stream(self._container, self.info.path.name)
        self._stream.thread_type = "AUTO"  # frame + slice threads; set before the codec opens
        self._frames: Iterator[av.VideoFrame] | None = None
        self._position = -1  # index of the frame the decoder produced last; -1 when unknown
        self._pool: ThreadPoolExecutor | None = None
        self.damage = DamageLog(self.info.path.name, "video", "the last good frame is shown", on_damage)
        self._last_good: Future[np.ndarray] | np.ndarray | None = None  # what a damaged frame shows instead
        self._exact = True  # whether the last decode found its very frame (False: the decoder dropped it)

    # -- public -------------------------------------------------------------------------------------------
    def source_index(self, n: int) -> int:
        """The source frame (0-based, display order) that grid frame ``n`` shows."""
        n = min(max(int(n), 0), self.frame_count - 1)
        return self._timeline.index_at(n / self.fps)

    def read(self, n: int) -> np.ndarray:
        """Grid frame ``n`` as (H, W, 3) uint8 RGB of :attr:`size` (read-only); clamps past either end."""
        index = self.source_index(n)
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        try:
            with self._decoder_errors(n):
                rgb = self._convert(self._decode(index))
        except MediaError as exc:
            return self._stand_in(n, exc)
        self._delivered(n, rgb)
        self._remember(index, rgb)
        return rgb

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Grid frames ``start`` .. ``stop - 1`` (default: to the end), in order, decoded straight through."""
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        # Pipelined: the next frames decode here while a worker converts the previous ones to RGB (swscale and
        # the decoder both release the GIL), as the ffmpeg CLI overlaps its decoder and its scale filter.
        pending: deque[tuple[int, int, Future[np.ndarray] | np.ndarray]] = deque()
        if self._pool is None:  # one worker per reader, ended by close(): no thread outlives the reader
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clipreader-rgb")
        for n in range(max(0, start), stop):
            index = self.source_index(n)
            if pending and pending[-1][1] == index:
                work = pending[-1][2]  # the same source frame again (grid faster than the source)
            elif index in self._cache:
                work = self._cache[index]
            else:
                try:
                    with self._decoder_errors(n):
                        work = self._pool.submit(self._convert, self._decode(index))
                except MediaError as exc:
                    work = self._stand_in(n, exc)
                    index = -1  # nothing to cache: the frame itself was not read
                else:
                    self._delivered(n, work)
            pending.append((n, index, work))
            if len(pending) > _PIPELINE_DEPTH:
                yield self._finish(*pending.popleft())
        while pending:
            yield self._finish(*pending.popleft())

    def _finish(self, n: int, index: int, work: Future[np.ndarray] | np.ndarray) -> np.ndarray:
        try:
            with self._decoder_errors(n):
                rgb = work.result() if isinstance(work, Future) else work
        except MediaError as exc:  # the picture decoded but cannot be converted
            return self._stand_in(n, exc)
        if index >= 0:
            self._remember(index, rgb)
        return rgb

    def _delivered(self, n: int, work: Future[np.ndarray] | np.ndarray) -> None:
        """Grid frame ``n`` decoded: its own picture, or the one before when the decoder dropped it."""
        self._last_good = work
        if self._exact:
            self.damage.healthy()
        else:
            self.damage.damaged(n / self.fps, "the decoder dropped it")

    def _stand_in(self, n: int, exc: MediaError) -> np.ndarray:
        """What grid frame ``n`` shows when it cannot be decoded: the last good frame, else the file's first
        picture; the damage is reported (once per span). Raises ``exc`` when nothing decodes at all."""
        self._frames, self._position = None, -1  # the decoder's state is unknown: the next read seeks
        last = self._last_good
        if isinstance(last, Future):  # still converting in iter_frames' pipeline
            try:
                last = last.result()
            except (av.error.FFmpegError, OSError, ValueError):
                last = None
        if last is None:
            last = self._first_picture()
            if last is None:
                raise exc
        self._last_good = last
        self.damage.damaged(n / self.fps, str(exc).split(": ", 1)[-1].removesuffix(" (damaged file?)"))
        return last

    def _first_picture(self) -> np.ndarray | None:
        """The first frame that decodes, from a fresh demuxer (the file's index may be what is broken)."""
        try:
            with open_input(self.info.path) as container:
                stream = video_stream(container, self.info.path.name)
                for packet in container.demux(stream):
                    with contextlib.suppress(av.error.FFmpegError):
                        for frame in stream.decode(packet):
                            return self._convert(frame)
        except (av.error.FFmpegError, MediaError, OSError, ValueError):
            return None
        return None

    @contextlib.contextmanager
    def _decoder_errors(self, n: int) -> Iterator[None]:
        """FFmpeg's (and the file system's) refusals while decoding grid frame ``n`` become a one-line
        MediaError: PyAV's exception types stay inside ``studio.media``."""
        try:
            yield
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.info.path.name}: cannot decode frame {n}: {exc}") from exc

    def _remember(self, index: int, rgb: np.ndarray) -> None:
        self._cache[index] = rgb
        self._cache.move_to_end(index)
        if len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)

    def close(self) -> None:
        """Release the file and the conversion thread (idempotent)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._frames = None
        self._container.close()

    def __enter__(self) -> ClipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding -----------------------------------------------------------------------------------------
    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        # swscale turns any pixel format (10-bit, 4:4:4, ...) into 8-bit RGB using the frame's colour tags.
        threads = convert_threads(frame.width, frame.height)  # 1080p+: swscale slices over a few cores
        if self.info.hdr:  # 16-bit R'G'B', fitted to the output size first: the tone map costs per pixel
            rgb16 = orient(
                frame.to_ndarray(format="rgb48le", threads=threads), self.info.rotation, self.info.mirrored
            )
            out = tone_map(fit_frame(rgb16, self.size, self.fit), self.info.hdr)
            out.flags.writeable = False
            return out
        rgb = frame.to_ndarray(format="rgb24", threads=threads)
        rgb = orient(rgb, self.info.rotation, self.info.mirrored)
        out = fit_frame(rgb, self.size, self.fit)
        out.flags.writeable = False
        return out

    def _decode(self, index: int) -> av.VideoFrame:
        timeline = self._timeline
        ahead = self._frames is not None and self._position < index
        keyframe = timeline.keyframe_before(index)
        if ahead and (
            keyframe <= self._position or (not timeline.keyframes and index - self._position < _FORWARD_LIMIT)
        ):
            frame = self._decode_forward(index)
            if frame is not None:
                return frame
        # Seek to the keyframe before the target; if the decoder starts past the target (B-frames shown before
        # that keyframe, an imprecise container index), try earlier keyframes, finally the very start.
        candidates = [k for k in timeline.keyframes if k <= keyframe][::-1][:3] or [keyframe]
        for start in [*candidates, 0]:
            self._seek(start)
            frame = self._decode_forward(index)
            if frame is not None:
                return frame
        raise MediaError(f"{self.info.path.name}: frame {index} cannot be decoded (damaged file?)")

    def _seek(self, index: int) -> None:
        try:
            self._container.seek(
                self._timeline.pts[index], stream=self._stream, backward=True, any_frame=False
            )
        except av.error.FFmpegError:  # a damaged index: start again from the top, without seeking
            self._container.close()
            self._container = open_input(self.info.path)
            self._stream = video_stream(self._container, self.info.path.name)
            self._stream.thread_type = "AUTO"
        self._frames = self._decoded_frames()
        self._position = -1

    def _decode_forward(self, index: int) -> av.VideoFrame | None:
        """Decode up to frame ``index``; None if the decoder started past it. A frame the decoder dropped
        (damage) is replaced by the one before it, the picture a player would keep showing."""
        previous: av.VideoFrame | None = None
        assert self._frames is not None
        for frame in self._frames:
            at = self._frame_index(frame)
            self._position = at
            if at == index:
                self._exact = True
                return frame
            if at > index:
                self._exact = False
                return previous
            previous = frame
        self._frames = None  # exhausted: the next read seeks
        self._exact = False
        return previous

    def _frame_index(self, frame: av.VideoFrame) -> int:
        if frame.pts is None:  # rare (some AVI): count on from the last one
            return self._position + 1
        return self._timeline.index_of_pts(frame.pts)

    def _decoded_frames(self) -> Iterator[av.VideoFrame]:
        """Decoded frames from the current position; a damaged packet is skipped, a damaged tail ends it."""
        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                packet = None  # unreadable tail: flush what the decoder holds and stop
            with contextlib.suppress(av.error.FFmpegError):  # a damaged packet: skip it, as players do
                yield from self._stream.decode(packet)
            if packet is None:
                return
