"""The Text to Video dock with a tiny local pipeline (scripts/make_tiny_t2v.py), every socket blocked: the
run goes off the GUI thread, reports steps with an ETA and latent previews, and its clip joins the library
(one undo step, provenance on it) with a word-attention record the record viewer opens; Cancel stops it and
leaves nothing; while a run holds the GPU the preview stays on its draft."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from studio.engine.gpu_lock import GPU  # noqa: E402
from studio.ui.t2v.models_dialog import ModelsDialog, model_folders  # noqa: E402
from tests.ui.test_refinement import collect, make_host  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("make_tiny_t2v", ROOT / "scripts" / "make_tiny_t2v.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_tiny_t2v(tmp_path_factory.mktemp("t2v-ui") / "tiny-ltx")


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    attempts: list[object] = []

    def refuse(_sock: object, address: object, *_: object) -> None:
        attempts.append(address)
        raise OSError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


def _dock(qtbot, make_window, project_file: Path, tiny_model: Path):  # noqa: ANN001, ANN202
    window = make_window(project_file, show=False)
    room = window.switchboard.t2v
    panel = room.panel
    panel.add_model(tiny_model)
    qtbot.waitUntil(lambda: panel.model_info.text().startswith("LTXPipeline"), timeout=60_000)
    panel.prompt.setPlainText("a red fox runs in the snow")
    panel.width_spin.setValue(96)
    panel.height_spin.setValue(64)
    panel.frames.setValue(5)
    return window, room, panel


@pytest.mark.slow  # a window, the tiny pipeline loaded and run: ~10 s of CPU on 2 cores
def test_a_run_adds_its_clip_and_word_attention(
    qtbot, make_window, project_file, tiny_model, no_network
) -> None:  # noqa: ANN001
    window, room, panel = _dock(qtbot, make_window, project_file, tiny_model)
    panel.steps.setValue(4)
    gui = threading.get_ident()
    on_threads: list[int] = []
    panel.runner.relay.step.connect(lambda _u: on_threads.append(threading.get_ident()), Qt.DirectConnection)
    updates = []
    panel.runner.progress.connect(updates.append)
    before = len(window.project.clips)
    with qtbot.waitSignal(panel.clipMade, timeout=120_000) as made:
        assert panel.generate()
        assert not panel.generate_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=10_000)
    result = made.args[0]
    assert on_threads and gui not in on_threads  # the steps ran on a worker thread
    assert [u.step for u in updates] == [1, 2, 3, 4] and updates[-1].eta_s == 0
    assert not panel.preview.pixmap().isNull()  # the latents' picture at step 4
    assert panel.progress.value() == 4 and panel.progress.format() == "done"

    clips = window.project.clips
    assert len(clips) == before + 1
    clip = clips[-1]
    assert Path(clip.path) == result.path and result.path.parent == project_file.parent / "generated"
    assert (clip.width, clip.height, clip.frames) == (96, 64, 5)
    assert clip.provenance["prompt"] == "a red fox runs in the snow" and clip.provenance["steps"] == 4
    dialog = room.show_attention(panel.last_record)
    assert dialog is not None and dialog.reader.clip_names == ["a", "red", "fox", "runs", "in", "the", "snow"]
    assert "7 words: a, red, fox" in dialog.label.text()
    dialog.close()
    window.document.stack.undo()
    assert len(window.project.clips) == before


@pytest.mark.slow
def test_cancel_stops_the_run_and_leaves_nothing(
    qtbot, make_window, project_file, tiny_model, no_network
) -> None:  # noqa: ANN001
    window, room, panel = _dock(qtbot, make_window, project_file, tiny_model)
    panel.steps.setValue(200)
    panel.word_attention.setChecked(False)
    seen: list[int] = []
    cancelled: list[bool] = []
    panel.runner.cancelled.connect(lambda: cancelled.append(True))
    made: list[object] = []
    panel.clipMade.connect(made.append)

    def on_progress(update) -> None:  # noqa: ANN001
        seen.append(update.step)
        if len(seen) == 1:
            panel.cancel()

    panel.runner.progress.connect(on_progress)
    assert panel.generate()
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=120_000)
    assert cancelled == [True] and made == []
    assert max(seen) <= 5  # the click came at step 1: at most the steps already queued, not 200
    assert "Cancelled" in panel.status.text()
    generated = project_file.parent / "generated"
    assert not generated.exists() or list(generated.iterdir()) == []
    assert panel.generate_button.isEnabled()


def test_the_models_dialog_adds_only_folders_it_can_load(
    qtbot, make_window, project_file, tiny_model, tmp_path
) -> None:  # noqa: ANN001
    window = make_window(project_file, show=False)
    dialog = ModelsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.checker.refused, timeout=60_000):
        dialog.add_folder(str(tmp_path))  # no model_index.json
    assert dialog.status.text().startswith("Not added:") and model_folders(window.settings) == []
    with qtbot.waitSignal(dialog.checker.checked, timeout=60_000):
        dialog.add_folder(str(tiny_model))
    assert model_folders(window.settings) == [tiny_model] and "LTXPipeline" in dialog.list.item(0).text()
    dialog.done(0)


def test_the_preview_stays_on_its_draft_while_a_run_holds_the_gpu(qtbot, project_file: Path) -> None:  # noqa: ANN001
    host = make_host(project_file, seconds=0.02)
    try:
        got = collect(host)
        with GPU.hold("text-to-video", "cuda"):
            host.request_frame(8)
            qtbot.waitUntil(lambda: len(got) >= 1, timeout=20_000)
            time.sleep(0.6)  # the quiet moment (150 ms) and a refinement's worth of frames
            qtbot.wait(50)
            assert [rec.quality for _, rec, _, _ in got] == ["draft"] and host.finals == []
        got.clear()
        host.request_frame(9)  # the GPU is free again: the paused frame refines
        qtbot.waitUntil(lambda: len(got) == 2, timeout=20_000)
        assert [rec.quality for _, rec, _, _ in got] == ["draft", "final"]
    finally:
        assert host.shutdown()
