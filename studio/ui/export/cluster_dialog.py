"""File ▸ Render on Cluster…: the project rendered in chunks on a Ray cluster (``studio.engine.cluster``).

A small modeless dialog: the Ray address ("local" starts Ray on this machine), the seconds of output per
task and the file to write; the address and the chunk length are remembered in the settings. The job runs
on the host's export pool (``studio.ui.jobs``), beside the preview, and reports the engine's own ``Progress``
records; Cancel flips the job's token (every task is cancelled, no file is left), as closing the dialog does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from studio import paths
from studio.errors import Cancelled, CancelToken, one_line
from studio.ui import forms
from studio.ui.engine.snapshot import snapshot
from studio.ui.jobs import GeneratorJob

ADDRESS_KEY, CHUNK_KEY = "cluster/address", "cluster/chunk_seconds"
DEFAULT_ADDRESS, DEFAULT_CHUNK_SECONDS = "local", 10.0


def default_output(project: Any) -> Path:
    """``<project>.mp4`` beside the project file; in the home folder for the bundled demo or a new project."""
    where = getattr(project, "path", None)
    if where is None or Path(where).resolve().is_relative_to(paths.RESOURCES.resolve()):
        return Path.home() / f"{project.name or 'render'}.mp4"
    return Path(where).parent / f"{Path(where).name.split('.')[0]}.mp4"


def cluster_job(project: Any, output: Path, **options: Any) -> Any:
    from studio.engine.cluster import ClusterRenderJob  # the engine (torch, Ray) loads on the job's thread

    return ClusterRenderJob(project, output, **options)


def render_on_cluster(
    factory: Callable[..., Any], project: Any, output: Path, **options: Any
) -> Iterator[Any]:
    """The job's thread: the cluster job's Progress records; returns its RenderResult."""
    job = factory(project, output, **options)
    yield from job
    return job.result


class ClusterDialog(QDialog):
    def __init__(
        self,
        project: Any,
        settings: QSettings | None,
        pool: QThreadPool | None,
        parent: QWidget | None = None,
        job_factory: Callable[..., Any] = cluster_job,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clusterDialog")
        self.setWindowTitle("Render on Cluster")
        self.project, self.settings, self.pool, self.job_factory = project, settings, pool, job_factory
        self.worker: GeneratorJob | None = None
        self.cancel_token = CancelToken()
        self.result: Any = None
        remembered = settings.value(ADDRESS_KEY, DEFAULT_ADDRESS) if settings is not None else DEFAULT_ADDRESS
        self.address = QLineEdit(str(remembered))
        self.address.setToolTip(
            "'local' starts Ray here; else the cluster's address (host:6379, ray://host:10001)"
        )
        self.chunk = QDoubleSpinBox(minimum=0.5, maximum=3600.0, decimals=1, suffix=" s")
        chunk = settings.value(CHUNK_KEY, DEFAULT_CHUNK_SECONDS, type=float) if settings is not None else None
        self.chunk.setValue(float(chunk or DEFAULT_CHUNK_SECONDS))
        self.chunk.setToolTip("seconds of output each Ray task renders")
        self.path_edit = QLineEdit(str(default_output(project)))
        self.browse_button = QPushButton("Browse…")
        self.progress = QProgressBar()
        self.progress.setRange(0, max(int(project.settings.frame_count), 1))
        self.status = QLabel("Media and the output folder must be on storage every node sees.")
        self.status.setWordWrap(True)
        self.render_button = QPushButton("Render")
        self.render_button.setDefault(True)
        self.close_button = QPushButton("Close")

        path_row = forms.row(self.path_edit, self.browse_button, grow=self.path_edit)
        form = QFormLayout()
        form.addRow("Ray address", self.address)
        form.addRow("Chunk length", self.chunk)
        form.addRow("File", path_row)
        buttons = forms.button_row(self.render_button, self.close_button)
        forms.column(self, form, self.progress, self.status, buttons)
        self.setMinimumWidth(460)
        self.browse_button.clicked.connect(self.browse)
        self.render_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.cancel_or_close)

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.ended

    def browse(self) -> None:
        forms.browse_save(self, self.path_edit, "Render to")

    def start(self) -> None:
        if self.running:
            return
        address = self.address.text().strip() or DEFAULT_ADDRESS
        if self.settings is not None:
            self.settings.setValue(ADDRESS_KEY, address)
            self.settings.setValue(CHUNK_KEY, self.chunk.value())
        self.cancel_token = CancelToken()
        device = str(getattr(getattr(self.project.settings, "engine", None), "device", None) or "auto")
        options = {"address": address, "chunk_seconds": self.chunk.value(), "cancel": self.cancel_token}
        options["device"] = device  # the project's engine device, as the window's export uses
        output = Path(self.path_edit.text()).expanduser()
        self.worker = GeneratorJob(
            render_on_cluster, self.job_factory, snapshot(self.project), output, **options
        )
        self.worker.yielded.connect(self._on_progress)
        self.worker.returned.connect(self._on_done)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self._on_finished)
        self.render_button.setEnabled(False)
        self.close_button.setText("Cancel")
        self.status.setText(f"Starting on {address}…")
        self.worker.start(self.pool)

    def cancel_or_close(self) -> None:
        if self.running:
            self.cancel_token.cancel()  # every task is cancelled; the job removes what it wrote
            self.status.setText("Cancelling…")
        else:
            self.close()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        self.cancel_token.cancel()
        super().closeEvent(event)

    def _on_progress(self, progress: Any) -> None:
        self.progress.setRange(0, max(int(progress.total), 1))
        self.progress.setValue(int(progress.done))
        left = f", {progress.eta_s:.0f} s left" if progress.eta_s not in (0.0, float("inf")) else ""
        self.status.setText(
            f"{progress.stage}: {progress.done}/{progress.total} frames, {progress.fps:.1f} fps{left}"
        )

    def _on_done(self, result: Any) -> None:
        self.result = result
        if result is not None:
            seconds = f"{result.seconds:.1f} s"
            self.status.setText(
                f"Wrote {result.path.name}: {result.frames} frames in {seconds} on {result.device}"
            )

    def _on_error(self, exc: BaseException) -> None:
        self.status.setText(
            "Cancelled: nothing was written." if isinstance(exc, Cancelled) else one_line(exc)
        )

    def _on_finished(self, *_: Any) -> None:
        self.render_button.setEnabled(True)
        self.close_button.setText("Close")


def show_cluster_dialog(window: Any) -> ClusterDialog:
    """The window's one dialog of this kind (a child of the window, found again), shown and raised."""
    dialog = window.findChild(ClusterDialog, "clusterDialog")
    if dialog is None:
        dialog = ClusterDialog(window.project, window.settings, window.host.export_pool, window)
    elif not dialog.running:
        dialog.project = window.project  # the document as it is now
    dialog.show()
    dialog.raise_()
    return dialog
