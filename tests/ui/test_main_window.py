"""The main window: appears before torch loads, named docks, layout persisted, demo on first run and the
last project after, shortcuts, engine errors shown without killing the window, unsaved prompt on close."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from studio import paths
from studio.errors import EngineError
from studio.project import SetSetting

PANELS = ("library", "timeline", "viewer", "attentionHeatmap", "inspector")


def test_building_the_window_does_not_import_torch(tmp_path: Path, project_file: Path) -> None:
    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from studio.ui import build_main_window\n"
        f"w = build_main_window({str(project_file)!r})\n"
        "print('torch' in sys.modules, 'studio.engine.generator' in sys.modules, time.perf_counter() - t)\n"
        "w.shutdown()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STUDIO_SETTINGS_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    torch_loaded, generator_loaded, seconds = out.stdout.split()
    assert (torch_loaded, generator_loaded) == ("False", "False")
    assert float(seconds) < 10


def test_panels_are_named_docks_and_the_layout_persists(make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    for name in PANELS:
        panel = window.findChild(QWidget, name)
        assert panel is not None and panel.accessibleName() == name, name
    assert window.centralWidget() is window.viewer
    dock = window.findChild(QDockWidget, "inspectorDock")
    assert dock.widget() is window.inspector
    dock.hide()
    window.viewer.overlay_slider.setValue(40)
    window.viewer.loop_button.setChecked(False)
    window.shutdown()  # saves the layout, as closing does
    again = make_window(project_file, show=False)
    assert again.findChild(QDockWidget, "inspectorDock").isHidden()
    assert not again.findChild(QDockWidget, "libraryDock").isHidden()
    assert again.viewer.overlay_slider.value() == 40 and not again.playback.loop
    assert again.attention.overlay_opacity == pytest.approx(0.4)  # the two overlay sliders agree
    assert not again.host.thread.isRunning()  # never shown: the engine never started
    if importlib.util.find_spec("studio.ui.training.panel") is not None:
        training = again.findChild(QDockWidget, "trainingDock")
        assert training.widget().panel is None  # tabbed behind the inspector: not built yet
        training.widget().ensure()
        assert again.findChild(QWidget, "training") is training.widget().panel


def test_first_run_opens_the_demo_then_the_last_project(make_window, project_file: Path) -> None:  # noqa: ANN001
    first = make_window(show=False)
    assert first.document.path == paths.DEMO_PROJECT.absolute()
    assert len(first.project.clips) >= 1
    first.document.open(project_file)
    first.shutdown()
    second = make_window(show=False)
    assert second.document.path == project_file.absolute()


def test_shortcuts_drive_playback_and_undo(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    with qtbot.waitActive(window):
        window.activateWindow()  # shortcuts need the active window, as with a real user
    assert window.focusWidget() is window.viewer.view
    pb = window.playback
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Right)
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Right)
    assert pb.position == 2
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Left)
    assert pb.position == 1
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_End)
    assert pb.position == window.project.settings.frame_count - 1
    assert window.viewer.timecode.text().startswith("00:00:00:11")
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Home)
    assert pb.position == 0
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Space)
    assert pb.playing
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_K)
    assert not pb.playing
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_L)
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_L)
    assert pb.rate == 2
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_K)
    window.document.push(SetSetting("seed", 5))
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.project.settings.seed == 0
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.viewer.view, Qt.Key.Key_Z, ctrl | shift)
    assert window.project.settings.seed == 5
    window.document.stack.setClean()


def test_engine_errors_show_in_the_window(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    def broken(project: object, device: str) -> object:
        raise EngineError("CUDA out of memory on this device; try the CPU")

    window = make_window(project_file, renderer_factory=broken)
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=20000)
    assert window.last_error == "CUDA out of memory on this device; try the CPU"
    assert "CUDA out of memory" in window.statusBar().currentMessage()
    assert window.viewer.view.frame is None and "CUDA out of memory" in window.viewer.view.placeholder
    assert window.host.thread.isRunning() and window.isVisible()


@pytest.mark.parametrize("answer", ["cancel", "discard"])
def test_closing_with_unsaved_changes_asks(make_window, project_file: Path, answer: str) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    window = make_window(project_file)
    window.document.push(SetSetting("seed", 3))
    choice = QMessageBox.StandardButton.Cancel if answer == "cancel" else QMessageBox.StandardButton.Discard
    window.document.ask_unsaved = lambda: choice
    window.close()
    assert window.isVisible() is (answer == "cancel")
    assert window.host.thread.isRunning() is (answer == "cancel")


def test_recovery_after_a_crash_reopens_the_autosave_unsaved(make_window, project_file: Path) -> None:  # noqa: ANN001
    from studio.ui.app.autosave import find_recoveries

    crashed = make_window(project_file, show=False)
    crashed.document.push(SetSetting("seed", 21))
    assert crashed.autosaver.save_now()
    # Make it look like another process that died: a dead pid, and files our own clean exit won't remove.
    code = "import os; print(os.getpid())"
    pid = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
    marker = crashed.autosaver.marker.with_name(f"session-{pid}.json")
    autosave = crashed.autosaver.autosave_path.with_name(f"autosave-{pid}.avsproj.json")
    crashed.autosaver.autosave_path.rename(autosave)
    data = json.loads(crashed.autosaver.marker.read_text())
    marker.write_text(json.dumps({**data, "pid": pid, "autosave": str(autosave)}))
    crashed.document.stack.setClean()

    window = make_window(project_file, show=False)
    (found,) = find_recoveries()
    assert window.recover(found)
    assert window.project.settings.seed == 21
    assert window.document.path == project_file.absolute() and window.document.dirty
    assert not marker.exists() and not autosave.exists()


def test_in_out_marks_and_delete_go_through_the_timeline(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    with qtbot.waitActive(window):
        window.activateWindow()
    view, pb = window.viewer.view, window.playback
    pb.seek(2, immediate=True)
    qtbot.keyClick(view, Qt.Key.Key_I)
    pb.seek(5, immediate=True)
    qtbot.keyClick(view, Qt.Key.Key_O)
    assert (pb.first, pb.last) == (2, 5)
    if hasattr(window.timeline, "in_out"):
        assert tuple(window.timeline.in_out) == (2, 5)
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert pb.position == 5  # End goes to the out point
    if hasattr(window.timeline, "select"):
        window.timeline.select("p-2")  # as a click on the block does; the window follows its signal
    else:
        window.selected_placement = "p-2"
    assert window.selected_placement == "p-2"
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [p.id for p in window.project.placements] == ["p-1"]
    window.document.stack.undo()
    assert [p.id for p in window.project.placements] == ["p-1", "p-2"]


def test_relinking_an_offline_clip_brings_it_back(
    qtbot, make_window, project_file: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    import shutil

    from studio.project import load_project, save_project

    moved = tmp_path / "elsewhere"
    moved.mkdir()
    project = load_project(project_file)
    original = project.clips[0].path
    shutil.copy(original, moved / "a.mp4")
    project.clips[0] = dataclasses.replace(project.clips[0], path=tmp_path / "missing.mp4")
    save_project(project, project_file)
    window = make_window(project_file, show=False)
    assert window.project.clips[0].offline_reason
    assert window.library.row_for("clip-1").text(0).startswith("⚠")
    window.library.relink("clip-1", moved / "a.mp4")
    qtbot.waitUntil(lambda: window.project.clips[0].offline_reason is None, timeout=30000)
    assert window.project.clips[0].path == (moved / "a.mp4").resolve()
    assert window.library.row_for("clip-1").text(0) == "ui_a"
    assert window.document.stack.undoText() == "Relink"


def test_start_up_offers_the_crashed_session(qtbot, make_window, project_file: Path, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    from studio.ui.app import launch as app
    from studio.ui.app.autosave import Recovery

    window = make_window(project_file, show=False)
    window.document.push(SetSetting("seed", 9))
    window.autosaver.save_now()
    window.document.stack.setClean()
    recovery = Recovery(window.autosaver.marker, window.autosaver.autosave_path, project_file)
    monkeypatch.setattr(app, "find_recoveries", lambda: [recovery])
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Yes
    )
    app.offer_recovery(window)
    assert asked == ["Recover unsaved work"]
    assert window.project.settings.seed == 9 and window.document.dirty


def test_one_edit_is_one_announcement_and_no_timeline_rebuild(
    make_window, project_file: Path, monkeypatch
) -> None:  # noqa: ANN001
    """The document tells once; the timeline updates the placement, never rebuilds its scene for an edit,
    and both overlay sliders follow the one value."""
    window = make_window(project_file, show=False)
    changes: list = []
    window.document.events.changed.connect(changes.append)
    rebuilds: list[int] = []
    monkeypatch.setattr(window.timeline, "refresh", lambda: rebuilds.append(1))
    pid = window.project.placements[0].id
    window.document.push(SetSetting("seed", 5))
    window.timeline.set_generation_time(window.project.settings.duration + 1.0)
    assert len(changes) == 2 and changes[0].settings.keys == {"seed"} and changes[1].settings.timing
    assert not rebuilds and pid in window.timeline.blocks
    window.attention.set_overlay_opacity(0.3)
    assert window.viewer.overlay_slider.value() == 30 and window.state.overlay_opacity == pytest.approx(0.3)


def test_the_heatmap_and_the_timeline_share_one_time_axis(qtbot, make_window, project_file: Path) -> None:  # noqa: ANN001
    window = make_window(project_file)
    timeline, plot, fps = window.timeline, window.attention.plot, window.project.settings.fps
    timeline.set_zoom(timeline.zoom * 3)
    timeline.horizontalScrollBar().setValue(40)
    t0, t1 = timeline.visible_time()
    x0, x1 = plot.vb.viewRange()[0]
    assert (x0 / fps, x1 / fps) == (pytest.approx(t0, abs=0.05), pytest.approx(t1, abs=0.05))
    d = window.project.settings.duration
    plot.setXRange(0.2 * d * fps, 0.6 * d * fps, padding=0)  # zooming the heatmap moves the timeline
    t0, t1 = timeline.visible_time()
    assert (t0, t1) == (pytest.approx(0.2 * d, abs=0.05), pytest.approx(0.6 * d, abs=0.05))
