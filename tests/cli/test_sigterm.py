"""SIGTERM mid-render is Ctrl-C: the job cancels and removes what it was writing (issue 14, family 7); a
SIGKILL's leftover goes with the next render in that folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from studio.media import VideoWriter

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _start_render(clip: Path, out: Path) -> subprocess.Popen[str]:
    """A long render (30 s of output) in a child; returns once its temp file exists (frames are flowing)."""
    argv = ["render", "--clips", str(clip), "--duration", "30", "--size", "64x48", "--crossfade"]
    child = subprocess.Popen(
        [sys.executable, "-m", "studio", *argv, "-o", str(out), "--preset", "ultrafast"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().startswith("estimate:")  # the first progress line
    deadline = time.monotonic() + 60
    while not any(".part-" in p.name for p in out.parent.iterdir()):
        assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
        time.sleep(0.02)
    return child


def test_sigterm_mid_render_leaves_no_file(make_test_clip, tmp_path: Path) -> None:
    clip = make_test_clip("sigterm.mp4", frames=24, audio=True)
    folder = tmp_path / "out"
    folder.mkdir()
    child = _start_render(clip, folder / "out.mp4")
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "studio: cancelled" in err and "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_the_next_writer_sweeps_what_a_sigkill_left(tmp_path: Path) -> None:
    """A SIGKILL cannot be handled: the export's temp file stays, and the next render (its VideoWriter) in
    that folder removes it."""
    out = tmp_path / "out.mp4"
    code = (
        "import sys, time, numpy as np; from studio.media import VideoWriter\n"
        "w = VideoWriter(sys.argv[1], 32, 32, 24)\n"
        "w.write(np.zeros((32, 32, 3), np.uint8)); print('writing', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "writing\n"
    child.kill()
    child.communicate(timeout=60)
    [leftover] = list(tmp_path.iterdir())
    assert leftover.name.startswith(f".out.part-{child.pid}-")
    then = time.time() - 120  # past the grace a dead writer's file gets (a shared folder's other machine)
    os.utime(leftover, (then, then))
    with VideoWriter(tmp_path / "again.mp4", 32, 32, 24) as writer:
        writer.write(np.zeros((32, 32, 3), np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["again.mp4"]
