"""The window's side of the preview's sound: tells the mixing thread (``studio.engine.audio_feed``) what the
playback controller will show, and lets the sound's clock pace the picture.

- Play at 1x or 2x: when the controller's clock starts (``clockStarted``) the feed starts at the frame on
  screen, and every frame that becomes ready to show (rendered, next in the playback's order) is handed on,
  so a frame is heard only once it can be seen. The controller's clock (an ``AudioClock``) then follows
  the samples the device has played: the picture follows the sound, within a frame.
- Other speeds and reverse: muted (the controller's clock is the wall's again). 2x keeps its pitch.
- A seek while paused: an 80 ms snippet at the new frame (scrub audio).
- Gains: each frame's real shares as the engine delivers them (``frameArrived``), the expected shares before.
- The device opens on the feed's thread the first time sound is wanted; until it is open the picture runs
  on the wall clock, and it joins the sound where the picture is then. No device: silent, said once
  (``unavailable``). The clips' sound is decoded by jobs (``studio.ui.jobs``), once per file version.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from studio.engine.audio_feed import AudioFeed, SinkFactory
from studio.engine.audio_preview import PREVIEW_RATE
from studio.engine.audio_ring import AudioClock
from studio.ui.audio.meter import UPDATE_MS, LevelMeter
from studio.ui.engine.snapshot import snapshot
from studio.ui.jobs import FunctionJob
from studio.ui.viewer.playback import PlaybackController

log = logging.getLogger(__name__)

AUDIBLE_RATES = (1, 2)  # faster, and every reverse speed, is muted
CHANNELS = 2


def _file_key(path: Path) -> tuple[int, int] | None:
    """(size, mtime) of a clip's file: a replaced or edited file is decoded again."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _decode(path: Path, key: tuple[int, int]) -> tuple[Path, tuple[int, int], np.ndarray | None]:
    """On a job's thread: the clip's sound at the preview's rate (None when it cannot be read)."""
    from studio.media import decode_audio

    try:
        return path, key, decode_audio(path, sample_rate=PREVIEW_RATE, channels=CHANNELS)
    except Exception as exc:  # MediaError mostly: that clip is silent, the others still sound
        log.info("no preview sound for %s: %s", path.name, exc)
        return path, key, None


class AudioPreview(QObject):
    unavailable = Signal(str)  # once: why the preview is silent (for the status bar)
    _device_state = Signal(bool, str)  # emitted on the feed's thread, received queued here

    def __init__(
        self,
        playback: PlaybackController,
        parent: QObject | None = None,
        *,
        sink_factory: SinkFactory | None = None,
    ) -> None:
        super().__init__(parent)
        if sink_factory is None:
            from studio.ui.audio.device import open_device as sink_factory
        self.pb = playback
        clock = playback.timebase
        self.clock = clock if isinstance(clock, AudioClock) else None  # else the sound follows, unsynced
        self.feed = AudioFeed(sink_factory, sample_rate=PREVIEW_RATE, channels=CHANNELS)
        self.feed.on_state = self._device_state.emit
        self._device_state.connect(self._on_device_state)
        self.meter: LevelMeter | None = None
        self.engaged = False  # the feed is playing what the controller plays
        self.resyncs = 0  # times the sound was started again where the picture was (it had lost it)
        self._last: int | None = None  # the last frame handed to the feed
        self._clock_running = False
        self._woken = False  # sound has been wanted once: the device is (being) opened
        self._decoding_on = (
            False  # the clips' sound is decoded (from the engine being ready, or sound wanted)
        )
        self._said = False
        self._project: Any = None
        self._audio: dict[Path, tuple[tuple[int, int], np.ndarray]] = {}
        self._decoding: set[tuple[Path, tuple[int, int]]] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # decoding is a background chore: one file at a time
        self._jobs: list[FunctionJob] = []
        self._scrub = QTimer(self)
        self._scrub.setSingleShot(True)
        self._scrub.setInterval(0)  # after the event that moved the playhead: a play's own seek is no scrub
        self._scrub.timeout.connect(self._snippet)
        self._meter_timer = QTimer(self)
        self._meter_timer.setInterval(UPDATE_MS)
        self._meter_timer.timeout.connect(self._show_level)
        playback.clockStarted.connect(self._on_clock_started)
        playback.playingChanged.connect(self._on_playing)
        playback.frameArrived.connect(self._on_frame_arrived)
        playback.frameShown.connect(self._on_frame_shown)
        playback.positionChanged.connect(self._on_position)
        playback.host.engineReady.connect(self._start_decoding)  # the window is up and idle

    @property
    def decoded(self) -> int:
        """Clips whose sound is decoded and handed to the mixer."""
        return len(self._audio)

    # ---- from the window --------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        self._project = project
        self.feed.set_project(snapshot(project))
        self._decode_missing()

    def set_gates(self, muted: frozenset[str], solo: frozenset[str]) -> None:
        self.feed.set_gates(muted, solo)

    def set_meter(self, meter: LevelMeter) -> None:
        self.meter = meter
        if self.feed.failure is not None:
            meter.set_unavailable(self.feed.failure)

    def shutdown(self) -> None:
        """Close the device, end the feed's thread and the decoding jobs."""
        self._meter_timer.stop()
        self._scrub.stop()
        if self.clock is not None and self.clock.following:
            self.clock.release()
        self.feed.shutdown()
        for job in self._jobs:
            job.join()
        self._pool.waitForDone()

    # ---- playback ---------------------------------------------------------------------------------------
    def _on_clock_started(self, _position: int, _rate: int) -> None:
        self._clock_running = True
        self._engage()

    def _on_playing(self, playing: bool) -> None:
        if not playing:
            self._clock_running = False
            self._disengage()

    def _disengage(self) -> None:
        if self.clock is not None and self.clock.following:
            self.clock.release()
        self.engaged = False
        self._last = None
        self.feed.stop()

    def _engage(self) -> None:
        """Start the sound at the frame on screen, where the controller's clock is in it."""
        self._disengage()
        if self.pb.rate not in AUDIBLE_RATES or self.feed.failure is not None:
            return
        self._wake()
        n = self.pb.position
        into = 1.0 - (self.pb.due - self.pb.timebase()) / self.pb.period  # how far into frame n the clock is
        frames = [n, *self.pb.ready_after(n)]
        self.feed.start(self.pb.rate, frames, min(max(into, 0.0), 0.999))
        self._last = frames[-1]
        self.engaged = True
        if self.clock is not None and self.feed.ready:
            latency, lead = self.feed.sink.latency_s, self.feed.lead_s(self.pb.rate)
            self.clock.follow(self.feed.ring, PREVIEW_RATE, latency, lead)

    def _on_frame_arrived(self, n: int, record: Any) -> None:
        shares = getattr(record, "shares", None)
        if shares is not None:
            self.feed.set_shares(n, shares)
        if self.engaged and self._last is not None and n == self.pb.next_after(self._last):
            frames = [n, *self.pb.ready_after(n)]
            self.feed.extend(frames)
            self._last = frames[-1]

    def _on_frame_shown(self, n: int, _record: Any) -> None:
        """If the sound lost the picture (an in/out range changed under a play): start it again here."""
        following = self.engaged and self.clock is not None and self.clock.following
        if not following or not self.feed.ring.available:  # dry: what is heard is the end of the last sound
            return
        heard = self.clock.heard_frame()
        if heard is None:
            return
        wrapped = n <= self.pb.first + 1 and abs(heard - (self.pb.last + 1)) <= 1.5
        if abs(heard - (n + 0.5)) > 2.0 and not wrapped:
            self.resyncs += 1
            self._engage()

    def _on_position(self, _n: int) -> None:
        if not self.pb.playing:
            self._scrub.start()

    def _snippet(self) -> None:
        if self.pb.playing or self.feed.failure is not None:
            return
        self._wake()
        self.feed.snippet(self.pb.position)

    # ---- the device, the clips' sound, the meter --------------------------------------------------------
    def _wake(self) -> None:
        if self._woken:
            return
        self._woken = True
        self.feed.ensure_started()
        self._meter_timer.start()
        self._start_decoding()

    def _start_decoding(self) -> None:
        if not self._decoding_on:
            self._decoding_on = True
            self._decode_missing()

    @Slot(bool, str)
    def _on_device_state(self, ready: bool, reason: str) -> None:
        if not ready:
            self._meter_timer.stop()
            if self.meter is not None:
                self.meter.set_unavailable(reason)
            if not self._said:
                self._said = True
                self.unavailable.emit(reason)
            if self.clock is not None and self.clock.following:
                self.clock.release()
            return
        if self._clock_running and self.pb.playing:  # the picture plays already: the sound joins it here
            self._engage()

    def _decode_missing(self) -> None:
        if not self._decoding_on or self._project is None:
            return
        wanted: dict[Path, tuple[int, int]] = {}
        for clip in self._project.clips:
            key = _file_key(Path(clip.path)) if clip.has_audio and clip.online else None
            if key is not None:
                wanted[Path(clip.path)] = key
        dropped = [path for path in self._audio if path not in wanted]
        for path in dropped:
            del self._audio[path]
        for path, key in wanted.items():
            known = self._audio.get(path)
            if (known is None or known[0] != key) and (path, key) not in self._decoding:
                self._decoding.add((path, key))
                job = FunctionJob(_decode, path, key)
                job.returned.connect(self._on_decoded)
                self._jobs.append(job)
                job.start(self._pool)
        if dropped:
            self._hand_audio()

    @Slot(object)
    def _on_decoded(self, result: tuple[Path, tuple[int, int], np.ndarray | None]) -> None:
        path, key, audio = result
        self._decoding.discard((path, key))
        self._jobs = [job for job in self._jobs if not job.ended]
        if audio is not None and _file_key(path) == key:
            self._audio[path] = (key, audio)
            self._hand_audio()

    def _hand_audio(self) -> None:
        self.feed.set_audio({path: audio for path, (_key, audio) in self._audio.items()})

    def _show_level(self) -> None:
        if self.meter is not None:
            self.meter.set_level(*self.feed.ring.level)
