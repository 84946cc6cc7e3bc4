"""Media layer benchmarks against the ffmpeg CLI on the same machine, in the same run.

    python benchmarks/bench_media.py [--quick] [--no-write]

1. decode -> RGB: ``ClipReader.iter_frames`` vs ``ffmpeg -i clip -f rawvideo -pix_fmt rgb24 -`` read from a
   pipe;
2. export: ``VideoWriter`` vs ``ffmpeg -f rawvideo -i - -c:v libx264`` fed the same RGB frames on stdin, same
   crf and preset;
3. memory: peak RSS of a child process writing 1 minute vs 10 minutes of 30 fps video with AAC audio
   (``--quick``: 6 s vs 60 s) - it must stay flat.

Prints one table and writes it under ``## Media`` in ``docs/benchmarks.md`` (other sections are kept).
The ffmpeg CLI is the one bundled by imageio-ffmpeg (a dev dependency).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import machine, write_section  # noqa: E402 (benchmarks/ is on sys.path when run as a script)

from studio.media import ClipReader, VideoWriter  # noqa: E402

WIDTH, HEIGHT, FPS = 640, 360, 30
CRF, PRESET = 18, "medium"


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def camera_like_frames(count: int, width: int = WIDTH, height: int = HEIGHT) -> list[np.ndarray]:
    """Distinct frames with gradients, texture and motion (a flat, static picture would flatter the codec)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = rng.normal(0, 12, (height, width * 2, 3)).astype(np.float32)
    frames = []
    for n in range(count):
        blob = np.exp(-((x - (n * 7) % width) ** 2 + (y - height / 2) ** 2) / (2 * 40.0**2))[..., None]
        base = np.stack([x / width * 200, y / height * 180, 120 + 60 * np.sin(x / 40 + n / 9)], -1)
        shift = (n * 3) % width
        frame = base + 80 * blob + texture[:, shift : shift + width]
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def make_source(path: Path, frames: list[np.ndarray], total: int) -> None:
    with VideoWriter(path, WIDTH, HEIGHT, FPS, crf=CRF, preset="veryfast") as writer:
        for n in range(total):
            writer.write(frames[n % len(frames)])


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) and of its finished children (the ffmpeg CLI)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def compare(repeats: int, ours, theirs) -> tuple[float, float, float, float]:
    """(our wall, their wall, our CPU, their CPU), best of ``repeats``, the two runs alternating.

    The machine is shared with other work, so wall time is noisy; CPU time is the steadier efficiency figure.
    """
    best = [float("inf")] * 4
    for _ in range(repeats):
        for slot, run in ((0, ours), (1, theirs)):
            cpu = cpu_seconds()
            wall = run()
            best[slot] = min(best[slot], wall)
            best[slot + 2] = min(best[slot + 2], cpu_seconds() - cpu)
    return best[0], best[1], best[2], best[3]


def row(label: str, total: int, times: tuple[float, float, float, float]) -> tuple[str, str, str, str]:
    ours, cli, ours_cpu, cli_cpu = times
    return (
        label,
        f"{total / ours:.0f} fps ({ours_cpu / total * 1000:.1f} ms CPU/frame)",
        f"{total / cli:.0f} fps ({cli_cpu / total * 1000:.1f} ms CPU/frame)",
        f"{cli / ours:.2f}x wall, {cli_cpu / ours_cpu:.2f}x CPU",
    )


def time_reader(path: Path) -> float:
    start = time.perf_counter()
    count = 0
    with ClipReader(path) as reader:
        for frame in reader.iter_frames():
            count += frame.shape[0] > 0
    return time.perf_counter() - start


def time_cli_decode(path: Path) -> float:
    start = time.perf_counter()
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        frame_bytes = WIDTH * HEIGHT * 3
        buffer = bytearray(frame_bytes * 8)
        assert proc.stdout is not None
        while proc.stdout.readinto(buffer):
            pass
    return time.perf_counter() - start


def time_writer(path: Path, frames: list[np.ndarray], total: int) -> float:
    start = time.perf_counter()
    with VideoWriter(path, WIDTH, HEIGHT, FPS, crf=CRF, preset=PRESET) as writer:
        for n in range(total):
            writer.write(frames[n % len(frames)])
    return time.perf_counter() - start


def time_cli_encode(path: Path, frames: list[np.ndarray], total: int) -> float:
    start = time.perf_counter()
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{WIDTH}x{HEIGHT}",
    ]
    cmd += ["-r", str(FPS), "-i", "-", "-c:v", "libx264", "-crf", str(CRF), "-preset", PRESET]
    cmd += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for n in range(total):
            proc.stdin.write(frames[n % len(frames)].tobytes())
        proc.stdin.close()
    return time.perf_counter() - start


MEMORY_CHILD = """
import resource, sys, numpy as np
from studio.media import VideoWriter
seconds, out = float(sys.argv[1]), sys.argv[2]
w, h, fps, rate = 320, 180, 30, 48000
frames = [np.full((h, w, 3), (i * 40) % 256, np.uint8) for i in range(8)]
for f, i in zip(frames, range(8)):
    f[:, i * 40 : i * 40 + 40] = 255 - f[:, i * 40 : i * 40 + 40]
t = np.arange(rate // fps) / rate
tone = np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32)
with VideoWriter(out, w, h, fps, crf=23, preset="ultrafast", audio_rate=rate) as writer:
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for n in range(int(seconds * fps)):
        writer.write(frames[n % 8])
        writer.write_audio(tone)
print(baseline, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib(seconds: float, out: Path) -> tuple[float, float, float]:
    """(RSS after setup, peak RSS, wall s) of a child writing ``seconds`` of video + audio."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(seconds), str(out)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    baseline, peak = (int(v) / 1024 for v in result.stdout.split())  # ru_maxrss is KiB on Linux
    return baseline, peak, time.perf_counter() - start


def probe_row(path: Path, seconds: int) -> str:
    """probe counts frames by demuxing every packet: its cost on a long clip, in-process and in a child."""
    from studio.media import probe, probe_safe

    start = time.perf_counter()
    frames = probe(path).frames
    in_process = time.perf_counter() - start
    start = time.perf_counter()
    probe_safe(path)
    child = time.perf_counter() - start
    return (
        f"probe of a {seconds} s clip ({frames} frames, {path.stat().st_size / 2**20:.0f} MiB): "
        f"{in_process * 1000:.0f} ms in-process, {child * 1000:.0f} ms with probe_safe (child process)"
    )


def seek_row(path: Path, total: int, reads: int = 30) -> str:
    """Random access cost: each read seeks to the keyframe before its target and decodes forward."""
    import random

    order = random.Random(3).sample(range(total), reads)
    with ClipReader(path, cache_frames=1) as reader:
        keyframes = len(reader._timeline.keyframes)
        start = time.perf_counter()
        for n in order:
            reader.read(n)
        each = (time.perf_counter() - start) / reads
    return (
        f"random-access read ({WIDTH}x{HEIGHT}, {keyframes} keyframe(s) in {total} frames from x264 "
        f"defaults, GOP <= 250 plus scene cuts): {each * 1000:.0f} ms per frame on average over {reads} reads"
    )


def run(quick: bool) -> str:
    import av

    seconds = 4 if quick else 10
    total = seconds * FPS
    repeats = 1 if quick else 4
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        folder = Path(tmp)
        frames = camera_like_frames(60)
        source = folder / "source.mp4"
        make_source(source, frames, total)

        times = compare(repeats, lambda: time_reader(source), lambda: time_cli_decode(source))
        rows.append(row(f"decode {WIDTH}x{HEIGHT} H.264 -> RGB24, {total} frames", total, times))
        times = compare(
            repeats,
            lambda: time_writer(folder / "ours.mp4", frames, total),
            lambda: time_cli_encode(folder / "cli.mp4", frames, total),
        )
        rows.append(row(f"export RGB -> H.264 crf {CRF} {PRESET}, {total} frames", total, times))

        short, long = (6, 60) if quick else (60, 600)
        b1, p1, w1 = peak_rss_mib(short, folder / "short.mp4")
        b2, p2, w2 = peak_rss_mib(long, folder / "long.mp4")
        rows.append(
            (
                f"peak RSS writing {short} s vs {long} s (320x180 30 fps + AAC)",
                f"{p1:.0f} MiB (+{p1 - b1:.0f} after setup, {w1:.0f} s)",
                f"{p2:.0f} MiB (+{p2 - b2:.0f} after setup, {w2:.0f} s)",
                f"{p2 / p1:.2f}x peak RSS, long / short",
            )
        )
        extra = [probe_row(folder / "long.mp4", long), seek_row(source, total)]

    header = (
        "measurement",
        "studio.media",
        "ffmpeg CLI (RSS: the long run)",
        "CLI time / ours (>= 0.8 wanted)",
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines += ["", "Without a CLI counterpart:", ""] + [f"- {line}" for line in extra]
    ffmpeg_version = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    notes = [
        "",
        f"Machine: {machine()}.",
        f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}); CLI: {ffmpeg_version}.",
        f"Mode: {'--quick' if quick else 'full'}; best of {repeats} alternating run(s) each; "
        "CPU = user+sys of all threads (steadier than wall time on a shared machine).",
    ]
    return "\n".join(lines + notes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run for a smoke test (~30 s)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    table = run(args.quick)
    print(table)
    if not args.no_write:
        command = "python benchmarks/bench_media.py" + (" --quick" if args.quick else "")
        print(f"written to {write_section('Media', table, command)}")


if __name__ == "__main__":
    main()
