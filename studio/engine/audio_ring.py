"""What carries the preview's sound to a device: a ring buffer between the mixing thread and the device's
callback, a pitch-keeping 2x time-stretch, the audio clock, and a device that plays nothing (tests,
machines without sound). Qt-free, numpy only.

The ring counts what the device really played (``played``: samples of sound read, not the silence it gets
when the ring runs dry): that count is the audio clock the picture follows (``AudioClock``). So
when the sound waits (the engine has not rendered the next frame yet, and the sound of a frame is mixed only
once its picture exists) the clock waits with it, and picture and sound stay together. Each block written
carries the output frame its first sample belongs to, so where the sound is can be asked in frames.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

RAMP = 64  # samples (~1.3 ms): the fade where the sound stops short (the ring ran dry) or resumes


class AudioRing:
    """A bounded FIFO of (C, n) float32 sound: one writer thread, one reader (the device's callback)."""

    def __init__(self, channels: int, capacity: int, sample_rate: int = 48000) -> None:
        self.channels, self.capacity, self.sample_rate = int(channels), int(capacity), int(sample_rate)
        self._buf = np.zeros((self.channels, self.capacity), np.float32)
        self._lock = threading.Lock()
        self._read = 0  # total samples read / written since the start (ring index = total % capacity)
        self._write = 0
        self._marks: deque[tuple[int, float, float]] = deque(
            maxlen=256
        )  # (total index, frame, frames/sample)
        self._resume = False  # the last read ran dry: fade the next sound in
        self.generation = 0  # bumped by flush(): a block mixed before a flush is not written after it
        self.played = 0  # samples of sound read since the last flush (the audio clock), minus a kept tail
        # The last reads of sound, for devices that say when they play them: (when the first sample plays,
        # on the audio clock's wall clock; played before it; samples of sound). ~1 s at 512 a read.
        self._reads: deque[tuple[float, int, int]] = deque(maxlen=96)
        self.level = (0.0, 0.0)  # (peak, rms) of the last block read: the level meter

    @property
    def available(self) -> int:
        return self._write - self._read

    @property
    def space(self) -> int:
        return self.capacity - (self._write - self._read)

    def write(self, block: np.ndarray, frame: float, per_sample: float, generation: int) -> bool:
        """Append ``block`` (C, n), whose first sample is output frame ``frame`` advancing ``per_sample``
        frames a sample; False (nothing written) when it does not fit or was mixed before a flush."""
        n = block.shape[1]
        with self._lock:
            if generation != self.generation or n > self.space:
                return False
            if n:
                self._put(self._write, block)
                self._marks.append((self._write, float(frame), float(per_sample)))
                self._write += n
            return True

    def read(self, n: int, at: float | None = None) -> np.ndarray:
        """(C, n): the next ``n`` samples, silence where the ring has none; sound that stops short of ``n`` is
        faded out (and faded in where it resumes), so running dry does not click. ``at``: when the device
        starts playing these (its clock: the audio clock's wall), so the clock can tell where it is between
        two reads."""
        out = np.zeros((self.channels, n), np.float32)
        with self._lock:
            got = min(n, self._write - self._read)
            if got:
                out[:, :got] = self._get(self._read, got)
                self._read += got
                self.played += got
                if at is not None:
                    self._reads.append((at, self.played - got, got))
        if got and self._resume:
            ramp = min(got, RAMP)
            out[:, :ramp] *= np.linspace(0.0, 1.0, ramp, dtype=np.float32)
        self._resume = got < n
        if got and got < n:
            ramp = min(got, RAMP)
            out[:, got - ramp : got] *= np.linspace(1.0, 0.0, ramp, dtype=np.float32)
        if n:
            self.level = (float(np.abs(out).max()), float(np.sqrt(np.mean(np.square(out)))))
        return out

    def flush(self, keep: int = RAMP) -> int:
        """Drop what is waiting but its first ``keep`` samples, faded out (a pause does not click); reset the
        played count so that it reads 0 once those are played. Returns the new generation."""
        with self._lock:
            kept = min(keep, self._write - self._read)
            if kept:
                tail = self._get(self._read, kept) * np.linspace(1.0, 0.0, kept, dtype=np.float32)
                self._put(self._read, tail)
            self._write = self._read + kept
            self.played = -kept
            self._reads.clear()
            self.generation += 1
            return self.generation

    def played_by(self, when: float) -> float | None:
        """Samples of sound the device had played out by time ``when`` (its reads' times: each sample of a
        read plays 1/rate after the one before, and silence between reads is not counted); None when the
        device does not say when it reads."""
        with self._lock:
            if not self._reads:
                return None if self.played > 0 else float(self.played)
            for at, before, got in reversed(self._reads):
                if at <= when:
                    return before + min(float(got), (when - at) * self.sample_rate)
            return float(self._reads[0][1])

    def frame_at(self, lag: int = 0) -> float | None:
        """The output frame of the sample played ``lag`` samples ago (the one heard now, with the device's
        latency), continuous (frame + fraction); None before any sound was played since the flush."""
        with self._lock:
            index = self._read - 1 - lag
            if self.played - lag <= 0:
                return None
            for start, frame, per_sample in reversed(self._marks):
                if start <= index:
                    return frame + (index + 1 - start) * per_sample
        return None

    def _put(self, at: int, block: np.ndarray) -> None:
        i, n = at % self.capacity, block.shape[1]
        first = min(n, self.capacity - i)
        self._buf[:, i : i + first] = block[:, :first]
        self._buf[:, : n - first] = block[:, first:]

    def _get(self, at: int, n: int) -> np.ndarray:
        i = at % self.capacity
        first = min(n, self.capacity - i)
        return np.concatenate([self._buf[:, i : i + first], self._buf[:, : n - first]], axis=1)


class TimeStretch:
    """Plays sound ``rate`` times faster at its own pitch: WSOLA (waveform-similarity overlap-add).

    Windows of 2 x ``HOP`` samples are taken from the input every ``rate`` x ``HOP`` and overlap-added every
    ``HOP``; each is shifted by up to ``TOLERANCE`` samples to where it best continues the last one
    (cross-correlation, on a decimated copy to keep it cheap), so periodic sound keeps its phase and
    nothing warbles. Streaming: ``push`` input, get the output that is complete; output sample j plays
    input sample ~ rate x j.
    """

    HOP = 512  # output samples per window step (~11 ms at 48 kHz); windows are twice that
    TOLERANCE = 256  # how far a window may move to line up with the last one
    DECIMATE = 4  # the correlation looks at every 4th sample

    def __init__(self, rate: float, channels: int) -> None:
        self.rate = float(rate)
        self.channels = int(channels)
        size = 2 * self.HOP
        self._window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size)).astype(np.float32)
        self._input = np.zeros((self.channels, 0), np.float32)
        self._origin = 0  # input index of self._input[:, 0]
        self._tail = np.zeros((self.channels, self.HOP), np.float32)
        self._previous: int | None = None  # where the last window began
        self._k = 0  # windows placed

    @classmethod
    def held_back(cls, rate: float) -> int:
        """The most output samples that wait for input still to come: the picture may lead by as much."""
        return round((cls.TOLERANCE + 2 * cls.HOP) / rate) + cls.HOP

    @property
    def consumed(self) -> int:
        """Input samples the output so far stands for (rate x output length)."""
        return round(self._k * self.HOP * self.rate)

    def push(self, block: np.ndarray) -> np.ndarray:
        """Add input (C, n); returns the output (C, m), m a multiple of HOP, that no later input changes."""
        self._input = np.concatenate([self._input, block.astype(np.float32, copy=False)], axis=1)
        size, hop, tol = 2 * self.HOP, self.HOP, self.TOLERANCE
        out = []
        while True:
            nominal = round(self._k * hop * self.rate)
            end = self._origin + self._input.shape[1]
            if nominal + tol + size > end:
                break
            at = nominal if self._previous is None else self._best(nominal)
            segment = self._slice(at, size) * self._window
            out.append(self._tail + segment[:, :hop])
            self._tail = segment[:, hop:].copy()
            self._previous = at
            self._k += 1
            keep_from = min(round(self._k * hop * self.rate) - tol, at + hop)  # what the next window may read
            drop = max(0, keep_from - self._origin)
            self._input = self._input[:, drop:]
            self._origin += drop
        return np.concatenate(out, axis=1) if out else np.zeros((self.channels, 0), np.float32)

    def _slice(self, at: int, n: int) -> np.ndarray:
        i = at - self._origin
        return self._input[:, i : i + n]

    def _best(self, nominal: int) -> int:
        """The start within ``nominal`` +- TOLERANCE whose window best continues the last window."""
        assert self._previous is not None
        size, tol, d = 2 * self.HOP, self.TOLERANCE, self.DECIMATE
        lo = max(self._origin, nominal - tol)
        natural = self._slice(self._previous + self.HOP, size).sum(axis=0)[::d]
        region = self._slice(lo, nominal + tol - lo + size).sum(axis=0)[::d]
        if natural.size == 0 or region.size < natural.size:
            return nominal
        scores = np.correlate(region, natural, mode="valid")
        return lo + int(np.argmax(scores)) * d


class NullSink:
    """A sound device that plays nothing: reads the feed at the sample rate of ``clock`` whenever ``pump``
    is called (a test's fake clock), so playback with sound can be timed where there is no device."""

    def __init__(
        self,
        pull: Callable[[int, float | None], np.ndarray],
        sample_rate: int,
        clock: Callable[[], float],
        latency_s: float = 0.0,  # what it says its latency is (the audio clock takes it off)
    ) -> None:
        self._pull, self.sample_rate, self._clock = pull, sample_rate, clock
        self.latency_s = latency_s
        self._start = clock()
        self.consumed = 0
        self.closed = False

    def pump(self) -> np.ndarray:
        """Read what is due by now on the clock, as a device would have; returns it (C, n)."""
        due = max(int((self._clock() - self._start) * self.sample_rate) - self.consumed, 0)
        at = self._start + self.consumed / self.sample_rate  # when the first of these was due
        self.consumed += due
        return self._pull(due, at)

    def close(self) -> None:
        self.closed = True


class AudioClock:
    """The playback controller's clock (seconds): the device's while the preview's sound plays, the wall's
    otherwise; continuous and never going back across the switches.

    Following the sound, it is where the sound being heard is: the samples of sound the device had played
    out a latency ago (``AudioRing.played_by``: between two reads too, and not counting the silence it got
    while the ring was dry, so the clock stops then, at the end of the sound, where the next frame is due).
    A device that does not say when it reads: the samples read less the latency. ``lead_s``: a
    time-stretch's output that waits for input not given yet; the clock runs that much ahead so that
    waiting cannot hold it."""

    def __init__(self, wall: Callable[[], float] = time.perf_counter) -> None:
        self._wall = wall
        self._offset = 0.0  # wall-clock value = wall() + offset
        self._ring: AudioRing | None = None
        self._rate = 48000  # replaced by follow()
        self._latency = 0.0
        self._lead = 0.0
        self._anchor = 0.0
        self._last = -float("inf")

    @property
    def following(self) -> bool:
        return self._ring is not None

    @property
    def holds(self) -> bool:
        """It stops while the sound waits for a frame (following the sound): the playback controller shows
        a late frame once the clock moves again (its sound is heard), not as it arrives."""
        return self._ring is not None

    def __call__(self) -> float:
        wall = self._wall()
        if self._ring is None:
            value = wall + self._offset
        else:
            heard = self._heard(wall) / self._rate + self._lead
            value = self._anchor + max(0.0, heard)
        self._last = max(self._last, value)
        return self._last

    def _heard(self, wall: float) -> float:
        """Samples of sound heard by now (since the ring's last flush)."""
        assert self._ring is not None
        played = self._ring.played_by(wall - self._latency)
        return self._ring.played - self._latency * self._rate if played is None else played

    def heard_frame(self) -> float | None:
        """The output frame being heard now; None when not following or nothing was heard yet."""
        if self._ring is None:
            return None
        return self._ring.frame_at(max(0, round(self._ring.played - self._heard(self._wall()))))

    def follow(self, ring: AudioRing, sample_rate: int, latency_s: float, lead_s: float = 0.0) -> None:
        """From now on the clock is the sound's (its played count was just reset)."""
        self._anchor = self()
        self._ring, self._rate = ring, int(sample_rate)
        self._latency, self._lead = max(0.0, float(latency_s)), max(0.0, float(lead_s))

    def release(self) -> None:
        """Back to the wall clock, from where the sound's clock was."""
        now = self()
        self._ring = None
        self._offset = now - self._wall()
