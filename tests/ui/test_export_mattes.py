"""The export dialog's mattes: off by default, a folder beside the video that follows it, a real render's
mattes in the chosen format, nothing left after a cancel."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from studio.engine import matte_formats
from studio.media.matte_video import read_grey_video
from studio.project import load_project
from studio.ui.engine.host import EngineHost
from studio.ui.export.dialog import ExportDialog
from tests.ui.engine_support import started_host


@pytest.fixture()
def host(qtbot) -> Iterator[EngineHost]:  # noqa: ANN001
    yield from started_host()


def test_the_mattes_folder_follows_the_video_until_chosen(qtbot, project_file: Path, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = ExportDialog(EngineHost(), load_project(project_file))
    qtbot.addWidget(dialog)
    assert not dialog.mattes.isChecked() and dialog.mattes_request() is None
    assert not dialog.mattes_format.isEnabled() and not dialog.mattes_folder.isEnabled()
    dialog.path_edit.setText(str(tmp_path / "shot.mp4"))
    dialog.mattes.setChecked(True)
    assert dialog.mattes_format.isEnabled()
    assert dialog.mattes_request() == (tmp_path / "shot.mattes", "png16")
    qtbot.keyClicks(dialog.mattes_folder, "x")  # typed by the user: it no longer follows
    dialog.path_edit.setText(str(tmp_path / "other.mp4"))
    assert dialog.mattes_request()[0] == tmp_path / "shot.mattesx"
    exr = dialog.mattes_format.findData("exr")
    assert dialog.mattes_format.model().item(exr).isEnabled() == matte_formats.exr_available()
    dialog.host.shutdown()


def test_export_writes_ffv1_mattes(qtbot, host: EngineHost, project_file: Path, tmp_path: Path) -> None:  # noqa: ANN001
    dialog = ExportDialog(host, load_project(project_file))
    qtbot.addWidget(dialog)
    out = tmp_path / "out.mp4"
    dialog.path_edit.setText(str(out))
    dialog.mattes.setChecked(True)
    dialog.mattes_format.setCurrentIndex(dialog.mattes_format.findData("ffv1"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.status.text() == "Exported out.mp4"
    manifest = json.loads((tmp_path / "out.mattes" / "mattes.json").read_text())
    videos = [
        np.stack(list(read_grey_video(tmp_path / "out.mattes" / c["matte"]))) for c in manifest["clips"]
    ]
    settings = dialog.project.settings
    assert videos[0].shape == (settings.frame_count, settings.height, settings.width)
    assert np.all(np.sum(videos, axis=0, dtype=np.int64) == 65535)


def test_cancel_leaves_no_mattes(qtbot, host: EngineHost, project_file: Path, tmp_path: Path) -> None:  # noqa: ANN001
    project = load_project(project_file)
    project.settings = dataclasses.replace(project.settings, duration=30.0)  # long enough to be cancelled
    dialog = ExportDialog(host, project)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "cancelled.mp4"))
    dialog.mattes.setChecked(True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.last_progress is not None, timeout=60000)  # the mattes are being written
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert "Cancelled" in dialog.status.text()
    assert [p.name for p in tmp_path.iterdir() if p.name != "proj.avsproj.json"] == []
