"""Source frames for the engine: what each output frame is made of, and a thread that decodes it ahead.

:class:`SourceGatherer` turns output frame n into a :class:`~studio.engine.synth.SynthInput` through the
project's time map (``frame_sources``): the active placements (importance > 0, or a min pin on the clip),
each contributing T = 2*window+1 frames centred on its mapped source frame, clamped at the clip's in/out
points. Where pins act (``studio.project.pins``) ``SynthInput.bounds`` are the shares the synthesizer must
keep each source within.

Scene cuts: a window never reaches across a cut of its clip (the frames of another shot are not this one's
neighbours): it is clamped to the shot of its centre frame too. The cuts are the ones known for the file
(``studio.media.shot_cache``: found on import by the window, or by ``studio probe --json``); a clip whose
cuts were never looked for is one shot. ``SynthInput.new_shot`` says which sources entered another shot since
the previous output frame, so a stateful synthesizer forgets what it carried for them. The preview
(``FrameRenderer``) and the export (``RenderJob``) both use it, so the window shows
exactly what the export writes.

:class:`DecodeAhead` runs a gatherer in its own thread behind a bounded queue, so decoding overlaps
synthesis while memory stays flat however long the render is.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.cores import usable_cores
from studio.engine.mask_prior import MaskPriors
from studio.engine.synth import SynthInput
from studio.errors import Cancelled, CancelToken, MediaError
from studio.media import ClipReader
from studio.media.resize import content_box
from studio.media.shot_cache import cached_cuts, find_cuts
from studio.project.model import Project
from studio.project.pins import apply_pins, frame_pins, pinned_at_min
from studio.project.timemap import frame_sources


@dataclass(frozen=True)
class Gathered:
    """Everything the synthesizer needs for output frame ``n``, plus where each source came from."""

    n: int
    inp: SynthInput | None  # None: no placement is active (or all have importance 0) -> a black frame
    clip_indices: np.ndarray  # (K,) int64: the project-clip column of each of the K sources
    placement_ids: tuple[str, ...]  # (K,) the placement each source was read through
    # (K, T) int64: the clip frame each window slot was read from (the correspondence names it); None: unknown
    source_frames: np.ndarray | None = None


def _clip_key(clip: object, settings: object) -> tuple:
    """What a reader depends on: a change in any of these means the reader must be reopened."""
    return (
        str(clip.path),
        float(clip.fps),
        int(settings.width),
        int(settings.height),
        str(settings.fit),
    )


class SourceGatherer:
    """Reads the active sources of an output frame. Not thread-safe: one thread uses it at a time.

    Readers stay open between calls (one per clip, shared by all of its placements) so sequential frames hit
    the reader's cache and its sequential decode path instead of seeking.
    """

    def __init__(self, project: Project) -> None:
        self._readers: dict[str, tuple[tuple, ClipReader]] = {}
        self._pool: ThreadPoolExecutor | None = None  # parallel decode of distinct clips (started lazily)
        self._cores = usable_cores()
        # damaged frames the readers replaced: appended by decode threads, drained by take_damage
        self._damage: list[str] = []
        self.masks = MaskPriors(self._read)  # the painted masks' prior, for the synthesizer
        self.project = project
        self.set_project(project)

    # -- project ---------------------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Adopt an edited project: close only the readers whose clip (or the output size/fit) changed."""
        self.project = project
        self.size = (int(project.settings.width), int(project.settings.height))
        self.window = max(0, int(project.settings.engine.window))
        self.clips = {clip.id: clip for clip in project.clips}
        self.clip_index = {clip.id: i for i, clip in enumerate(project.clips)}
        # a stat and a small read per clip: the cuts found since the last edit are used from now on
        self.cuts = {clip.id: tuple(cached_cuts(clip.path) or ()) for clip in project.clips}
        self.masks.set_project(project)
        for clip_id in list(self._readers):
            clip = self.clips.get(clip_id)
            if clip is None or _clip_key(clip, project.settings) != self._readers[clip_id][0]:
                self._readers.pop(clip_id)[1].close()

    def close(self) -> None:
        if self._pool is not None:  # first: no task may still be using a reader being closed
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for _, reader in self._readers.values():
            reader.close()
        self._readers.clear()

    def __enter__(self) -> SourceGatherer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------------------
    def _reader(self, clip_id: str) -> ClipReader:
        entry = self._readers.get(clip_id)
        if entry is None:
            clip = self.clips[clip_id]
            settings = self.project.settings
            reader = ClipReader(
                clip.path, fps=clip.fps, size=self.size, fit=settings.fit, on_damage=self._damage.append
            )
            entry = (_clip_key(clip, settings), reader)
            self._readers[clip_id] = entry
        return entry[1]

    def take_damage(self) -> list[str]:
        """The readers' warnings since the last call: spans of a clip that could not be decoded, shown as
        the last good frame (``ClipReader``); the render reports them with its other warnings."""
        count = len(self._damage)  # a reader thread may append meanwhile: only what was counted goes
        taken = self._damage[:count]
        del self._damage[:count]
        return taken

    def content_box(self, clip_id: str) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the clip's real pixels in the output frame (the rest is ``fit`` padding)."""
        info = self._reader(clip_id).info
        return content_box((info.width, info.height), self.size, str(self.project.settings.fit))

    def _bounds(self, clip_id: str, reader: ClipReader) -> tuple[int, int]:
        """First and last frame of the clip's used range (in/out points) on the reader's grid, rounded the
        way the time map rounds (``source_frame_of``: the frame showing at a time), so a window never
        clamps the very frame the time map chose."""
        clip = self.clips[clip_id]
        last = max(0, int(reader.frame_count) - 1)
        first = min(last, max(0, math.floor(float(clip.in_s or 0.0) * reader.fps + 1e-6)))
        if clip.out_s is not None:
            last = max(first, min(last, math.ceil(float(clip.end_s) * reader.fps - 1e-6) - 1))
        return first, last

    def _read(self, clip_id: str, index: int) -> np.ndarray:
        return self._reader(clip_id).read(self._clamped(clip_id, index))  # damaged: a one-line MediaError

    def _clamped(self, clip_id: str, index: int) -> int:
        """The frame ``_read`` reads for ``index``: clamped to the clip's used range."""
        first, last = self._bounds(clip_id, self._reader(clip_id))
        return min(max(int(index), first), last)

    def shot_index(self, clip_id: str, frame: int) -> int:
        """Which shot of its clip a frame is in (0 before the first cut)."""
        return bisect.bisect_right(self.cuts.get(clip_id, ()), int(frame))

    def window_frames(self, clip_id: str, centre: int) -> list[int]:
        """The clip frames ``read_window`` reads for ``centre``, in order: centre-window .. centre+window,
        clamped to the clip's used range and to the shot ``centre`` is in."""
        wanted = [centre - self.window + j for j in range(2 * self.window + 1)]
        cuts = self.cuts.get(clip_id, ())
        if cuts:
            shot = self.shot_index(clip_id, self._clamped(clip_id, centre))
            first = cuts[shot - 1] if shot > 0 else wanted[0]
            last = cuts[shot] - 1 if shot < len(cuts) else wanted[-1]
            wanted = [min(max(index, first), last) for index in wanted]
        return [self._clamped(clip_id, index) for index in wanted]

    def read_window(self, clip_id: str, centre: int, out: np.ndarray | None = None) -> np.ndarray:
        """(T, H, W, 3) uint8: the frames ``window_frames`` names."""
        t = 2 * self.window + 1
        w, h = self.size
        frames = np.empty((t, h, w, 3), np.uint8) if out is None else out
        for j, index in enumerate(self.window_frames(clip_id, centre)):
            frames[j] = self._reader(clip_id).read(index)
        return frames

    def new_shots(self, n: int, samples: list) -> np.ndarray | None:
        """(K,) bool: the sources whose frame is in another shot of their clip than at output frame n - 1
        (through the same placement); None when no source did."""
        if n <= 0 or not any(self.cuts.get(s.clip_id) for s in samples):
            return None
        before = {s.placement_id: s.source_frame for s in frame_sources(self.project, n - 1)}
        flags = np.array(
            [
                s.placement_id in before
                and self.shot_index(s.clip_id, self._clamped(s.clip_id, before[s.placement_id]))
                != self.shot_index(s.clip_id, self._clamped(s.clip_id, s.source_frame))
                for s in samples
            ],
            bool,
        )
        return flags if flags.any() else None

    def _read_all(self, samples: list, frames: np.ndarray) -> None:
        """Each sample's window into ``frames[k]``. Distinct clips decode in parallel (the decoder and
        swscale release the GIL: 4 clips at 1080p take ~28 ms in one thread, over half a 60 fps budget);
        each reader stays with one task, since a reader is for one thread at a time."""
        by_clip: dict[str, list[int]] = {}
        for k, sample in enumerate(samples):
            by_clip.setdefault(sample.clip_id, []).append(k)

        def read_clip(clip_id: str) -> None:
            for k in by_clip[clip_id]:
                self.read_window(clip_id, samples[k].source_frame, out=frames[k])

        if len(by_clip) == 1 or self._cores < 2:
            for clip_id in by_clip:
                read_clip(clip_id)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=min(8, self._cores), thread_name_prefix="gather")
        for future in [self._pool.submit(read_clip, clip_id) for clip_id in by_clip]:
            future.result()  # re-raises a reader's MediaError here, in the caller's thread

    def gather(self, n: int) -> Gathered:
        """The synthesizer's input for output frame ``n`` (sources with importance 0 are dropped)."""
        pins = frame_pins(self.project, n)
        wanted = pinned_at_min(pins)  # a min pin brings its clip in even where its importance is 0
        samples = [s for s in frame_sources(self.project, n) if s.importance > 0 or s.clip_index in wanted]
        engine = self.project.settings.engine
        guide_id = engine.guide_clip if getattr(engine, "mode", "free") == "guide" else None
        guide = None
        guide_cut = False
        if guide_id is not None:
            guide_samples = [s for s in samples if s.clip_id == guide_id]
            if guide_samples:
                # Structure from the guide, appearance from the others; alone, the guide is its own source.
                guide = self._read(guide_id, guide_samples[0].source_frame)
                others = [s for s in samples if s.clip_id != guide_id]
                guide_cut = others != [] and self.new_shots(n, guide_samples[:1]) is not None
                samples = others or guide_samples
        if not samples:
            return Gathered(n, None, np.zeros(0, np.int64), ())
        t = 2 * self.window + 1
        w, h = self.size
        frames = np.empty((len(samples), t, h, w, 3), np.uint8)  # (K, T, H, W, 3)
        self._read_all(samples, frames)
        importance = np.array([s.importance for s in samples], np.float32)
        indices = np.array([self.clip_index[s.clip_id] for s in samples], np.int64)
        placements = tuple(s.placement_id for s in samples)
        valid = np.array([self.content_box(s.clip_id) for s in samples], np.int32)
        pinned = apply_pins(pins, indices, importance, len(self.project.clips)) if pins else None
        bounds = None
        if pinned is not None:  # the shares the synthesizer must show (importance: only a pinned clip's 0)
            importance, bounds = pinned.importance, pinned.bounds
        prior = self.masks.prior(n, samples)
        new_shot = self.new_shots(n, samples)
        if guide_cut:  # the guide's structure is the output's: a cut in it is a cut of every source's state
            new_shot = np.ones(len(samples), bool)
        inp = SynthInput(
            frames=frames,
            importance=importance,
            guide=guide,
            sources=placements,
            valid=valid,
            bounds=bounds,
            prior=prior,
            new_shot=new_shot,
        )
        read = np.array([self.window_frames(s.clip_id, s.source_frame) for s in samples], np.int64)
        return Gathered(n, inp, indices, placements, read)


_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class DecodeAhead:
    """Gathers frames ``frames`` in a worker thread, at most ``maxsize`` ahead of the consumer.

    Iterate it to get :class:`Gathered` in order. An exception in the thread is re-raised by the iterator;
    ``close()`` (also on ``with`` exit) stops the thread promptly and joins it, so no thread outlives the job.
    """

    def __init__(
        self,
        gatherer: SourceGatherer,
        frames: Iterable[int],
        *,
        cancel: CancelToken | None = None,
        maxsize: int = 8,
    ) -> None:
        self._gatherer = gatherer
        self._frames = frames
        self._cancel = cancel
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="studio-decode", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        """Blocks while the queue is full, but gives up as soon as the consumer stops listening."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for n in self._frames:
                if self._stop.is_set() or (self._cancel is not None and self._cancel.cancelled):
                    return
                if not self._put(self._gatherer.gather(n)):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it in its own thread
            self._put(_Failure(exc))

    def __iter__(self) -> Iterator[Gathered]:
        while True:
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._cancel is not None and self._cancel.cancelled:
                    raise Cancelled() from None
                if not self._thread.is_alive() and self._queue.empty():
                    raise Cancelled() from None  # the thread was stopped by close() from elsewhere
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def close(self) -> None:
        self._stop.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join()

    def __enter__(self) -> DecodeAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_placed_cuts(project: Project, warn: Callable[[str], None]) -> Iterator[None]:
    """Find the scene cuts of every placed clip not analysed yet, yielding every ~0.1 s of decoding (a render
    reports and can be stopped there). The window finds them on import; a render from the CLI may be the
    first to look, and the temporal window and the stability never cross a cut only where it is known: a
    clip with cuts in it would smear one shot into the next. A decode at analysis size per clip, once per
    file version (``studio.media.shot_cache``); stopping stores nothing."""
    used = {p.clip_id for p in project.placements}
    for clip in project.clips:
        if clip.id not in used or not Path(clip.path).is_file() or cached_cuts(clip.path) is not None:
            continue
        yield None  # a clip's search is starting: said (and can be stopped) before its decode
        search = find_cuts(clip.path)
        try:
            for _fraction in search:
                yield None
        except MediaError as exc:  # unreadable frames are said again with their timecode, if they are
            warn(f"{clip.name}: its scene cuts could not be found ({exc}); it renders as one shot")
        finally:
            search.close()
