"""Checkpoints a hostile folder can hold (issue 14, family 6): refused in one line, before anything big is
allocated, and never loaded from outside their own folder."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from studio.cli import main
from studio.errors import StudioError
from studio.models import checkpoint as ckpt
from studio.models.checkpoint import load_checkpoint, save_checkpoint
from studio.models.registry import build_model, make_config


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A tiny VAE's checkpoint (its manifest's path)."""
    torch.manual_seed(0)
    return save_checkpoint(tmp_path / "ck", build_model("vae", make_config("vae", "tiny")), step=3)


def _edit(manifest: Path, **changes: Any) -> None:
    data = json.loads(manifest.read_text())
    for key, value in changes.items():
        if key.startswith("config."):
            data["config"][key.removeprefix("config.")] = value
        else:
            data[key] = value
    manifest.write_text(json.dumps(data))


def _refused(path: Path, *expected: str) -> str:
    with pytest.raises(StudioError) as err:
        load_checkpoint(path)
    message = str(err.value)
    assert "\n" not in message and all(e in message for e in expected), message
    return message


def test_a_damaged_header_with_an_updated_sha256_is_one_line(saved: Path) -> None:
    weights = saved.parent / json.loads(saved.read_text())["weights"]
    raw = bytearray(weights.read_bytes())
    raw[8:12] = b"{ xx"  # the JSON header broken, its length field intact
    weights.write_bytes(bytes(raw))
    _edit(saved, sha256=ckpt.sha256_file(weights))  # whoever damaged it updated the hash too
    _refused(saved, weights.name, "is not a readable safetensors file")


@pytest.mark.parametrize("where", ["../outside/model.safetensors", "ABSOLUTE"])
def test_weights_outside_the_folder_are_not_loaded(saved: Path, tmp_path: Path, where: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    genuine = saved.parent / json.loads(saved.read_text())["weights"]
    (outside / "model.safetensors").write_bytes(genuine.read_bytes())  # valid weights, valid hash
    name = str(outside / "model.safetensors") if where == "ABSOLUTE" else where
    _edit(saved, weights=name)
    _refused(saved, "lies outside the checkpoint's folder")


def test_a_symlink_out_of_the_folder_is_outside_too(saved: Path, tmp_path: Path) -> None:
    genuine = saved.parent / json.loads(saved.read_text())["weights"]
    elsewhere = tmp_path / "elsewhere.safetensors"
    elsewhere.write_bytes(genuine.read_bytes())
    (saved.parent / "link.safetensors").symlink_to(elsewhere)
    _edit(saved, weights="link.safetensors")
    _refused(saved, "lies outside the checkpoint's folder")


@pytest.mark.parametrize(
    ("kind", "field", "value", "expected"),
    [
        ("convlstm", "hidden_channels", 4096, "hidden_channels: expected an integer in [1, 1024], got 4096"),
        ("convlstm", "layers", 10**7, "layers: expected an integer in [1, 16], got 10000000"),
        ("vae", "base_channels", 3000, "base_channels: expected an integer in [1, 512], got 3000"),
        ("vae", "image_size", "32", "image_size: expected an integer in [8, 1024], got '32'"),
        ("convlstm", "hidden_channels", 1024, "more than the 268 M this app loads"),  # each field in bounds
        ("transformer", "dim", 65, "transformer config makes no model: dim 65 is not a multiple of heads"),
    ],
)
def test_a_config_too_big_or_wrong_is_refused_before_allocating(
    saved: Path, kind: str, field: str, value: Any, expected: str
) -> None:
    config = {**vars(make_config(kind, "tiny")), field: value}
    if value == 1024:  # with 16 layers of 15x15 kernels: 29 G parameters
        config.update(layers=16, kernel_size=15)
    _edit(saved, kind=kind, config={k: list(v) if isinstance(v, tuple) else v for k, v in config.items()})
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    _refused(saved, "checkpoint.json: ", expected)
    assert time.perf_counter() - started < 10
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 200 * 1024  # the 2 GiB models were never built


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"config": [1, 2]}, "config: expected an object, got list"),
        ({"step": "x"}, "step: expected an integer >= 0, got str"),
        ({"kind": ["vae"]}, "unknown model kind"),
        ({"weights": None}, "weights: expected a file name, got NoneType"),
    ],
)
def test_a_manifest_of_the_wrong_types_is_one_line(saved: Path, changes: dict, expected: str) -> None:
    _edit(saved, **changes)
    _refused(saved, expected)


def test_a_huge_config_is_one_line_from_the_cli(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process: the refusal comes before any allocation (measured above), so no capped child is needed."""
    _edit(saved, kind="convlstm", config={**vars(make_config("convlstm", "tiny")), "layers": 10**7})
    argv = ["eval", str(tmp_path / "never-read.avsproj.json"), "--checkpoint", str(saved.parent)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "layers: expected an integer in [1, 16]" in err[0]


def test_learned_features_do_not_load_weights_from_outside(saved: Path, tmp_path: Path) -> None:
    """``features: "vae"`` finds the project's VAE under its folder; weights pointing out of it are refused,
    and the render says so and keeps the hand-made features (it loaded them silently)."""
    from studio.engine.generator import synthesizer_for
    from studio.engine.learned import use_learned_features
    from studio.models.locations import checkpoints_dir, find_checkpoint
    from studio.project import EngineSettings, Project

    project = Project("learned")
    project.path = tmp_path / "p.avsproj.json"
    folder = checkpoints_dir(project.path, "vae")  # where the Training panel puts the project's VAE
    folder.parent.mkdir(parents=True, exist_ok=True)
    saved.parent.rename(folder)
    outside = tmp_path / "outside.safetensors"
    genuine = folder / json.loads((folder / "checkpoint.json").read_text())["weights"]
    outside.write_bytes(genuine.read_bytes())
    _edit(folder / "checkpoint.json", weights=str(outside))
    assert find_checkpoint(project.path, ("vae",)) is not None
    warnings: list[str] = []
    generator = synthesizer_for(EngineSettings(features="vae"), device="cpu")
    assert not use_learned_features(generator, project, warnings.append)
    assert len(warnings) == 1 and "lies outside the checkpoint's folder" in warnings[0]
