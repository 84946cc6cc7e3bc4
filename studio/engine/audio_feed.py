"""The preview's sound on a thread of its own: mixes what the picture will show next into the ring, which a
sound device (a ``Sink``) drains from its own callback. The GUI thread only hands it lists of frames.

Why frames: a frame's sound is mixed only once the GUI says that frame is ready to be shown (rendered, in
the playback's order: loop wraps and in/out ranges are the GUI's business). So the sound never runs ahead of
the picture: when the engine is late the ring runs dry, the device plays silence, and the audio clock
(``AudioClock``, what the playback controller paces frames by) stops until the frame comes. Mixing is a pure
function of output time (``PreviewMixer.mix``), so consecutive frames join without a seam, and a jump (a
loop's wrap) is a ~5 ms crossfade from the sound just past the old end into the new start.

Speeds: 1x as is, 2x through ``TimeStretch`` (same pitch); the GUI mutes every other speed and reverse.
A scrub snippet (``snippet``) is 80 ms of sound at a frame, faded at both ends, with no clock.
Opening the device happens here too (it can take a while: device enumeration): ``sink_factory`` raises
``AudioUnavailable`` with a reason when there is no sound; the feed then stays silent and says so once.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Protocol

import numpy as np

from studio.engine.audio_preview import PREVIEW_RATE, PreviewMixer, frame_samples
from studio.engine.audio_ring import AudioRing, TimeStretch
from studio.project.model import Project

log = logging.getLogger(__name__)

BLOCK = 1024  # samples mixed at a time (~21 ms): small enough that sound follows a frame's arrival at once
CAPACITY_S = 2.0  # the ring: more than the frames the engine renders ahead of the picture
SCRUB_S = 0.080  # the snippet a paused seek plays
FADE = 240  # samples (5 ms): the crossfade at a jump, the ramps of a snippet
IDLE_WAIT_S = 0.05  # the thread's longest sleep (to notice a ring with room again)


class AudioUnavailable(Exception):
    """No sound device can be used here; the message says why, in a few words for the status bar."""


class Sink(Protocol):
    """An open sound output draining ``pull(n, at)`` at its sample rate, on its own thread (``at``: when it
    starts playing those samples, on the audio clock's wall clock; None if it cannot say)."""

    latency_s: float  # from a sample being read to it being heard

    def close(self) -> None: ...


Pull = Callable[[int, float | None], np.ndarray]
SinkFactory = Callable[[Pull, int, int], Sink]  # (pull, sample rate, channels) -> a running sink


class _Span:
    """Output samples [start, stop) still to mix; ``jump``: it does not continue the span before it."""

    __slots__ = ("start", "stop", "jump", "fade_out")

    def __init__(self, start: int, stop: int, jump: bool, fade_out: bool = False) -> None:
        self.start, self.stop, self.jump, self.fade_out = start, stop, jump, fade_out


class _Stretched:
    """The 2x path's state: the stretcher, and which frame each stretch of its input was."""

    def __init__(self, rate: int, channels: int) -> None:
        self.stretch = TimeStretch(rate, channels)
        self.marks: deque[tuple[int, float]] = deque(maxlen=64)  # (input index, frame)
        self.pushed = 0


class AudioFeed:
    """Everything but the device's callback runs here, on one thread; every method returns at once."""

    def __init__(
        self, sink_factory: SinkFactory, *, sample_rate: int = PREVIEW_RATE, channels: int = 2
    ) -> None:
        self.sample_rate, self.channels = int(sample_rate), int(channels)
        self.ring = AudioRing(channels, round(CAPACITY_S * sample_rate), sample_rate)
        self._sink_factory = sink_factory
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.sink: Sink | None = None
        self.failure: str | None = None  # why there is no sound (AudioUnavailable's message)
        self.on_state: Callable[[bool, str], None] | None = None  # (sink ready, reason): from this thread
        # Handed over by the GUI, taken by the thread (under _cond):
        self._project: Project | None = None
        self._project_changed = False
        self._audio: dict[Path, np.ndarray] = {}
        self._audio_changed = False
        self._shares: deque[tuple[int, np.ndarray]] = deque()
        self._gates: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        self._gates_changed = False
        self._spans: deque[_Span] = deque()
        self._rate = 1
        self._stretch: _Stretched | None = None
        self._busy = False  # the thread is mixing a block it took
        self._last_frame: int | None = None  # the last frame scheduled (extend continues from it)
        self._fps = 24.0
        self._generation = self.ring.generation
        self._mixer: PreviewMixer | None = None

    # ---- from the GUI thread ----------------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start the thread (it opens the device first); nothing if it runs or is shut down."""
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._run, name="audio-feed", daemon=True)
            self._thread.start()

    def lead_s(self, rate: int) -> float:
        """How far the picture must lead the sound at ``rate`` (the 2x stretch's held-back output)."""
        return 0.0 if rate == 1 else TimeStretch.held_back(rate) / self.sample_rate

    @property
    def ready(self) -> bool:
        """The device is open and draining the ring."""
        return self.sink is not None

    def set_project(self, project: Project) -> None:
        """A copy of the project (the thread rebuilds its mixer; real shares start over as expected ones)."""
        with self._cond:
            self._project, self._project_changed = project, True
            self._fps = float(project.settings.fps)
            self._shares.clear()
            self._cond.notify()

    def set_audio(self, audio: Mapping[Path, np.ndarray]) -> None:
        with self._cond:
            self._audio, self._audio_changed = dict(audio), True
            self._cond.notify()

    def set_shares(self, n: int, shares: np.ndarray) -> None:
        with self._cond:
            self._shares.append((int(n), np.asarray(shares, np.float32)))

    def set_gates(self, muted: Collection[str], solo: Collection[str]) -> None:
        with self._cond:
            self._gates, self._gates_changed = (frozenset(muted), frozenset(solo)), True
            self._cond.notify()

    @property
    def gates(self) -> tuple[frozenset[str], frozenset[str]]:
        """(muted, soloed) clip ids, as last given."""
        return self._gates

    def start(self, rate: int, frames: list[int], offset: float = 0.0) -> None:
        """Play ``frames`` (output frames, in the order shown; more come by ``extend``) at ``rate`` (1 or 2),
        from ``offset`` (0..1) into the first; what was waiting is dropped and the clock starts over."""
        with self._cond:
            self._reset(rate)
            if frames:
                first = frames[0]
                self._spans.append(self._span(first + offset, first + 1, jump=False))
                self._last_frame = first
                self._schedule(frames[1:])
            self._cond.notify()

    def extend(self, frames: list[int]) -> None:
        """The next frames to be shown, after those already given."""
        with self._cond:
            self._schedule(frames)
            self._cond.notify()

    def snippet(self, frame: int) -> None:
        """80 ms of sound from ``frame`` (a paused seek), faded in and out; drops what was waiting."""
        with self._cond:
            self._reset(1)
            a = frame_samples(frame, self._fps, self.sample_rate)
            self._spans.append(_Span(a, a + round(SCRUB_S * self.sample_rate), jump=False, fade_out=True))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._reset(1)

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        """End the thread (closing the device); True once it has ended."""
        with self._cond:
            self._stopping = True
            self._spans.clear()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout_s)
            return not self._thread.is_alive()
        return True

    @property
    def scheduled(self) -> int:
        """Samples still to mix (0: the thread has caught up with everything it was given)."""
        with self._cond:
            return sum(s.stop - s.start for s in self._spans) + int(self._busy)

    # ---- the device's callback (its own thread) ---------------------------------------------------------
    def pull(self, n: int, at: float | None = None) -> np.ndarray:
        block = self.ring.read(n, at)
        # Wake the mixer if it waits for room, never waiting for the lock here (it would be a dropout).
        if self.ring.space >= BLOCK and self._cond.acquire(blocking=False):
            self._cond.notify()
            self._cond.release()
        return block

    # ---- under _cond ------------------------------------------------------------------------------------
    def _reset(self, rate: int) -> None:
        self._generation = self.ring.flush()
        self._spans.clear()
        self._rate = int(rate)
        self._stretch = _Stretched(rate, self.channels) if rate != 1 else None
        self._last_frame = None

    def _span(self, a: float, b: float, jump: bool) -> _Span:
        rate = self.sample_rate
        return _Span(frame_samples(a, self._fps, rate), frame_samples(b, self._fps, rate), jump)

    def _schedule(self, frames: list[int]) -> None:
        for n in frames:
            if self._spans and self._last_frame is not None and n == self._last_frame + 1:
                self._spans[-1].stop = frame_samples(n + 1, self._fps, self.sample_rate)
            else:
                self._spans.append(self._span(n, n + 1, jump=self._last_frame is not None))
            self._last_frame = n

    # ---- the thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.sink = self._sink_factory(self.pull, self.sample_rate, self.channels)
        except AudioUnavailable as exc:
            self._fail(str(exc))
            return
        except Exception as exc:  # a device library's own error: still only "no sound"
            self._fail(f"{type(exc).__name__}: {exc}")
            return
        if self.on_state is not None:
            self.on_state(True, "")
        try:
            self._loop()
        finally:
            try:
                self.sink.close()
            except Exception:
                log.exception("closing the sound device")

    def _fail(self, reason: str) -> None:
        self.failure = reason
        log.info("no sound in the preview: %s", reason)
        if self.on_state is not None:
            self.on_state(False, reason)

    def _loop(self) -> None:
        previous_end: int | None = None  # where the last mixed span ended (a jump crossfades from there)
        while True:
            with self._cond:
                while not self._stopping and not self._work_ready():
                    self._cond.wait(IDLE_WAIT_S)
                if self._stopping:
                    return
                updates = self._take_updates()
            self._apply(*updates)  # outside the lock: a new mixer takes a while to build
            with self._cond:
                job = self._next_job() if self._mixer is not None else None
                self._busy = job is not None
                generation, rate, stretched = self._generation, self._rate, self._stretch
            if job is None or self._mixer is None:
                continue
            a, b, jump, fade_out = job
            block = self._mixer.mix(a, b)
            if jump and previous_end is not None:  # from the sound just past the old end into the new start
                tail = self._mixer.mix(previous_end, previous_end + FADE)
                n = min(FADE, block.shape[1])
                ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
                block[:, :n] = block[:, :n] * ramp + tail[:, :n] * ramp[::-1]
            if fade_out:
                n = min(FADE, block.shape[1])
                block[:, :n] *= np.linspace(0.0, 1.0, n, dtype=np.float32)
                block[:, -n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
            previous_end = b
            self._deliver(block, a * self._fps / self.sample_rate, rate, generation, stretched)
            with self._cond:
                self._busy = False

    def _work_ready(self) -> bool:
        if self._project_changed or self._audio_changed or self._gates_changed or self._shares:
            return True
        return bool(self._spans) and self.ring.space >= BLOCK and self._mixer is not None

    def _take_updates(self) -> tuple:
        """What the GUI handed over since the last look (under the lock): project, sound, gates, shares."""
        project = self._project if self._project_changed else None
        audio = self._audio if self._audio_changed or project is not None else None
        gates = self._gates if self._gates_changed or project is not None else None
        self._project_changed = self._audio_changed = self._gates_changed = False
        shares = list(self._shares)
        self._shares.clear()
        return project, audio, gates, shares

    def _apply(
        self,
        project: Project | None,
        audio: Mapping[Path, np.ndarray] | None,
        gates: tuple[frozenset[str], frozenset[str]] | None,
        shares: list[tuple[int, np.ndarray]],
    ) -> None:
        if project is not None:
            self._mixer = PreviewMixer(project, audio, sample_rate=self.sample_rate, channels=self.channels)
        elif audio is not None and self._mixer is not None:
            self._mixer.set_audio(audio)
        if self._mixer is None:
            return
        if gates is not None:
            self._mixer.set_gates(*gates)
        for n, row in shares:
            self._mixer.set_shares(n, row)

    def _next_job(self) -> tuple[int, int, bool, bool] | None:
        if not self._spans or self.ring.space < BLOCK:
            return None
        span = self._spans[0]
        a = span.start
        b = min(span.stop, a + BLOCK)
        jump = span.jump and a == span.start
        span.jump = False
        fade_out = span.fade_out
        span.start = b
        if span.start >= span.stop:
            self._spans.popleft()
        elif fade_out:  # a snippet is short: mix it whole, so its fades are at its ends
            b, span.start = span.stop, span.stop
            self._spans.popleft()
        return a, b, jump, fade_out

    def _deliver(
        self, block: np.ndarray, frame: float, rate: int, generation: int, stretched: _Stretched | None
    ) -> None:
        per_sample = self._fps / self.sample_rate
        if stretched is None:
            self.ring.write(block, frame, per_sample, generation)
            return
        stretched.marks.append((stretched.pushed, frame))
        stretched.pushed += block.shape[1]
        before = stretched.stretch.consumed
        out = stretched.stretch.push(block)
        if out.shape[1]:  # the output's first sample plays input ~`before`: the frame of that input
            index, first = next(((i, f) for i, f in reversed(stretched.marks) if i <= before), (0, frame))
            self.ring.write(out, first + (before - index) * per_sample, rate * per_sample, generation)
