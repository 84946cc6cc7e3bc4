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
