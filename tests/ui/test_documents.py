"""Files: save/open/recent, the unsaved-changes prompt (Save/Discard/Cancel), autosave and crash recovery."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from studio.project import SetSetting, load_project
from studio.ui.app.autosave import Autosaver, find_recoveries
from studio.ui.app.documents import Document
from studio.ui.app.settings import open_settings, recent_files

Button = QMessageBox.StandardButton


@pytest.fixture()
def doc(qtbot, settings_dir: Path, state_dir: Path, project_file: Path) -> Document:  # noqa: ANN001
    d = Document(open_settings())
    assert d.open(project_file)
    return d


def test_save_as_open_and_recent_files(doc: Document, tmp_path: Path) -> None:
    doc.push(SetSetting("engine.temperature", 0.75))
    assert doc.dirty and doc.title().startswith("proj.avsproj.json *")
    target = tmp_path / "copy"
    assert doc.save_as(target)
    saved = tmp_path / "copy.avsproj.json"
    assert doc.path == saved and not doc.dirty
    assert load_project(saved).settings.engine.temperature == pytest.approx(0.75)
    assert recent_files(doc.settings)[:2] == [saved.resolve(), (tmp_path / "proj.avsproj.json").resolve()]
    messages: list[str] = []
    doc.message.connect(messages.append)
    assert not doc.open(tmp_path / "nope.json")
    assert messages and "no such project file" in messages[-1]


@pytest.mark.parametrize(
    ("answer", "proceeds", "saved"),
    [(Button.Save, True, True), (Button.Discard, True, False), (Button.Cancel, False, False)],
)
def test_unsaved_changes_prompt(
    doc: Document, project_file: Path, answer: Button, proceeds: bool, saved: bool
) -> None:
    asked: list[int] = []
    doc.ask_unsaved = lambda: asked.append(1) or answer
    assert doc.maybe_save()  # clean: nothing asked
    assert not asked
    doc.push(SetSetting("seed", 7))
    assert doc.new() is proceeds
    assert asked == [1]
    assert (doc.path == project_file.absolute()) is not proceeds  # Cancel keeps the document open
    assert load_project(project_file).settings.seed == (7 if saved else 0)


def test_autosave_writes_only_when_dirty_and_clean_exit_removes_it(doc: Document, state_dir: Path) -> None:
    saver = Autosaver(doc, interval_ms=60_000)
    assert saver.timer.isActive() and saver.timer.interval() == 60_000
    assert saver.marker.is_file()
    assert not saver.save_now()  # nothing unsaved
    doc.push(SetSetting("seed", 11))
    assert saver.save_now()
    assert load_project(saver.autosave_path).settings.seed == 11
    assert doc.path.name == "proj.avsproj.json"  # autosaving never re-points the document
    assert find_recoveries() == []  # our own session is alive: nothing to recover
    saver.stop()
    assert not saver.marker.exists() and not saver.autosave_path.exists()


def test_a_crashed_session_is_offered_for_recovery(doc: Document, project_file: Path) -> None:
    saver = Autosaver(doc)
    doc.push(SetSetting("seed", 13))
    saver.save_now()
    saver.timer.stop()
    # Pretend the session died: the marker names a process that no longer exists.
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(saver.marker.read_text())
    data["pid"] = int(dead.stdout)
    saver.marker.write_text(json.dumps(data))
    found = find_recoveries()
    assert len(found) == 1
    assert found[0].autosave == saver.autosave_path and found[0].original == project_file.absolute()
    assert load_project(found[0].autosave).settings.seed == 13
    found[0].discard()
    assert find_recoveries() == []


def test_a_failing_autosave_is_reported_and_editing_goes_on(doc: Document) -> None:
    saver = Autosaver(doc)
    saver.autosave_path.mkdir()  # a folder where the file should go: the write fails
    messages: list[str] = []
    doc.message.connect(messages.append)
    doc.push(SetSetting("seed", 4))
    assert not saver.save_now()
    assert messages and messages[-1].startswith("autosave failed:") and "\n" not in messages[-1]
    assert doc.push(SetSetting("seed", 5)) and doc.project.settings.seed == 5
    saver.autosave_path.rmdir()
    assert saver.save_now()
    saver.stop()


def test_saving_the_bundled_demo_asks_for_a_new_file(settings_dir: Path, tmp_path: Path) -> None:
    from studio import paths

    d = Document(open_settings())
    assert d.open(paths.DEMO_PROJECT)
    before = paths.DEMO_PROJECT.read_bytes()
    d.push(SetSetting("seed", 3))
    asked: list[int] = []
    d.ask_save_path = lambda: asked.append(1) or tmp_path / "mine.avsproj.json"
    assert d.save()
    assert asked == [1] and d.path == tmp_path / "mine.avsproj.json"
    assert paths.DEMO_PROJECT.read_bytes() == before
    assert not paths.DEMO_PROJECT.with_name(paths.DEMO_PROJECT.name + ".bak").exists()
    assert load_project(d.path).clips[0].path == paths.DEMO_PROJECT.parent.joinpath("sky.mp4").resolve()
