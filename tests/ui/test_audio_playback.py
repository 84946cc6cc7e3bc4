"""Sound while previewing, against the real preview engine and a null sound device on a fake clock (no
device needed): picture and sound within one frame over a minute of playback, 2x heard, faster and reverse
muted, a paused seek's 80 ms snippet (and the level meter showing it), and no device: silent, said once.

Nothing waits on the wall clock: the test advances the clock the device plays by, pumps the device, and
asks the controller to catch up with its clock; where the sound has run dry and the next frame is due (the
engine has not rendered it yet) it waits for the feed to have sound again, which only that frame can bring."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from studio.engine.audio_feed import AudioUnavailable
from studio.engine.audio_ring import AudioClock, NullSink
from studio.project import load_project
from studio.ui.audio.meter import LevelMeter
from studio.ui.audio.preview import AudioPreview
from studio.ui.engine.host import EngineHost
from studio.ui.viewer.playback import PlaybackController
from tests.ui.test_playback import ManualClock, crossfade

RATE = 48000


class NullDevice:
    """A sink factory: a null device on the test's clock; ``sink`` is the one it made."""

    def __init__(self, clock: ManualClock, latency_s: float = 0.0) -> None:
        self.clock, self.latency_s = clock, latency_s
        self.sink: NullSink | None = None

    def __call__(self, pull, sample_rate, _channels):  # noqa: ANN001, ANN204
        self.sink = NullSink(pull, sample_rate, self.clock, self.latency_s)
        return self.sink


class Rig:
    """The playback controller on an audio clock over the test's clock, the preview's sound, the device."""

    def __init__(self, project_file: Path, factory=None, latency_s: float = 0.0) -> None:  # noqa: ANN001
        self.clock = ManualClock()
        self.device = NullDevice(self.clock, latency_s)
        self.host = EngineHost(renderer_factory=crossfade, refine=False)
        self.project = load_project(project_file)  # 12 frames at 12 fps, clip 2 has sound; both placed
        self.host.update_project(self.project)
        self.pb = PlaybackController(self.host, clock=AudioClock(wall=self.clock))
        s = self.project.settings
        self.pb.set_timing(s.fps, s.frame_count)
        self.preview = AudioPreview(self.pb, sink_factory=factory or self.device)
        self.shown: list[int] = []
        self.pb.frameShown.connect(lambda n, _record: self.shown.append(n))
        self.preview.set_project(self.project)
        self.ring = self.preview.feed.ring
        self.latency_s = latency_s
        # Each pump: (clock before, clock after, samples of sound read, samples read, frame of the last sound)
        self.pumps: list[tuple[float, float, int, int, float | None]] = []
        self.host.start()

    def open_device(self, qtbot) -> None:  # noqa: ANN001
        """A paused seek wants sound: the device opens (on the feed's thread), clips are decoded."""
        self.pb.seek(1, immediate=True)
        qtbot.waitUntil(lambda: self.preview.feed.ready and self.preview.decoded > 0, timeout=30000)

    def step(self, qtbot, seconds: float) -> np.ndarray:  # noqa: ANN001
        """The device plays ``seconds`` more; the picture catches up with the sound's clock."""
        before, count = self.clock.now, self.ring.played
        self.clock.advance(seconds)
        played = self.device.sink.pump()
        sound = self.ring.played - count
        self.pumps.append(
            (before, self.clock.now, sound, played.shape[1], self.ring.frame_at() if sound else None)
        )
        QApplication.processEvents()
        self.pb.catch_up()
        due = self.pb.playing and self.pb.timebase() >= self.pb.due - 0.001  # not waiting for the clock
        if due and self.preview.engaged and self.ring.available == 0:
            qtbot.waitUntil(lambda: self.ring.available > 0, timeout=30000)  # only the engine can help now
        return played

    def heard(self) -> float | None:
        """The frame being heard now: what the device read ``latency`` ago (None: silence then). A pump
        reads its sound first, then silence if the ring ran dry, at the sample rate of the clock."""
        target = self.clock.now - self.latency_s
        for before, after, sound, read, last in reversed(self.pumps):
            if before < target <= after:
                into = (target - before) / (after - before) * read  # samples into this pump
                if last is None or into > sound + 1e-6:
                    return None
                return last - (sound - into) * 12.0 / RATE
        return None

    def close(self) -> None:
        self.pb.pause()
        self.preview.shutdown()
        assert self.host.shutdown()


@pytest.fixture()
def rig(qtbot, project_file: Path):  # noqa: ANN001
    made = Rig(project_file)
    yield made
    made.close()


def lag(heard: float, shown: int, frames: int) -> float:
    """Frames the sound is ahead of the picture, across a loop's wrap (frames: the loop's length)."""
    d = (heard - shown) % frames
    return d - frames if d > frames / 2 else d


@pytest.mark.parametrize("latency_s", [0.0, 0.05])
def test_picture_and_sound_stay_within_one_frame_over_a_minute(qtbot, project_file, latency_s) -> None:  # noqa: ANN001
    """The device may say it has a latency: the sound heard is then what it read that long ago. Where the
    sound ran dry (each loop wrap: the engine starts over there) nothing is heard, and nothing measured."""
    rig = Rig(project_file, latency_s=latency_s)
    pb, fps, frames = rig.pb, 12.0, 12
    try:
        rig.open_device(qtbot)
        at_shown: list[float | None] = []  # the sound's lead (frames) at each frame shown

        def lead(n: int) -> float | None:
            heard = rig.heard()
            return None if heard is None else lag(heard, n, frames)

        pb.frameShown.connect(lambda n, _r: at_shown.append(lead(n)))
        pb.loop = True
        pb.play()
        assert rig.preview.clock.following  # the engine is ready at once here: the sound paces the picture
        leads: list[float | None] = []
        while rig.ring.played < 60 * RATE:
            rig.step(qtbot, 1 / (4 * fps))
            leads.append(lead(pb.position))
        measured = [x for x in leads + at_shown if x is not None]
        print(
            f"A/V, device latency {latency_s * 1000:.0f} ms, {rig.ring.played / RATE:.1f} s of sound, "
            f"{len(at_shown)} frames shown: sound ahead of the picture by {min(measured):.3f} to "
            f"{max(measured):.3f} frame ({len(measured)} samples)"
        )
        assert len(at_shown) >= 60 * fps - 2  # a minute of frames, each one shown
        assert len(measured) > 2000
        assert min(measured) >= -0.01  # never a frame before its sound (but the controller's 0.5 ms)
        assert max(measured) <= 1.0 + 1e-6  # and the sound never more than one frame ahead
        assert rig.preview.clock.following and rig.preview.resyncs == 0  # it never lost the picture
    finally:
        rig.close()


def test_2x_is_heard_faster_and_reverse_are_muted(qtbot, rig: Rig) -> None:  # noqa: ANN001
    pb = rig.pb
    rig.open_device(qtbot)
    pb.loop = True
    pb.play(2)
    assert rig.preview.engaged and rig.preview.clock.following
    heard = np.concatenate([rig.step(qtbot, 1 / 96) for _ in range(96)], axis=1)
    assert np.abs(heard).max() > 0.1  # 2x: sound (pitch kept: tests/engine/test_audio_preview.py)
    # From frame 1, two frames of sound per frame period: 24 frames (mod the 12-frame loop) a second
    assert abs(lag(rig.ring.frame_at(), 1 + round(24 * rig.ring.played / RATE), 12)) < 1.0
    assert abs(lag(rig.ring.frame_at(), pb.position, 12)) <= 1.0  # and the picture with it
    for rate in (4, -1, -2):
        pb.play(rate)
        assert not rig.preview.engaged and not rig.preview.clock.following
        for _ in range(3):
            rig.step(qtbot, 0.05)  # the faded tail of what played before
        silence = np.concatenate([rig.step(qtbot, 1 / 48) for _ in range(24)], axis=1)
        assert np.abs(silence).max() == 0.0, f"{rate}x should be muted"
        assert pb.playing


def test_a_paused_seek_plays_a_short_snippet(qtbot, rig: Rig) -> None:  # noqa: ANN001
    meter = LevelMeter()
    rig.preview.set_meter(meter)
    rig.open_device(qtbot)
    rig.step(qtbot, 0.5)  # the snippet of the first seek is over
    rig.step(qtbot, 0.02)  # silence: the last block read is what the meter shows
    qtbot.waitUntil(lambda: meter.peak_db < -40, timeout=10000)  # the meter falls back (20 dB a second)
    rig.pb.seek(6, immediate=True)
    qtbot.waitUntil(lambda: rig.ring.available > 0, timeout=10000)
    played = np.concatenate([rig.step(qtbot, 0.02) for _ in range(2)], axis=1)
    qtbot.waitUntil(lambda: meter.peak_db > -14, timeout=10000)  # the 0.5 tone at a share of 0.5: -12 dB
    played = np.concatenate([played, *[rig.step(qtbot, 0.02) for _ in range(18)]], axis=1)
    sounding = np.flatnonzero(np.abs(played[0]) > 1e-4)
    assert sounding.size and (sounding[-1] - sounding[0]) / RATE == pytest.approx(0.080, abs=0.006)
    assert rig.ring.frame_at() == pytest.approx(6 + 0.080 * 12, abs=0.01)  # from the frame sought


def test_no_backend_plays_silent_and_says_so_once(qtbot, project_file: Path) -> None:  # noqa: ANN001
    def no_backend(*_):  # noqa: ANN002, ANN202
        raise AudioUnavailable("no audio backend")

    rig = Rig(project_file, factory=no_backend)
    try:
        said: list[str] = []
        rig.preview.unavailable.connect(said.append)
        rig.pb.seek(2, immediate=True)
        qtbot.waitUntil(lambda: bool(said), timeout=10000)
        rig.pb.loop = True
        for rate in (1, 2, 1):
            rig.pb.play(rate)
            assert not rig.preview.clock.following  # the picture keeps the wall clock
            for _ in range(6):
                rig.clock.advance(1 / 12)
                count = len(rig.shown)
                qtbot.waitUntil(lambda c=count: rig.pb.catch_up() or len(rig.shown) > c, timeout=10000)
            rig.pb.pause()
            rig.pb.seek(3, immediate=True)
        QApplication.processEvents()
        assert said == ["no audio backend"]
        assert rig.ring.played == 0
    finally:
        rig.close()


def test_the_window_without_sounddevice_is_silent_and_says_so_once(
    qtbot, make_window, project_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    monkeypatch.delenv("STUDIO_NO_AUDIO", raising=False)
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # `import sounddevice` fails, as without the extra
    window = make_window(project_file, show=False)
    messages: list[str] = []
    window.show_message = messages.append
    meter = window.switchboard.audio.meter
    window.playback.seek(3, immediate=True)  # a scrub: the first time sound is wanted
    qtbot.waitUntil(lambda: meter.unavailable is not None, timeout=10000)
    assert "no audio backend" in meter.unavailable and "[audio]" in meter.unavailable
    for n in (4, 5, 6):
        window.playback.seek(n, immediate=True)
        QApplication.processEvents()
    assert [m for m in messages if "No sound" in m] == [f"No sound in the preview: {meter.unavailable}"]


def test_mute_and_solo_from_the_library_menu(make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    library, state, feed = window.library, window.state, window.switchboard.audio.preview.feed

    def actions(clip_id: str) -> dict:
        return {a.text(): a for a in library.clip_menu(clip_id).actions()}

    assert "Mute in preview" not in actions("clip-1")  # no sound, nothing to mute
    actions("clip-2")["Mute in preview"].trigger()
    assert state.muted_clips == {"clip-2"} and feed.gates == ({"clip-2"}, frozenset())
    assert actions("clip-2")["Mute in preview"].isChecked()
    actions("clip-2")["Solo in preview"].trigger()
    actions("clip-2")["Mute in preview"].trigger()
    assert feed.gates == (frozenset(), {"clip-2"}) and actions("clip-2")["Solo in preview"].isChecked()
    assert not window.document.dirty  # window state: the project is untouched
