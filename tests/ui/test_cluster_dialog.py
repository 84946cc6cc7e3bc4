"""File ▸ Render on Cluster…: the address remembered in the settings, the job run on the host's export pool
with the engine's Progress shown, a cancel that reaches the job's token. The job is a stand-in here (a
generator like ClusterRenderJob's); the real one on a local Ray is tested in tests/engine/test_cluster.py."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from studio.engine.render import Progress
from studio.errors import Cancelled
from studio.ui.export.cluster_dialog import ADDRESS_KEY, ClusterDialog


class FakeClusterJob:
    """Yields two frames' records, then (unless cancelled while it waits) the result, as the real job."""

    made: list[dict] = []

    def __init__(self, project, output: Path, *, hold: threading.Event | None = None, **options) -> None:
        self.output, self.options, self.hold = output, options, hold
        self.result = None
        FakeClusterJob.made.append({"output": output, **options})

    def __iter__(self):
        yield Progress.measure(1, 2, 0.5)
        if self.hold is not None:
            while not self.options["cancel"].cancelled:
                self.hold.wait(0.01)
            raise Cancelled()
        yield Progress.measure(2, 2, 1.0)
        self.result = SimpleNamespace(path=self.output, frames=2, seconds=1.0, device="cpu")


def test_the_file_menu_renders_on_the_cluster_and_remembers_the_address(qtbot, make_window, tmp_path) -> None:  # noqa: ANN001
    window = make_window(show=False)
    action = window.actions_by_name["render_cluster"]
    assert action in window.menuBar().actions()[0].menu().actions()  # in the File menu
    action.trigger()
    [dialog] = window.findChildren(ClusterDialog)
    assert dialog.isVisible() and not dialog.isModal() and dialog.address.text() == "local"
    dialog.job_factory = FakeClusterJob
    dialog.address.setText("head-node:6379")
    dialog.path_edit.setText(str(tmp_path / "out.mp4"))
    dialog.chunk.setValue(4.0)
    dialog.render_button.click()
    qtbot.waitUntil(dialog.render_button.isEnabled, timeout=10000)  # its last signal came
    assert (
        FakeClusterJob.made[-1]["address"] == "head-node:6379"
        and FakeClusterJob.made[-1]["chunk_seconds"] == 4.0
    )
    assert dialog.progress.value() == 2 and "Wrote out.mp4: 2 frames" in dialog.status.text()
    assert window.settings.value(ADDRESS_KEY) == "head-node:6379"
    dialog.close()
    action.trigger()  # the same dialog again, with the address it was given
    assert window.findChildren(ClusterDialog) == [dialog] and dialog.address.text() == "head-node:6379"
    dialog.close()


def test_cancel_reaches_the_job_and_says_nothing_was_written(qtbot, tmp_path) -> None:  # noqa: ANN001
    project = SimpleNamespace(path=None, name="p", settings=SimpleNamespace(frame_count=2))
    hold = threading.Event()
    dialog = ClusterDialog(
        project, None, None, job_factory=lambda *a, **k: FakeClusterJob(*a, hold=hold, **k)
    )
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "out.mp4"))
    dialog.render_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() == 1, timeout=10000)
    assert dialog.close_button.text() == "Cancel"
    dialog.close_button.click()
    qtbot.waitUntil(dialog.render_button.isEnabled, timeout=10000)  # its last signal came
    assert dialog.status.text() == "Cancelled: nothing was written." and dialog.close_button.text() == "Close"
    assert dialog.worker.join(5000)
