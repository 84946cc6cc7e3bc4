"""The preview's sound without Qt: the mix follows the shares (a clip with share 0 is silent), mute and solo,
spans that join without a seam, the feed's output blocks on a null device, the 2x time-stretch keeps the
pitch, the ring's dry-run fades and its clock count, and the audio clock's switches."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from studio.engine.audio_feed import AudioFeed, AudioUnavailable
from studio.engine.audio_preview import PreviewMixer, expected_shares
from studio.engine.audio_ring import AudioClock, AudioRing, NullSink, TimeStretch
from studio.media import decode_audio
from tests.engine.test_audio_follow import TONES, tone_amplitudes
from tests.engine.test_render_support import H, W, make_project

RATE = 48000


@pytest.fixture(scope="module")
def tone_clips(make_test_clip) -> list[Path]:
    return [
        make_test_clip(f"follow_{int(hz)}.mp4", width=W, height=H, frames=48, audio=True, tone_hz=hz, gop=12)
        for hz in TONES
    ]


@pytest.fixture(scope="module")
def decoded(tone_clips) -> dict[Path, np.ndarray]:
    return {Path(p): decode_audio(p, sample_rate=RATE) for p in tone_clips}


@pytest.fixture()
def project(tone_clips):
    # Both clips over the whole 2 s with equal importance: expected shares 0.5 / 0.5.
    return make_project(tone_clips, [(0, 0.0, 2.0, None), (1, 0.0, 2.0, None)], duration=2.0)


def amplitudes(audio: np.ndarray) -> tuple[float, float]:
    """Mean amplitude of each clip's tone over the inner part of ``audio`` (its edges see the fades)."""
    inner = audio[:, 4800:-4800]
    return tuple(float(np.median(tone_amplitudes(inner, hz))) for hz in TONES)


def test_the_mix_follows_the_shares_and_a_share_of_zero_is_silent(project, decoded) -> None:
    mixer = PreviewMixer(project, decoded)
    np.testing.assert_allclose(mixer.shares, expected_shares(project))
    a, b = amplitudes(mixer.mix(0, 2 * RATE))
    assert a == pytest.approx(0.25, abs=0.03) and b == pytest.approx(0.25, abs=0.03)  # 0.5 tones at 0.5
    for n in range(mixer.frames):  # the engine rendered every frame: all of it was clip A
        mixer.set_shares(n, np.array([1.0, 0.0], np.float32))
    a, b = amplitudes(mixer.mix(0, 2 * RATE))
    assert a == pytest.approx(0.5, abs=0.04)
    assert b < 0.005  # clip B, share 0: silent


def test_mute_and_solo(project, decoded) -> None:
    mixer = PreviewMixer(project, decoded)
    mixer.set_gates(muted={"c0"})
    a, b = amplitudes(mixer.mix(0, 2 * RATE))
    assert a < 0.005 and b == pytest.approx(0.25, abs=0.03)  # B keeps its level: nothing redistributed
    mixer.set_gates(solo={"c0"})
    a, b = amplitudes(mixer.mix(0, 2 * RATE))
    assert a == pytest.approx(0.25, abs=0.03) and b < 0.005
    mixer.set_gates(muted={"c0"}, solo={"c0"})
    assert np.abs(mixer.mix(0, RATE)).max() < 1e-6  # muted wins
    mixer.set_gates()
    assert min(amplitudes(mixer.mix(0, 2 * RATE))) > 0.2


def test_spans_join_without_a_seam(project, decoded) -> None:
    mixer = PreviewMixer(project, decoded)
    for n in range(0, mixer.frames, 3):  # shares that jump about: gains change at every frame
        mixer.set_shares(n, np.array([0.9, 0.1], np.float32))
    whole = mixer.mix(1000, 30000)
    parts = np.concatenate([mixer.mix(a, min(a + 777, 30000)) for a in range(1000, 30000, 777)], axis=1)
    np.testing.assert_allclose(parts, whole, atol=1e-6)


class NullDevice:
    """A sink factory: a null device on a clock this object advances (seconds), and the device it made."""

    def __init__(self) -> None:
        self.now = 0.0
        self.made = threading.Event()
        self.sink: NullSink | None = None

    def __call__(self, pull, sample_rate, _channels):  # noqa: ANN001, ANN204
        self.sink = NullSink(pull, sample_rate, lambda: self.now)
        self.made.set()
        return self.sink


def play_through(feed: AudioFeed, device: NullDevice, frames: list[int], seconds: float) -> np.ndarray:
    """Start ``frames`` on the feed and read them from the null device; returns what it played (C, n)."""
    feed.ensure_started()
    assert device.made.wait(10)
    feed.start(1, frames)
    out = []
    deadline = time.monotonic() + 30
    while device.now < seconds and time.monotonic() < deadline:
        if feed.scheduled and feed.ring.available < 480:
            time.sleep(0.001)  # the feed's thread mixes (a device would just play silence meanwhile)
            continue
        device.now += 0.01
        out.append(device.sink.pump())
    return np.concatenate(out, axis=1)


def test_the_feeds_output_blocks_follow_the_shares(project, decoded) -> None:
    device = NullDevice()
    feed = AudioFeed(device, sample_rate=RATE)
    try:
        feed.set_project(project)
        feed.set_audio(decoded)
        for n in range(48):
            feed.set_shares(n, np.array([0.0, 1.0], np.float32))  # clip A has a share of 0 throughout
        played = play_through(feed, device, list(range(0, 36)), seconds=1.5)
        a, b = amplitudes(played[:, : RATE * 3 // 2])
        assert a < 0.005 and b == pytest.approx(0.5, abs=0.04)
        assert feed.ring.played == pytest.approx(1.5 * RATE, abs=1)  # 36 frames at 24 fps: never ran dry
        assert feed.ring.frame_at() == pytest.approx(36.0, abs=1e-6)
    finally:
        assert feed.shutdown()


def test_no_device_fails_once_and_stays_silent() -> None:
    reasons: list[str] = []

    def no_device(*_):  # noqa: ANN002, ANN202
        raise AudioUnavailable("no audio backend")

    feed = AudioFeed(no_device)
    feed.on_state = lambda ready, reason: reasons.append(reason) if not ready else None
    feed.ensure_started()
    assert feed.shutdown()
    assert reasons == ["no audio backend"] and feed.failure == "no audio backend" and not feed.ready


def test_2x_keeps_the_pitch_and_halves_the_length() -> None:
    t = np.arange(2 * RATE) / RATE
    tone = np.repeat((0.5 * np.sin(2 * np.pi * 440.0 * t))[None].astype(np.float32), 2, axis=0)
    stretch = TimeStretch(2, 2)
    out = np.concatenate([stretch.push(tone[:, a : a + 1000]) for a in range(0, tone.shape[1], 1000)], axis=1)
    assert out.shape[1] == pytest.approx(RATE, abs=2 * (TimeStretch.HOP + TimeStretch.TOLERANCE))
    segment = out[0, 2048 : 2048 + 16384]
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size)))
    assert np.argmax(spectrum) * RATE / segment.size == pytest.approx(440.0, abs=4.0)  # not 880 Hz
    envelope = [np.abs(out[0, i : i + 480]).max() for i in range(1024, out.shape[1] - 1024, 480)]
    assert min(envelope) > 0.45 and max(envelope) < 0.55  # no warble, no dips at the window joins


def test_the_ring_fades_where_it_runs_dry_and_counts_only_sound() -> None:
    ring = AudioRing(2, 4000)
    generation = ring.generation
    assert ring.write(np.ones((2, 600), np.float32), 10.0, 0.01, generation)
    first = ring.read(500)
    assert np.all(first == 1.0) and ring.played == 500
    second = ring.read(300)  # 100 left: played, faded out, then silence
    assert ring.played == 600 and second[0, 0] == 1.0 and second[0, 99] < 0.05
    assert np.all(second[:, 100:] == 0)
    assert ring.frame_at() == pytest.approx(16.0)
    assert ring.write(np.ones((2, 600), np.float32), 16.0, 0.01, generation)
    assert ring.read(200)[0, 0] == 0.0  # resumes faded in
    assert not ring.write(np.ones((2, 10), np.float32), 0.0, 0.01, generation - 1)  # mixed before a flush
    ring.flush()
    assert ring.played == -64 and ring.available == 64  # a faded tail, then the clock counts from 0


def test_the_audio_clock_follows_the_sound_and_never_goes_back() -> None:
    wall = [100.0]
    ring = AudioRing(2, RATE)
    clock = AudioClock(wall=lambda: wall[0])
    assert clock() == 100.0
    wall[0] = 101.0
    ring.flush(keep=0)
    clock.follow(ring, RATE, latency_s=0.05)
    wall[0] = 200.0  # the wall runs on; the sound has not played yet
    assert clock() == 101.0
    ring.write(np.zeros((2, RATE), np.float32), 0.0, 24 / RATE, ring.generation)
    ring.read(RATE // 2)
    assert clock() == pytest.approx(101.45)  # half a second played, less the device's latency
    clock.release()
    assert clock() == pytest.approx(101.45)
    wall[0] = 201.0
    assert clock() == pytest.approx(102.45)


def test_the_clock_counts_what_the_device_played_out_a_latency_ago_and_not_its_silence() -> None:
    wall = [10.0]
    ring = AudioRing(2, RATE, RATE)
    ring.flush(keep=0)
    clock = AudioClock(wall=lambda: wall[0])
    clock.follow(ring, RATE, latency_s=0.05)
    ring.write(np.zeros((2, 4800), np.float32), 0.0, 24 / RATE, ring.generation)
    ring.read(2400, at=10.0)  # plays 10.0 .. 10.05
    ring.read(2400, at=10.2)  # the ring was dry in between (the device played silence): plays 10.2 .. 10.25
    assert ring.played_by(10.01) == pytest.approx(480)
    assert ring.played_by(10.15) == pytest.approx(2400)  # silence: nothing more heard
    assert ring.played_by(10.21) == pytest.approx(2880)
    readings = []
    for t in (10.03, 10.06, 10.2, 10.26, 10.4):
        wall[0] = t
        readings.append(round(clock() - 10.0, 4))
    # 50 ms behind the device's reads; standing still through the silence; at the end of the sound after
    assert readings == [0.0, 0.01, 0.05, 0.06, 0.1]
