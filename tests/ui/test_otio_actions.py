"""File ▸ Export OTIO… writes the open project; File ▸ Import OTIO… replaces it, after the unsaved-changes
prompt, with the project the timeline holds; a bad file is one line in the status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.project import SetSetting, load_project

pytest.importorskip("opentimelineio")


def test_export_then_import_through_the_file_menu(
    make_window, project_file: Path, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    file_menu = window.menuBar().actions()[0].menu().actions()
    actions = window.actions_by_name
    assert actions["import_otio"] in file_menu and actions["export_otio"] in file_menu

    chosen = tmp_path / "cut"  # no suffix typed: .otio is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    actions["export_otio"].trigger()
    assert (tmp_path / "cut.otio").is_file()
    assert window.statusBar().currentMessage() == "exported cut.otio: 2 placements"

    window.document.push(SetSetting("seed", 9))  # unsaved work: the prompt guards it
    edited = window.project
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "cut.otio"), ""))
    window.document.ask_unsaved = lambda: QMessageBox.StandardButton.Cancel
    actions["import_otio"].trigger()
    assert window.project is edited and window.project.settings.seed == 9

    window.document.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    actions["import_otio"].trigger()
    imported = window.project
    assert imported is not edited and imported.path is None  # unsaved until Save As
    original = load_project(project_file)
    imported.path = original.path
    assert imported == original  # the seed edit was discarded, the rest came back through the file
    assert window.statusBar().currentMessage() == "imported cut.otio: 2 placements"
    assert not window.document.stack.canUndo()


def test_a_bad_timeline_is_one_line_and_keeps_the_project(make_window, project_file: Path, tmp_path) -> None:  # noqa: ANN001
    from studio.ui.app.interchange import import_otio

    window = make_window(project_file, show=False)
    before = window.project
    bad = tmp_path / "bad.otio"
    bad.write_text("{ not json")
    assert import_otio(window, bad) is False
    assert window.project is before
    message = window.statusBar().currentMessage()
    assert message.startswith("bad.otio: not valid JSON") and "\n" not in message  # the safe JSON reader
