"""An attention record opened without its project: File ▸ Open Attention Record…, and ``studio RECORD_DIR``
(what the argument is decided before any event loop)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from studio import cli
from studio.cli.targets import PROJECT, RECORD, what_to_open
from studio.engine.render import RenderJob
from studio.engine.synth import Crossfade
from studio.errors import StudioError
from studio.project.record import AttentionRecordReader
from studio.ui.attention import open_record as open_record_module
from studio.ui.attention.model_record import RecordDialog
from tests.engine.test_render_support import make_project


@pytest.fixture(scope="module")
def record(make_test_clip, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real render's record: clip 0 the whole second, clip 1 its second half (the crossfade: fast)."""
    clips = [
        make_test_clip("rec_a.mp4", width=96, height=64, frames=24),
        make_test_clip("rec_b.mp4", width=96, height=64, frames=24, pattern="static"),
    ]
    project = make_project(clips, [(0, 0.0, 1.0, None), (1, 0.5, 0.5, None)], duration=1.0, audio=False)
    folder = tmp_path_factory.mktemp("open-record")
    RenderJob(project, folder / "out.mp4", attention_dir=folder / "record", synthesizer=Crossfade(8)).run()
    return folder / "record"


def test_file_menu_opens_a_record_read_only(qtbot, make_window, record, monkeypatch) -> None:  # noqa: ANN001
    window = make_window(show=False)
    project_before = window.project
    action = window.actions_by_name["open_record"]
    assert action in window.menuBar().actions()[0].menu().actions()  # in the File menu
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(record))
    action.trigger()
    [dialog] = [d for d in window.findChildren(RecordDialog) if d.objectName() == "attentionRecord"]
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.windowTitle() == "Attention record: record"
    assert "24 frames at 24 fps" in dialog.label.text() and "complete" in dialog.label.text()
    assert "where every pixel came from" in dialog.label.text()
    shares = AttentionRecordReader(record).shares(0, 24)
    dialog.panel.flush()
    np.testing.assert_allclose(dialog.panel.buffer[:, :24], shares.T, atol=1e-6)
    assert (shares[:12, 1] == 0).all() and (shares[12:, 1] > 0).all()  # clip 1 came in halfway
    assert window.project is project_before  # the window's project is untouched
    dialog.grab().save("/tmp/open_record.png")
    dialog.close()


def test_a_folder_that_is_not_a_record_is_one_line(make_window, tmp_path) -> None:  # noqa: ANN001
    window = make_window(show=False)
    errors: list[str] = []
    window.show_error = errors.append
    assert open_record_module.open_record(window, tmp_path) is None
    assert len(errors) == 1 and "Not a readable attention record" in errors[0] and "\n" not in errors[0]


def test_the_argument_decides_record_or_project(record, tmp_path) -> None:
    assert what_to_open(str(record)) == (RECORD, record)
    assert what_to_open(None) == (PROJECT, None)
    assert what_to_open(tmp_path / "song.avsproj.json") == (PROJECT, tmp_path / "song.avsproj.json")
    with pytest.raises(StudioError, match="not an attention record"):
        what_to_open(tmp_path)


def test_studio_record_dir_opens_the_record_viewer(record, tmp_path, monkeypatch, capsys) -> None:
    opened: list[object] = []
    monkeypatch.setattr(open_record_module, "run_record_window", lambda path: opened.append(path) or 0)
    monkeypatch.setattr("studio.ui.app.launch.run_app", lambda path: opened.append(("window", path)) or 0)
    assert cli.main([str(record)]) == 0 and opened == [record]
    assert cli.main(["gui", str(record)]) == 0 and opened[-1] == record
    assert cli.main([str(tmp_path / "p.avsproj.json")]) == 0 and opened[-1] == (
        "window",
        tmp_path / "p.avsproj.json",
    )
    assert cli.main([str(tmp_path)]) == 2  # a plain folder: one line, no window
    assert "not an attention record" in capsys.readouterr().err
