"""The sound device: PortAudio through ``sounddevice`` (the ``audio`` extra), opened on the feed's thread.

Why sounddevice rather than QtMultimedia's ``QAudioSink``: it is ~100 kB (the PySide6-Addons wheel that
carries QtMultimedia is ~200 MB for this one class); its callback runs on PortAudio's own thread and
hands a numpy buffer, which is the pull model the ring buffer wants (``QAudioSink`` pulls through a
``QIODevice`` on the thread that owns it, the GUI thread unless we run an event loop for it); and it reports
the output latency the audio clock subtracts. The Windows and macOS wheels bundle PortAudio; on Linux it is
the system's ``libportaudio2``. Where either is missing, or no output device exists, the preview is silent
and says why once (``AudioUnavailable``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from studio.engine.audio_feed import AudioUnavailable, Pull

BLOCK = 512  # frames per callback (~11 ms at 48 kHz): the audio clock moves in steps this small
NO_AUDIO_ENV = "STUDIO_NO_AUDIO"  # set (to anything but "" or "0"): never open a device (the test suite)
INSTALL_HINT = "pip install 'attention-video-studio[audio]'"


def load_backend() -> Any:
    """The ``sounddevice`` module; ``AudioUnavailable`` saying why not."""
    if os.environ.get(NO_AUDIO_ENV, "") not in ("", "0"):
        raise AudioUnavailable(f"sound is off ({NO_AUDIO_ENV} is set)")
    try:
        import sounddevice
    except ImportError:
        raise AudioUnavailable(f"no audio backend ({INSTALL_HINT})") from None
    except OSError:  # the module is there, PortAudio is not (Linux without libportaudio2)
        raise AudioUnavailable("no audio backend: the PortAudio library is missing (libportaudio2)") from None
    return sounddevice


class DeviceSink:
    """The default output device, draining ``pull`` from PortAudio's callback thread."""

    def __init__(self, backend: Any, pull: Pull, sample_rate: int, channels: int) -> None:
        def callback(outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
            outdata[:] = pull(frames, time.perf_counter()).T  # the audio clock's wall clock

        # "high" latency: PortAudio's safe buffer size, so a busy GIL (the engine's thread) does not drop out;
        # the audio clock takes the latency off, so the picture still meets the sound.
        self._stream = backend.OutputStream(
            samplerate=sample_rate,
            channels=channels,
            dtype="float32",
            blocksize=BLOCK,
            latency="high",
            callback=callback,
        )
        self._stream.start()
        self.latency_s = float(self._stream.latency)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


def open_device(pull: Pull, sample_rate: int, channels: int) -> DeviceSink:
    """The ``SinkFactory`` of the window: the default output, started; ``AudioUnavailable`` if none."""
    backend = load_backend()
    try:
        return DeviceSink(backend, pull, sample_rate, channels)
    except Exception as exc:  # sounddevice.PortAudioError, or a device that refuses the format
        raise AudioUnavailable(f"no sound output device ({exc})") from None
