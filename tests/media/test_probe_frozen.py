"""probe_safe in a frozen bundle (PyInstaller): ``sys.executable`` is the app, which knows no ``-m``, so the
child is the app's hidden ``--probe-child FILE`` mode (it was "the decoder crashed (exit code 2)")."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from studio.errors import MediaError
from studio.media import probe_safe
from studio.media.probe import PROBE_CHILD_FLAG, probe_command
from tests import clipfactory


def test_the_child_command_line_frozen_and_not(monkeypatch: pytest.MonkeyPatch) -> None:
    assert probe_command("a.mp4") == [sys.executable, "-m", "studio.media.probe", "a.mp4"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/AttentionVideoStudio/studio")
    assert probe_command("a.mp4") == ["/opt/AttentionVideoStudio/studio", PROBE_CHILD_FLAG, "a.mp4"]


def test_the_apps_probe_child_mode_answers_in_json(h264_clip: Path, tmp_path: Path) -> None:
    """What the frozen app runs, here through the same entry point (``python -m studio``)."""
    ok = subprocess.run(
        [sys.executable, "-m", "studio", PROBE_CHILD_FLAG, str(h264_clip)], capture_output=True, text=True
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["info"]["frames"] == 24
    bad = clipfactory.make_text_as_video(tmp_path / "bad.mp4")
    refused = subprocess.run(
        [sys.executable, "-m", "studio", PROBE_CHILD_FLAG, str(bad)], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "bad.mp4" in json.loads(refused.stdout)["error"]


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the frozen executable")
def test_probe_safe_through_a_frozen_app(h264_clip: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A stand-in for the bundle's executable that, like it, is the app and nothing else."""
    app = tmp_path / "studio-frozen"
    app.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m studio "$@"\n')
    app.chmod(app.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    assert probe_safe(h264_clip).frames == 24
    with pytest.raises(MediaError, match="bad.mp4: not a media file") as refused:
        probe_safe(clipfactory.make_text_as_video(tmp_path / "bad.mp4"))
    assert "crashed" not in str(refused.value)
