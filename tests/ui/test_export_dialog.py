"""The export dialog: the engine's estimate first, then a real MP4 rendered on its own export thread with
progress, decoded again; cancel leaves no file and no thread; reveal opens the folder."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from studio.project import load_project
from studio.ui.engine.host import EngineHost
from studio.ui.export.dialog import ExportDialog
from tests.ui.engine_support import started_host


@pytest.fixture()
def host(qtbot) -> Iterator[EngineHost]:  # noqa: ANN001
    yield from started_host()


def decode(path: Path) -> tuple[int, int, int, bool]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        return frames, video.codec_context.width, video.codec_context.height, bool(container.streams.audio)


def test_estimate_then_export_with_progress(
    qtbot, host: EngineHost, project_file: Path, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001, E501
    project = load_project(project_file)
    dialog = ExportDialog(host, project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.last_estimate is not None, timeout=30000)
    assert dialog.last_estimate.frames == 12 and dialog.last_estimate.seconds > 0
    assert "frames" in dialog.estimate_label.text()

    out = tmp_path / "out.mp4"
    dialog.path_edit.setText(str(out))
    dialog.width_box.setValue(80)
    dialog.height_box.setValue(60)
    dialog.sidecar.setChecked(True)
    progress: list[object] = []
    host.exportProgress.connect(progress.append)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog.reveal_when_done.setChecked(True)
    dialog.export_button.click()
    assert dialog.running and not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.status.text() == "Exported out.mp4"
    assert dialog.result_path == out
    frames, width, height, has_audio = decode(out)
    assert (frames, width, height) == (12, 80, 60)
    assert has_audio  # one source has audio and the project mixes it
    assert progress and progress[-1].done == progress[-1].total == 12
    record = out.with_suffix(".attention")
    assert record.is_dir() and any(record.iterdir())  # the attention sidecar beside the video
    assert project.settings.width == 64  # the dialog's size applied to a copy, not the document

    assert [u.toLocalFile() for u in opened] == [str(tmp_path)]  # revealed when done, as asked
    dialog.reveal_button.click()
    assert len(opened) == 2


def test_cancel_leaves_no_file(qtbot, host: EngineHost, project_file: Path, tmp_path: Path) -> None:  # noqa: ANN001
    project = load_project(project_file)
    project.settings = dataclasses.replace(project.settings, duration=30.0)  # long enough to be cancelled
    dialog = ExportDialog(host, project)
    qtbot.addWidget(dialog)
    out = tmp_path / "cancelled.mp4"
    dialog.path_edit.setText(str(out))
    dialog.start()
    task = dialog.task
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert "Cancelled" in dialog.status.text()
    left = [p.name for p in tmp_path.iterdir() if p.name != "proj.avsproj.json"]
    assert left == []  # neither the file nor a temp part
    qtbot.waitUntil(lambda: not host.exporting, timeout=10000)
    assert not task.is_running()


def test_default_file_is_beside_the_project_but_never_in_the_bundled_demo(project_file: Path) -> None:
    from studio import paths
    from studio.ui.export.dialog import default_output

    assert default_output(load_project(project_file)) == project_file.parent / "proj.mp4"
    demo = default_output(load_project(paths.DEMO_PROJECT))
    assert not demo.resolve().is_relative_to(paths.RESOURCES.resolve()) and demo.name == "demo.mp4"


def test_the_result_line_carries_the_engines_warnings(qtbot, project_file: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from studio.engine.render import Progress, RenderResult

    warned = ("cuda asked for, no GPU: using cpu", "no VAE is trained for this project yet")

    class Job:
        def __init__(self, project, output, **kwargs) -> None:  # noqa: ANN001
            self.output, self.result = output, None

        def estimate(self):  # noqa: ANN202
            raise RuntimeError("no estimate in this test")

        def __iter__(self):  # noqa: ANN204
            yield Progress.measure(1, 1, 0.1, warnings=warned[:1])
            self.output.write_bytes(b"")
            self.result = RenderResult(self.output, 1, 0.1, 10.0, warned, "cpu")
            yield Progress.measure(1, 1, 0.1, stage="done", warnings=warned, result=self.result)

    host = EngineHost(job_factory=Job)
    dialog = ExportDialog(host, load_project(project_file))
    qtbot.addWidget(dialog)
    try:
        dialog.path_edit.setText(str(tmp_path / "warned.mp4"))
        dialog.start()
        qtbot.waitUntil(lambda: not dialog.running, timeout=10000)
        assert dialog.status.text() == "Exported warned.mp4 — 2 warnings: " + "; ".join(warned)
        assert dialog.last_progress.result.warnings == warned
    finally:
        assert host.shutdown()
        assert host.tasks == []
