"""VideoWriter: what goes in comes out (decoded again), the file is a proper MP4, failures leave nothing."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import ClipReader, VideoWriter, decode_audio, probe


def smooth_frame(n: int, width: int = 128, height: int = 96) -> np.ndarray:
    """Camera-like content (gradients, a soft moving blob): what crf 18 is meant to keep near-transparent."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    blob = np.exp(-((x - 20 - 3 * n) ** 2 + (y - 30 - n) ** 2) / (2 * 12.0**2))
    r = x / width * 200 + 40 * blob
    g = y / height * 180 + 60 * blob
    b = 100 + 50 * np.sin(n / 5 + x / 30) + 50 * blob
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 10 * np.log10(255**2 / mse) if mse else float("inf")


def test_round_trip_psnr(tmp_path: Path) -> None:
    frames = [smooth_frame(n) for n in range(24)]
    with VideoWriter(tmp_path / "out.mp4", 128, 96, 24, crf=18, preset="veryfast") as writer:
        for frame in frames:
            writer.write(frame)
    info = probe(tmp_path / "out.mp4")
    assert (info.width, info.height, info.frames, info.fps, info.video_codec) == (128, 96, 24, 24.0, "h264")
    assert info.pix_fmt == "yuv420p" and info.audio is None
    with ClipReader(tmp_path / "out.mp4") as reader:
        scores = [psnr(got, want) for got, want in zip(reader.iter_frames(), frames, strict=True)]
    assert min(scores) > 35, scores


def test_higher_crf_is_smaller_and_worse(tmp_path: Path) -> None:
    """The crf actually reaches the encoder."""
    sizes, scores = [], []
    for crf in (14, 36):
        path = tmp_path / f"crf{crf}.mp4"
        with VideoWriter(path, 128, 96, 24, crf=crf, preset="veryfast") as writer:
            for n in range(12):
                writer.write(smooth_frame(n))
        sizes.append(path.stat().st_size)
        with ClipReader(path) as reader:
            scores.append(psnr(reader.read(6), smooth_frame(6)))
    assert sizes[1] < sizes[0] and scores[1] < scores[0]


def test_faststart_and_bt709_tags(tmp_path: Path) -> None:
    path = tmp_path / "tagged.mp4"
    with VideoWriter(path, 64, 48, 30) as writer:
        writer.write(smooth_frame(0, 64, 48))
    data = path.read_bytes()
    assert (
        0 <= data.find(b"moov") < data.find(b"mdat")
    )  # index first: playback starts before the download ends
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        assert (frame.colorspace, frame.color_range) == (1, 1)  # BT.709, limited range


def test_odd_size_is_padded_to_even(tmp_path: Path) -> None:
    frames = [smooth_frame(n, 63, 47) for n in range(3)]
    with VideoWriter(tmp_path / "odd.mp4", 63, 47, 24) as writer:
        assert writer.coded_size == (64, 48)
        for frame in frames:
            writer.write(frame)
    with ClipReader(tmp_path / "odd.mp4") as reader:
        assert reader.size == (64, 48)
        got = reader.read(1)
    assert psnr(got[:47, :63], frames[1]) > 35
    assert psnr(got[47:, :63], frames[1][46:47]) > 30  # the extra row repeats the last one


def test_audio_round_trip(tmp_path: Path) -> None:
    rate, seconds, hz = 48000, 1.5, 1000.0
    t = np.arange(int(rate * seconds)) / rate
    tone = np.stack([0.5 * np.sin(2 * np.pi * hz * t), 0.25 * np.sin(2 * np.pi * hz * t)]).astype(np.float32)
    path = tmp_path / "av.mp4"
    with VideoWriter(path, 64, 48, 24, audio_rate=rate) as writer:
        for n in range(36):
            writer.write(smooth_frame(n, 64, 48))
        for start in range(0, tone.shape[1], 3000):  # blocks that are not multiples of the AAC frame size
            writer.write_audio(tone[:, start : start + 3000])
    info = probe(path)
    assert info.audio is not None and (info.audio.codec, info.audio.sample_rate, info.audio.channels) == (
        "aac",
        48000,
        2,
    )
    audio = decode_audio(path)
    assert audio.shape[1] == pytest.approx(tone.shape[1], abs=1024)
    spectrum = np.abs(np.fft.rfft(audio[0]))
    assert np.fft.rfftfreq(audio.shape[1], 1 / rate)[spectrum.argmax()] == pytest.approx(hz, abs=2)
    level = np.sqrt((audio[:, rate // 4 : -rate // 4] ** 2).mean(axis=1))
    assert level == pytest.approx([0.5 / np.sqrt(2), 0.25 / np.sqrt(2)], rel=0.05)


def test_abort_and_exception_leave_nothing(tmp_path: Path) -> None:
    writer = VideoWriter(tmp_path / "a.mp4", 64, 48, 24, preset="ultrafast")
    for n in range(60):  # enough for the encoder to emit packets, so the file exists on disk
        writer.write(smooth_frame(n, 64, 48))
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and names[0].startswith(".a.part-")  # the hidden temp file, not the target
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), VideoWriter(tmp_path / "b.mp4", 64, 48, 24) as writer:
        writer.write(smooth_frame(0, 64, 48))
        raise RuntimeError("render failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_replaced_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous export")
    with pytest.raises(ValueError), VideoWriter(target, 64, 48, 24) as writer:
        writer.write(np.zeros((10, 10, 3), np.uint8))  # wrong size: a bug in the caller
    assert target.read_bytes() == b"previous export"
    with VideoWriter(target, 64, 48, 24) as writer:
        writer.write(smooth_frame(0, 64, 48))
    assert probe(target).frames == 1


def test_unwritable_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="cannot write"):
        VideoWriter(tmp_path / "no" / "such" / "dir.mp4", 64, 48, 24)


def test_ntsc_rate_is_stored_exactly(tmp_path: Path) -> None:
    """29.97 means 30000/1001: a rounded 2997/100 time base would drift against other NTSC material."""
    with VideoWriter(tmp_path / "ntsc.mp4", 64, 48, 29.97, preset="ultrafast") as writer:
        assert writer.fps == Fraction(30000, 1001)
        for n in range(30):
            writer.write(smooth_frame(n, 64, 48))
    info = probe(tmp_path / "ntsc.mp4")
    assert info.frames == 30 and info.fps == pytest.approx(30000 / 1001, abs=1e-9)
    assert info.duration == pytest.approx(1.001, abs=1e-6)


def test_hd_frames_convert_with_threads_and_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """At 720p and up the RGB<->YUV conversions use swscale threads; the pixels must not depend on them."""
    from studio.media import writer as writer_module

    assert writer_module.convert_threads(640, 360) == 1
    frames = [smooth_frame(n, 1280, 720) for n in range(3)]
    decoded = {}
    for threads in (1, 2):
        monkeypatch.setattr(writer_module, "convert_threads", lambda w, h, t=threads: t)
        path = tmp_path / f"hd{threads}.mp4"
        with VideoWriter(path, 1280, 720, 24, crf=18, preset="ultrafast") as writer:
            for frame in frames:
                writer.write(frame)
        with ClipReader(path) as reader:
            decoded[threads] = list(reader.iter_frames())
    for one, two, want in zip(decoded[1], decoded[2], frames, strict=True):
        assert np.array_equal(one, two) and psnr(one, want) > 35
