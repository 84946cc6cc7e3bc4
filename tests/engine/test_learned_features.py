"""``EngineSettings.features = "vae"``: the project's trained VAE encoder gives the attention its keys."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.cli import main
from studio.engine.features import PatchFeatures
from studio.engine.frame import FrameRenderer, make_synthesizer
from studio.errors import ProjectError
from studio.media import probe
from studio.models.registry import build_model, make_config
from studio.models.vae_features import GAIN, VAEPatchFeatures
from studio.project import GenerationSettings, Placement, Project, clip_from_info, load_project, save_project

pytestmark = pytest.mark.slow  # trains a tiny VAE once (a few seconds)


def _project(folder: Path, clips: list[Path], features: str = "vae") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    made = [clip_from_info(f"clip-{i + 1}", p, probe(p), name=p.stem) for i, p in enumerate(clips)]
    placements = [Placement(f"p-{i + 1}", c.id, 0.0, 1.0) for i, c in enumerate(made)]
    settings = GenerationSettings(duration=1.0, fps=12.0, width=64, height=48)
    settings = dataclasses.replace(settings, engine=dataclasses.replace(settings.engine, features=features))
    return save_project(Project("features", made, placements, settings), folder / "f.avsproj.json")


@pytest.fixture(scope="module")
def clips(make_test_clip: Callable[..., Path]) -> list[Path]:
    a = make_test_clip("feat_a.mp4", frames=48)
    return [a, make_test_clip("feat_b.mp4", frames=48, pattern="static")]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, clips: list[Path]) -> Path:
    project = _project(tmp_path_factory.mktemp("feat") / "trained", clips)
    argv = ["train", str(project), "--model", "vae", "--steps", "3", "--preset", "tiny", "--size", "32"]
    assert main([*argv, "--batch", "2", "--eval-every", "3", "--device", "cpu"]) == 0
    return project


def test_vae_features_follow_the_engine_feature_contract() -> None:
    torch.manual_seed(0)
    vae = build_model("vae", make_config("vae", "tiny"))
    frames = torch.randint(0, 256, (2, 50, 70, 3), dtype=torch.uint8)  # sizes that are no multiple of 8
    for patch, grid in ((8, (7, 9)), (4, (13, 18))):
        feats = VAEPatchFeatures(vae, patch)(frames)
        assert feats.shape[0] == 2 and feats.shape[2:] == grid and feats.dtype == torch.float32
        torch.testing.assert_close(feats.norm(dim=1), torch.full((2, *grid), GAIN), rtol=1e-4, atol=1e-4)


def test_the_trained_vae_drives_the_attention(trained: Path) -> None:
    project = load_project(trained)
    warnings: list[str] = []
    synth = make_synthesizer(project, "cpu", on_warning=warnings.append)
    assert isinstance(synth.features, VAEPatchFeatures) and not warnings
    handmade = load_project(trained)
    engine = dataclasses.replace(handmade.settings.engine, features="handmade")
    handmade.settings = dataclasses.replace(handmade.settings, engine=engine)
    frames = []
    for p in (project, handmade):
        with FrameRenderer(p, device="cpu") as renderer:
            frames.append(renderer.render(6).frame)
    assert frames[0].shape == (48, 64, 3)
    assert np.abs(frames[0].astype(int) - frames[1]).mean() > 0.5  # the keys changed which patches are used


def test_without_a_trained_vae_the_hand_made_features_stay(tmp_path: Path, clips: list[Path]) -> None:
    project = load_project(_project(tmp_path / "untrained", clips))
    warnings: list[str] = []
    synth = make_synthesizer(project, "cpu", on_warning=warnings.append)
    assert isinstance(synth.features, PatchFeatures)
    assert len(warnings) == 1 and "no VAE is trained" in warnings[0] and "\n" not in warnings[0]


def test_the_setting_is_saved_and_checked(tmp_path: Path, clips: list[Path]) -> None:
    path = _project(tmp_path / "saved", clips)
    assert load_project(path).settings.engine.features == "vae"
    data = json.loads(path.read_text())
    data["settings"]["engine"]["features"] = "magic"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="features"):
        load_project(path)
