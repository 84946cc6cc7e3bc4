"""Training on the bundled first-run demo writes to the user's data folder, never inside the installed app
(``resources/`` may be read-only, and an update replaces it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio import paths
from studio.cli import main
from studio.models.locations import checkpoints_dir, work_folder


def test_demo_checkpoints_go_to_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    before = sorted(p for p in paths.RESOURCES.rglob("*"))
    argv = ["train", str(paths.DEMO_PROJECT), "--model", "vae", "--steps", "1", "--preset", "tiny"]
    assert main([*argv, "--size", "16", "--batch", "1", "--eval-every", "1"]) == 0
    assert sorted(p for p in paths.RESOURCES.rglob("*")) == before  # nothing written into the install
    assert (tmp_path / "data" / "bundled" / "demo" / "models" / "vae" / "checkpoint.json").is_file()


def test_a_users_project_keeps_its_models_beside_it(tmp_path: Path) -> None:
    project = tmp_path / "mine" / "p.avsproj.json"
    assert work_folder(project) == tmp_path / "mine"
    assert checkpoints_dir(project, "convlstm") == tmp_path / "mine" / "models" / "convlstm"


def test_a_clip_generated_from_the_demo_is_added_to_a_copy_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Interpolating without a checkpoint (DIS flow at the clip's size): the shipped demo is not rewritten;
    the demo with the new clip is saved in the data folder, and the command says where."""
    from studio.project import load_project

    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    before = {p: p.read_bytes() for p in paths.RESOURCES.rglob("*") if p.is_file()}
    assert main(["generate", str(paths.DEMO_PROJECT), "interpolate", "title", "--device", "cpu"]) == 0
    assert {p: p.read_bytes() for p in paths.RESOURCES.rglob("*") if p.is_file()} == before
    copy = tmp_path / "data" / "bundled" / "demo" / paths.DEMO_PROJECT.name
    assert f"added to {copy} as " in capsys.readouterr().out
    project = load_project(copy)
    assert len(project.clips) == len(load_project(paths.DEMO_PROJECT).clips) + 1
    assert all(clip.online for clip in project.clips)  # the demo's own clips are found where they lie
