"""The timeline's generate actions (extend, retime to fill, morph) with the project's own trained models: the
model runs off the GUI thread and one undo step adds the clip to the library and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from studio.cli import main
from studio.media import probe
from studio.project import Placement, Project, clip_from_info, save_project
from tests.ui.conftest import small_settings

pytestmark = pytest.mark.slow  # trains two tiny models once (~10 s on 2 cores), then runs them


def _project(folder: Path, clips: tuple[Path, Path]) -> Path:
    """A at 0-1 s, B at 3-4 s in a 4 s output (a gap to fill, a boundary to morph across)."""
    folder.mkdir(parents=True, exist_ok=True)
    a, b = (clip_from_info(f"clip-{i + 1}", p, probe(p), name=p.stem) for i, p in enumerate(clips))
    placements = [Placement("p-1", a.id, 0.0, 1.0), Placement("p-2", b.id, 3.0, 1.0)]
    return save_project(Project("gen", [a, b], placements, small_settings(4.0)), folder / "gen.avsproj.json")


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory: pytest.TempPathFactory, make_test_clip: Callable[..., Path]) -> Path:
    """A project with tiny Transformer and VAE checkpoints where the Training panel saves them."""
    clips = (make_test_clip("gen_a.mp4", frames=48), make_test_clip("gen_b.mp4", frames=48, pattern="static"))
    project = _project(tmp_path_factory.mktemp("gen") / "trained", clips)
    for kind in ("transformer", "vae"):
        argv = ["train", str(project), "--model", kind, "--steps", "3", "--preset", "tiny", "--size", "32"]
        assert main([*argv, "--batch", "2", "--eval-every", "3", "--device", "cpu"]) == 0
    return project


@pytest.fixture
def untrained_window(make_window, tmp_path: Path, make_test_clip: Callable[..., Path]):  # noqa: ANN001, ANN201
    """The window on the same two clips with no model trained for them."""
    clips = (make_test_clip("gen_a.mp4", frames=48), make_test_clip("gen_b.mp4", frames=48, pattern="static"))
    return make_window(_project(tmp_path / "untrained", clips), show=False)


def _run(qtbot, window, action: Callable[[], bool]) -> str:  # noqa: ANN001
    with qtbot.waitSignal(window.generator.finished, timeout=120_000) as blocker:
        assert action()
    return blocker.args[0]


def test_extend_places_the_new_frames_right_after_the_clip(qtbot, make_window, trained_project: Path) -> None:  # noqa: ANN001
    window = make_window(trained_project, show=False)
    clip_id = _run(qtbot, window, lambda: window.generator.extend("p-1", seconds=0.5))
    project = window.project
    clip = project.clip(clip_id)
    assert clip.provenance["operation"] == "extend" and clip.provenance["model"] == "transformer"
    assert clip.frames == 12 and Path(clip.path).exists()
    new = next(p for p in project.placements if p.clip_id == clip_id)
    assert new.start == pytest.approx(1.0) and new.duration == pytest.approx(0.5)
    window.document.stack.undo()  # one undo step takes both the clip and its placement away
    assert clip_id not in {c.id for c in window.project.clips}
    assert [p.id for p in window.project.placements] == ["p-1", "p-2"]


def test_retime_fills_the_gap_and_keeps_the_importance(qtbot, make_window, trained_project: Path) -> None:  # noqa: ANN001
    window = make_window(trained_project, show=False)
    importance = window.project.placement("p-1").importance
    clip_id = _run(qtbot, window, lambda: window.generator.retime_to_fill("p-1"))
    project = window.project
    assert "p-1" not in {p.id for p in project.placements}  # replaced by the retimed clip
    new = next(p for p in project.placements if p.clip_id == clip_id)
    clip = project.clip(clip_id)
    assert new.start == 0.0 and new.duration == pytest.approx(3.0) and new.importance == importance
    assert clip.fps == pytest.approx(48.0) and clip.provenance["factor"] == 2  # 2 s of source fill 3 s
    assert new.speed == pytest.approx(clip.duration / 3.0)  # every source second spans 1.5 output seconds


def test_morph_sits_on_the_boundary_between_the_clips(qtbot, make_window, trained_project: Path) -> None:  # noqa: ANN001
    window = make_window(trained_project, show=False)
    labels = [label for label, _ in window.generator.menu_actions("p-1")]
    assert labels == ["Extend clip…", "Retime to fill", "Morph into next clip…"]
    assert "Morph into next clip…" not in [label for label, _ in window.generator.menu_actions("p-2")]
    clip_id = _run(qtbot, window, lambda: window.generator.morph_to_next("p-1", seconds=0.5))
    new = next(p for p in window.project.placements if p.clip_id == clip_id)
    assert new.start == pytest.approx(2.0 - 0.25) and new.duration == pytest.approx(0.5)
    assert window.project.clip(clip_id).provenance["model"] == "vae"


def test_timeline_menu_lists_the_actions(make_window, trained_project: Path) -> None:  # noqa: ANN001
    window = make_window(trained_project, show=False)
    texts = [a.text() for a in window.timeline.clip_menu("p-1").actions() if a.text()]
    generate = ["Extend clip…", "Retime to fill", "Morph into next clip…"]
    assert texts[0] == "Remove from timeline" and texts[-len(generate) :] == generate
    assert "Paint mask…" in texts  # the block's own actions come before the learned generators


def test_an_impossible_action_changes_nothing_and_the_user_is_told(qtbot, untrained_window) -> None:  # noqa: ANN001
    window = untrained_window
    before = window.project.snapshot()
    with qtbot.waitSignal(window.generator.failed) as blocker:
        assert not window.generator.morph_to_next("p-2", seconds=0.5)  # nothing after the last clip
    assert "clip after this one" in blocker.args[0] and "\n" not in blocker.args[0]
    assert window.project.placements == before.placements and window.project.clips == before.clips
    assert "clip after this one" in window.last_error  # shown in the status bar


def test_morph_works_before_any_training_at_the_clips_size(qtbot, untrained_window) -> None:  # noqa: ANN001
    window = untrained_window
    clip_id = _run(qtbot, window, lambda: window.generator.morph_to_next("p-1", seconds=0.5))
    clip, source = window.project.clip(clip_id), window.project.clip("clip-1")
    assert clip.provenance["model"].startswith("flow morph") and (clip.width, clip.height) == (
        source.width,
        source.height,
    )


def test_retime_works_before_any_training_with_flow_at_the_clips_size(qtbot, untrained_window) -> None:  # noqa: ANN001
    window = untrained_window
    source = window.project.clip("clip-1")
    clip_id = _run(qtbot, window, lambda: window.generator.retime_to_fill("p-1"))
    clip = window.project.clip(clip_id)
    assert clip.provenance["model"].startswith("interp") and clip.provenance["checkpoint"] is None
    assert (clip.width, clip.height) == (source.width, source.height)  # the clip's own size, not a square


def test_extend_works_before_any_training_and_says_how_far_to_trust_it(qtbot, untrained_window) -> None:  # noqa: ANN001
    window = untrained_window
    clip_id = _run(qtbot, window, lambda: window.generator.extend("p-1", seconds=0.5))
    clip = window.project.clip(clip_id)
    assert clip.provenance["operation"] == "extend" and clip.provenance["checkpoint"] is None
    assert 0 <= clip.provenance["trustworthy_frames"] <= clip.provenance["frames"] == 12
    assert "trustworthy" in window.statusBar().currentMessage()


def test_a_generated_clip_shows_its_model_attention(qtbot, make_window, trained_project: Path) -> None:  # noqa: ANN001
    """The Transformer's attention while it extended the clip opens in the attention viewer."""
    window = make_window(trained_project, show=False)
    clip_id = _run(qtbot, window, lambda: window.generator.extend("p-1", seconds=0.5))
    texts = [a.text() for a in window.library.clip_menu(clip_id).actions() if a.text()]
    assert "Show model attention…" in texts
    assert "Show model attention…" not in [a.text() for a in window.library.clip_menu("clip-1").actions()]
    dialog = window.show_model_attention(clip_id)
    qtbot.addWidget(dialog)
    buffer = dialog.panel.buffer  # (known-frame columns, generated frames)
    assert buffer.shape == (5, 12) and abs(float(buffer[:, 0].sum()) - 1.0) < 1e-3
    dialog.panel.flush()
    assert dialog.panel.maps_row.frame == 0  # the first frame's per-patch maps are on show
    import shutil

    shutil.rmtree(window.project.clip(clip_id).provenance["attention"])  # the record deleted behind our back
    assert window.show_model_attention(clip_id) is None and "no readable model attention" in window.last_error
    assert "Show model attention…" not in [a.text() for a in window.library.clip_menu(clip_id).actions()]
