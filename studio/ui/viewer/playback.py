"""The GUI-side playback clock: seeks (debounced), play/pause/shuttle paced by a QTimer at the project fps.

Why on the GUI side: the display rate is a GUI concern and a QTimer never blocks; the engine renders ahead of
the playhead (up to ``AHEAD`` frames) into a small buffer here, and a tick shows the next frame only once it
has arrived, so a slow generator plays slower instead of skipping or freezing the window.
Frames are due on an absolute clock (a single-shot timer re-armed for the next due time), not a fixed
integer-millisecond interval: 24 fps is 41.67 ms, and rounding that to 42 ms would play at 23.8 fps. The
clock is a parameter (``time.perf_counter`` by default), so tests pace it themselves: a frame is shown only
once it is due on that clock, however early the timer fires.
While the engine starts (torch loading, ``EngineHost.engineStarting``) a play is held: the transport says
it plays, the clock starts when the engine is ready, and ``notice`` tells the viewer why nothing moves yet.
With sound (``studio.ui.audio``) the clock is the audio device's: ``clockStarted`` says when the frames'
due times start counting, ``ready_after`` which frames can be shown next (their sound is mixed only then).
Such a clock ``holds`` (stops while the sound waits for a frame): a late frame is then shown when the clock
moves again, which is when its sound is heard, not the moment it arrives.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from studio.ui.engine.host import EngineHost

AHEAD = 8  # frames the engine may render past the playhead while playing
SCRUB_DEBOUNCE_MS = 8  # coalesces a burst of seeks (a dragged playhead) into one render request
MAX_RATE = 4
EARLY_S = 0.0005  # a tick this close to its due time counts as on time (the timer works in whole ms)
HOLD_POLL_MS = 1  # a late frame under a clock that holds: how often to look whether the clock moves again
STARTING = "Starting the engine…"
STARTING_PLAY = "Starting the engine… playback begins once it is ready"


class PlaybackController(QObject):
    positionChanged = Signal(int)
    frameShown = Signal(int, object)  # n, RenderedFrame: what the viewer shows now
    frameArrived = Signal(int, object)  # every current frame the engine delivers (the heatmap fills in)
    playingChanged = Signal(bool)
    generationFps = Signal(float)
    refining = Signal(int)  # n: the paused frame shown (draft) is being refined to final by the engine
    notice = Signal(str)  # what the viewer says while the engine starts (STARTING...); "" once it is ready
    clockStarted = Signal(int, int)  # frame on screen, rate: frames fall due from now on (the sound starts)

    def __init__(
        self,
        host: EngineHost,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self._clock = clock  # seconds, monotonic: when frames are due
        self.position = 0
        self.total = 0
        self.fps = 24.0
        self.loop = True
        self.rate = 0  # signed shuttle speed; 0 = paused
        self.in_point: int | None = None  # I/O marks: playback loops between them when set
        self.out_point: int | None = None
        self._buffer: dict[int, Any] = {}
        self._engine_start = -1
        self._scrub_generation = -1
        self._render_ema: float | None = None
        self.stalls = 0
        self._due = 0.0  # clock time the next frame is due on screen
        self._waiting = False  # a tick found its frame missing: show it the moment it arrives
        self._held_at = 0.0  # the clock when that tick found it missing
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SCRUB_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request_current)
        host.worker.frameReady.connect(self._on_frame)
        host.worker.renderTime.connect(self._on_render_time)
        host.worker.refineStarted.connect(self._on_refine_started)
        host.engineStarting.connect(lambda: self.notice.emit(STARTING_PLAY if self.playing else STARTING))
        host.engineReady.connect(self._on_engine_ready)

    @property
    def playing(self) -> bool:
        return self.rate != 0

    @property
    def timebase(self) -> Callable[[], float]:
        """The clock frames are due on (``clock=``)."""
        return self._clock

    @property
    def due(self) -> float:
        """When the next frame is due on the clock (while playing)."""
        return self._due

    @property
    def period(self) -> float:
        """Seconds on the clock between two frames at the current rate."""
        return self._period()

    def set_timing(self, fps: float, total: int) -> None:
        self.fps = max(float(fps), 1.0)
        self.total = max(int(total), 0)
        if self.position >= self.total:
            self.position = max(self.total - 1, 0)
        self.set_range(self.in_point, self.out_point)

    # ---- seeking ----------------------------------------------------------------------------------------
    def seek(self, n: int, *, immediate: bool = False) -> None:
        """Move the playhead; the frame follows after the debounce (or now, for a single click/step)."""
        was_rate = self.rate
        if self.playing:
            self._halt()
        self.position = self._clamp(n)
        self.positionChanged.emit(self.position)
        if was_rate:
            self.play(was_rate)
        elif immediate:
            self._debounce.stop()
            self._request_current()
        else:
            self._debounce.start()

    def refresh(self) -> None:
        """Re-render what is shown (after an edit)."""
        if self.playing:
            self.play(self.rate)
        else:
            self._request_current()

    def set_range(self, in_point: int | None, out_point: int | None) -> None:
        """The I/O marks (None: the whole output); kept inside the output and in order."""
        last = max(self.total - 1, 0)
        self.in_point = None if in_point is None else min(max(int(in_point), 0), last)
        self.out_point = None if out_point is None else min(max(int(out_point), 0), last)
        if self.in_point is not None and self.out_point is not None and self.in_point > self.out_point:
            self.in_point, self.out_point = self.out_point, self.in_point

    @property
    def first(self) -> int:
        return self.in_point if self.in_point is not None else 0

    @property
    def last(self) -> int:
        return self.out_point if self.out_point is not None else max(self.total - 1, 0)

    def step(self, delta: int) -> None:
        self.pause()
        self.seek(self.position + delta, immediate=True)

    def to_start(self) -> None:
        self.seek(self.first, immediate=True)

    def to_end(self) -> None:
        self.seek(self.last, immediate=True)

    # ---- playing ----------------------------------------------------------------------------------------
    def play(self, rate: int = 1) -> None:
        if self.total <= 0:
            return
        self._halt()
        self.rate = max(-MAX_RATE, min(MAX_RATE, int(rate))) or 1
        if self.host.ready:
            self._start_clock()
        else:  # torch is still loading: frames could only stall now; the clock starts on engineReady
            self.notice.emit(STARTING_PLAY)
        self.playingChanged.emit(True)

    def _start_clock(self) -> None:
        start = self._next_position()
        if start is None:  # at the end and not looping: start over, as players do
            start = self.first if self.rate > 0 else self.last
        self._start_engine(start)
        self._due = self._clock() + self._period()
        self._arm()
        self.clockStarted.emit(self.position, self.rate)

    def _on_engine_ready(self) -> None:
        self.notice.emit("")
        if self.playing:  # a play held while the engine started
            self._start_clock()

    def _start_engine(self, start: int) -> None:
        """Have the engine render from ``start`` on; loop wraps re-issue this (the worker never wraps)."""
        direction = 1 if self.rate > 0 else -1
        self._buffer.clear()
        self._engine_start = start
        self.host.play(start, direction, False, AHEAD)

    def pause(self) -> None:
        if self.playing:
            self._halt()
            self.host.stop()
            self.playingChanged.emit(False)
            self._request_current()  # the paused frame again (cached draft, at once), so it refines to final
            if not self.host.ready:
                self.notice.emit(STARTING)  # a held play let go: no longer waiting to play

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(1)

    def shuttle(self, direction: int) -> None:
        """J/L: play that way, faster on each press; a press the other way first slows to 1x."""
        if self.rate and (self.rate > 0) == (direction > 0):
            self.play(self.rate * 2)
        else:
            self.play(direction)

    def _halt(self) -> None:
        self.rate = 0
        self._waiting = False
        self._tick.stop()
        self._buffer.clear()

    def _period(self) -> float:
        return 1.0 / (self.fps * max(abs(self.rate), 1))

    def _arm(self) -> None:
        # rounded up: a timer due in 41.67 ms fires after 42, not 41 (it never shows a frame early)
        self._tick.start(max(0, math.ceil((self._due - self._clock()) * 1000)))

    def _clamp(self, n: int) -> int:
        return min(max(int(n), 0), max(self.total - 1, 0))

    def _next_position(self) -> int | None:
        return self.next_after(self.position)

    def next_after(self, n: int) -> int | None:
        """The frame shown after frame ``n`` at the current rate (a loop wraps; None: playback ends)."""
        direction = 1 if self.rate >= 0 else -1
        n += direction
        if self.first <= n <= self.last:
            return n
        if not self.loop:
            return None
        return self.first if direction > 0 else self.last

    def ready_after(self, n: int) -> list[int]:
        """The frames to be shown after frame ``n``, in order, that the engine has rendered already."""
        ready: list[int] = []
        following = self.next_after(n)
        while following is not None and following in self._buffer and len(ready) < len(self._buffer):
            ready.append(following)
            following = self.next_after(following)
        return ready

    def catch_up(self) -> None:
        """Show the next frame now if it is due on the clock (a clock that moves in steps, as a test's, need
        not wait for the timer armed on the step before)."""
        if self.playing and self._tick.isActive():
            self._on_tick()

    def _on_tick(self) -> None:
        if self._waiting and getattr(self._clock, "holds", False) and self._clock() <= self._held_at:
            self._tick.start(HOLD_POLL_MS)  # the sound has not resumed: the frame waits for it
            return
        if not self._waiting and self._clock() < self._due - EARLY_S:
            self._arm()  # woke before the frame is due on the clock: wait for the rest
            return
        n = self._next_position()
        if n is None:
            self.pause()
            return
        if n != self.position + (1 if self.rate > 0 else -1) and n != self._engine_start:
            self._start_engine(n)  # wrapped around the loop: the engine starts over there
        record = self._buffer.pop(n, None)
        if record is None:
            self.stalls += 1  # the engine is slower than real time: hold this frame until it arrives
            self._waiting = True
            self._held_at = self._clock()
            return
        self._waiting = False
        now = self._clock()
        period = self._period()
        self._due = self._due + period if now - self._due < period / 2 else now + period  # late: re-base
        self._arm()
        self.position = n
        self._engine_start = -1  # shown: a later wrap back to this frame must restart the engine again
        direction = 1 if self.rate > 0 else -1
        self._buffer = {k: v for k, v in self._buffer.items() if (k - n) * direction > 0}  # drop passed
        if self.loop and n == (self.last if direction > 0 else self.first):
            self._preroll_lap()  # a new play of the engine, with its own horizon
        else:
            self.host.set_horizon(n + AHEAD * direction)
        self.positionChanged.emit(n)
        self.frameShown.emit(n, record)

    def _preroll_lap(self) -> None:
        """The loop's end is on screen: the engine starts the next lap now, a frame before it is due. Left to
        the wrap's own tick, the lap's first frame would only begin rendering when due, so every wrap would
        stall; and under a clock that holds (sound) the sound would wait for that frame and the clock for
        the sound, a wait that only the frame ends, so the loop must never depend on the clock reaching it."""
        start = self.first if self.rate > 0 else self.last
        self._start_engine(start)

    # ---- results ----------------------------------------------------------------------------------------
    def _request_current(self) -> None:
        if self.total > 0:
            self._scrub_generation = self.host.request_frame(self.position)

    def _on_frame(self, n: int, record: Any, generation: int) -> None:
        if not self.host.is_current(generation):
            return  # a newer seek/play superseded this frame
        self.frameArrived.emit(n, record)
        if generation == self.host.play_generation and self.playing:
            self._buffer[n] = record
            if self._waiting and n == self._next_position():
                self._on_tick()
        elif generation == self._scrub_generation and n == self.position:
            self.frameShown.emit(n, record)

    def _on_refine_started(self, n: int, generation: int) -> None:
        if self.host.is_current(generation) and generation == self._scrub_generation and n == self.position:
            self.refining.emit(n)

    def _on_render_time(self, seconds: float) -> None:
        self._render_ema = seconds if self._render_ema is None else 0.8 * self._render_ema + 0.2 * seconds
        if self._render_ema > 0:
            self.generationFps.emit(1.0 / self._render_ema)
