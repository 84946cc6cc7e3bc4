"""The inspector shows every generation setting and edits them only through undoable commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.project import load_project
from studio.ui.app.documents import Document
from studio.ui.app.inspector import InspectorPanel
from studio.ui.app.settings import open_settings


@pytest.fixture()
def bound(qtbot, settings_dir: Path, project_file: Path):  # noqa: ANN001
    """An inspector wired to a document the way the window wires it."""
    doc = Document(open_settings())
    doc.set_project(load_project(project_file))
    inspector = InspectorPanel()
    qtbot.addWidget(inspector)
    inspector.set_project(doc.project)
    inspector.settingsEdited.connect(lambda label, values: _push(doc, label, values))
    doc.changed.connect(lambda: inspector.set_project(doc.project))
    return doc, inspector


def _push(doc: Document, label: str, values: dict) -> None:
    from studio.project import SetSettings

    doc.push(SetSettings(values, label), merge=True)  # as the window does


def test_fields_show_the_project_settings(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    s = doc.project.settings
    expected = {
        "duration": s.duration,
        "fps": s.fps,
        "width": s.width,
        "height": s.height,
        "fit": s.fit,
        "seed": s.seed,
        "crf": s.crf,
        "audio": s.audio,
        "engine.temperature": s.engine.temperature,
        "engine.radius": s.engine.radius,
        "engine.window": s.engine.window,
        "engine.coherence": s.engine.coherence,
        "engine.stability": s.engine.stability,
        "engine.guide_clip": s.engine.guide_clip,
        "engine.device": s.engine.device,
    }
    for key, value in expected.items():
        assert inspector.value(key) == (pytest.approx(value) if isinstance(value, float) else value), key


def test_each_edit_is_one_undo_step(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    temperature = doc.project.settings.engine.temperature
    inspector.fields["engine.temperature"].setValue(2.5)
    assert doc.project.settings.engine.temperature == pytest.approx(2.5)
    inspector.fields["duration"].setValue(2.0)
    assert doc.project.settings.duration == pytest.approx(2.0)
    assert doc.stack.count() == 2 and doc.dirty
    doc.stack.undo()
    assert doc.project.settings.duration == pytest.approx(1.0)
    assert inspector.value("duration") == pytest.approx(1.0)  # the field follows the undo
    doc.stack.undo()
    assert doc.project.settings.engine.temperature == pytest.approx(temperature)
    assert doc.stack.isClean()


def test_guide_clip_switches_the_generator_mode(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    guide = inspector.fields["engine.guide_clip"]
    guide.setCurrentIndex(guide.findData("clip-2"))
    assert doc.project.settings.engine.guide_clip == "clip-2"
    assert doc.project.settings.engine.mode == "guide"
    assert doc.stack.count() == 1  # both fields in one step
    guide.setCurrentIndex(0)
    assert doc.project.settings.engine.mode == "free" and doc.project.settings.engine.guide_clip is None


def test_showing_the_document_never_edits_it(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    for _ in range(3):
        inspector.set_project(doc.project)
    assert doc.stack.count() == 0


def test_quick_repeated_edits_of_one_setting_are_one_step(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    original = doc.project.settings.engine.radius
    box = inspector.fields["engine.radius"]
    for _ in range(3):
        box.stepUp()  # three clicks on the arrow
    assert doc.project.settings.engine.radius == original + 3
    assert doc.stack.count() == 1
    inspector.fields["engine.window"].stepUp()  # another setting: its own step
    assert doc.stack.count() == 2
    doc.stack.undo()
    doc.stack.undo()
    assert doc.project.settings.engine.radius == original and doc.stack.isClean()
    doc.stack.redo()
    assert doc.project.settings.engine.radius == original + 3


def test_export_quality_combo_is_one_undoable_setting(bound) -> None:  # noqa: ANN001
    doc, inspector = bound
    combo = inspector.fields["engine.quality"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["draft", "final"]
    assert inspector.value("engine.quality") == doc.project.settings.engine.quality == "final"
    combo.setCurrentIndex(combo.findText("draft"))
    assert doc.project.settings.engine.quality == "draft"
    assert doc.stack.count() == 1 and doc.stack.undoText() == "Set quality"
    doc.stack.undo()
    assert doc.project.settings.engine.quality == "final" and doc.stack.isClean()
    assert inspector.value("engine.quality") == "final"  # the combo follows the undo
    doc.stack.redo()
    assert inspector.value("engine.quality") == "draft"
