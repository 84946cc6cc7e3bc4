"""The training panel trains off the GUI thread, plots live, cancels cleanly and leaks no threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QThreadPool  # noqa: E402

from studio.models.checkpoint import load_checkpoint  # noqa: E402
from studio.project import load_project  # noqa: E402
from studio.ui.training.panel import TrainingPanel  # noqa: E402


@pytest.fixture
def panel(qtbot, project_file: Path):  # noqa: ANN001, ANN201
    baseline = set(threading.enumerate())
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_project(load_project(project_file))
    panel.model_box.setCurrentText("convlstm")
    panel.preset_box.setCurrentText("tiny")
    panel.size_box.setValue(32)
    yield panel
    panel.shutdown()
    assert not panel.running
    assert QThreadPool.globalInstance().waitForDone(5000)
    extra = [t for t in threading.enumerate() if t not in baseline and t.is_alive() and not t.daemon]
    assert not extra, f"threads left running: {extra}"


def test_lists_clips_and_needs_one(panel: TrainingPanel) -> None:
    assert panel.objectName() == "training"
    assert panel.selected_clip_ids() == ["clip-1", "clip-2"]
    for i in range(panel.clip_list.count()):
        panel.clip_list.item(i).setCheckState(panel.clip_list.item(0).checkState().Unchecked)
    panel.start()
    assert not panel.running and "at least one clip" in panel.status_label.text()


def test_trains_in_a_worker_and_plots(qtbot, panel: TrainingPanel) -> None:  # noqa: ANN001
    panel.steps_box.setValue(6)
    panel.eval_box.setValue(3)
    gui_thread = threading.get_ident()
    threads = []
    panel.progressed.connect(lambda p: threads.append(threading.get_ident()))
    with qtbot.waitSignal(panel.finished, timeout=60000) as blocker:
        panel.start()
        assert panel.running and not panel.start_button.isEnabled()
    final = blocker.args[0]
    assert final is not None and final.done and final.step == 6
    xs, ys = panel.loss_curve.getOriginalDataset()  # (getData() is log10 in log mode)
    assert list(xs) == [1, 2, 3, 4, 5, 6] and all(y > 0 for y in ys)
    assert list(panel.psnr_curve.getData()[0]) == [3, 6]
    assert panel.device_label.text() == "device: cpu" and "samples/s" in panel.rate_label.text()
    assert set(threads) == {gui_thread}  # results are delivered on the GUI thread by signal
    assert load_checkpoint(panel.output_dir()).step == 6
    assert not panel.running and panel.start_button.isEnabled()


def test_cancel_stops_the_worker_and_keeps_a_checkpoint(qtbot, panel: TrainingPanel) -> None:  # noqa: ANN001
    panel.steps_box.setValue(100000)
    panel.progressed.connect(lambda p: p.step == 3 and panel.cancel())
    with qtbot.waitSignal(panel.finished, timeout=60000) as blocker:
        panel.start()
    final = blocker.args[0]
    assert final.cancelled and final.step < 100
    assert "Cancelled" in panel.status_label.text()
    assert load_checkpoint(panel.output_dir()).step == final.step


def test_errors_are_shown_not_raised(qtbot, panel: TrainingPanel) -> None:  # noqa: ANN001
    panel.size_box.setValue(36)  # not a multiple of 8 → StudioError on the worker thread
    with qtbot.waitSignal(panel.finished, timeout=60000) as blocker:
        panel.start()
    assert blocker.args[0] is None
    assert "multiple of 8" in panel.status_label.text()


def test_each_model_says_what_it_is_for(panel) -> None:  # noqa: ANN001
    assert "square" in panel.purpose_label.text() and panel.size_box.isEnabled()  # convlstm
    panel.model_box.setCurrentText("interp")
    assert "own size" in panel.purpose_label.text() and not panel.size_box.isEnabled()
    assert not panel.gan_box.isEnabled()


def test_a_new_panel_starts_on_the_native_interpolator_with_its_controls(qtbot) -> None:  # noqa: ANN001
    fresh = TrainingPanel()
    qtbot.addWidget(fresh)
    assert fresh.model_box.currentText() == "interp" and not fresh.size_box.isEnabled()
