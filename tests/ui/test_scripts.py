"""The window's scripts run: the screenshot script makes a PNG of the window; the UI benchmark (slow) prints
its table. Both in a child process, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_screenshot_script_grabs_the_window(tmp_path: Path, project_file: Path) -> None:
    out = tmp_path / "shot.png"
    args = [str(ROOT / "scripts" / "screenshot.py"), "-o", str(out), "--project", str(project_file)]
    result = _run([*args, "--frames", "3", "--size", "1200x800"], tmp_path, 180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "frames rendered, ok" in result.stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert not list(tmp_path.glob(".*part*"))  # written atomically


@pytest.mark.slow
def test_ui_benchmark_quick_run_prints_its_table(tmp_path: Path) -> None:
    result = _run([str(ROOT / "benchmarks" / "bench_ui.py"), "--quick", "--no-write"], tmp_path, 600)
    assert result.returncode == 0, result.stderr[-2000:]
    for label in ("scrub: seek", "frames shown per second", "heartbeat worst lateness", "launch"):
        assert label in result.stdout
