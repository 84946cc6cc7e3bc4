"""Checkpoints: identical outputs after a round trip; pickles, tampering and mismatches refused in one line;
writes are atomic, so a failure or a cancel leaves the last good checkpoint."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch

from studio.errors import CancelToken, StudioError
from studio.models import checkpoint as ckpt
from studio.models.checkpoint import load_checkpoint, save_checkpoint
from studio.models.data import FrameData
from studio.models.registry import build_model, make_config
from studio.models.train import TrainConfig, train


def _model(kind: str = "transformer", seed: int = 0):
    torch.manual_seed(seed)
    model = build_model(kind, make_config(kind, "tiny"))
    for p in model.parameters():  # non-trivial weights everywhere (zero-initialised heads included)
        torch.nn.init.normal_(p, std=0.05)
    return model.eval()


@pytest.mark.parametrize("kind", ["vae", "convlstm", "transformer"])
def test_round_trip_gives_identical_outputs(tmp_path: Path, kind: str) -> None:
    model = _model(kind)
    manifest = save_checkpoint(tmp_path / "ck", model, step=7, metrics={"x": 1.0})
    loaded = load_checkpoint(manifest)
    assert loaded.kind == kind and loaded.step == 7 and loaded.manifest["metrics"] == {"x": 1.0}
    video = torch.rand(1, 12, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        if kind == "vae":
            a, b = model.reconstruct(video[:, 0]), loaded.model.reconstruct(video[:, 0])
        else:
            a, b = model.extend(video[:, :4], 3), loaded.model.extend(video[:, :4], 3)
    assert torch.equal(a, b)
    for path in (tmp_path / "ck", tmp_path / "ck" / loaded.manifest["weights"]):  # folder or weights file
        assert load_checkpoint(path).step == 7


def test_pickle_files_are_refused(tmp_path: Path) -> None:
    model = _model()
    pt = tmp_path / "model.pt"
    torch.save(model.state_dict(), pt)
    with pytest.raises(StudioError, match="pickle") as err:
        load_checkpoint(pt)
    assert "\n" not in str(err.value)
    # A pickle disguised under the expected name, its hash even recorded: the magic bytes give it away.
    manifest = save_checkpoint(tmp_path / "ck", model, step=1)
    data = json.loads(manifest.read_text())
    weights = manifest.parent / data["weights"]
    for payload in (pickle.dumps({"w": 1}, protocol=4), None):
        if payload is None:
            torch.save(model.state_dict(), weights)  # torch's zip format
        else:
            weights.write_bytes(payload)
        data["sha256"] = ckpt.sha256_file(weights)
        manifest.write_text(json.dumps(data))
        with pytest.raises(StudioError, match="pickle"):
            load_checkpoint(manifest)


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    manifest = save_checkpoint(tmp_path / "ck", _model(), step=1)
    weights = manifest.parent / json.loads(manifest.read_text())["weights"]
    raw = bytearray(weights.read_bytes())
    raw[-5] ^= 0xFF  # one weight's bits flipped: still a valid safetensors file
    weights.write_bytes(bytes(raw))
    with pytest.raises(StudioError, match="SHA-256"):
        load_checkpoint(manifest)


def test_config_that_does_not_fit_the_weights_is_refused(tmp_path: Path) -> None:
    manifest = save_checkpoint(tmp_path / "ck", _model(), step=1)
    data = json.loads(manifest.read_text())
    data["config"]["dim"] = 32  # same keys, other shapes
    manifest.write_text(json.dumps(data))
    with pytest.raises(StudioError, match="shape"):
        load_checkpoint(manifest)
    data["config"]["dim"], data["config"]["depth"] = 64, 3  # an extra block: missing tensors
    manifest.write_text(json.dumps(data))
    with pytest.raises(StudioError, match="does not match"):
        load_checkpoint(manifest)
    data["config"]["wings"] = 2
    manifest.write_text(json.dumps(data))
    with pytest.raises(StudioError, match="wings"):
        load_checkpoint(manifest)


def test_missing_or_foreign_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nowhere")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "checkpoint.json").write_text('{"format": "something else"}')
    with pytest.raises(StudioError, match="not an Attention Video Studio checkpoint"):
        load_checkpoint(tmp_path / "x")


def test_failed_write_keeps_the_previous_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ck"
    first = _model(seed=1)
    save_checkpoint(folder, first, step=1)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ckpt, "save_file", disk_full)
    with pytest.raises(OSError):
        save_checkpoint(folder, _model(seed=2), step=2)
    loaded = load_checkpoint(folder)
    assert loaded.step == 1
    assert all(torch.equal(loaded.model.state_dict()[k], v) for k, v in first.state_dict().items())
    assert not list(folder.glob(".*part*"))  # no temp files left


def test_cancel_mid_training_leaves_the_last_good_checkpoint(tmp_path: Path, frame_data: FrameData) -> None:
    cancel = CancelToken()
    cfg = TrainConfig(
        kind="convlstm",
        preset="tiny",
        steps=1000,
        batch_size=2,
        save_every=3,
        eval_every=10**6,
        eval_windows=1,
    )
    cfg.out_dir = tmp_path / "ck"
    seen = []
    for progress in train(cfg, frame_data, cancel):
        seen.append(progress)
        if progress.step == 5:
            cancel.cancel()
    assert seen[-1].done and seen[-1].cancelled and seen[-1].step == 5
    loaded = load_checkpoint(cfg.out_dir)
    assert loaded.step == 5
    assert sorted(p.name for p in cfg.out_dir.iterdir()) == [
        "checkpoint.json",
        "model-000005.safetensors",
        "state-000005.safetensors",
    ]


def test_resume_continues_from_the_checkpoint(tmp_path: Path, frame_data: FrameData) -> None:
    out = tmp_path / "ck"
    base = dict(
        kind="transformer",
        preset="tiny",
        batch_size=2,
        eval_every=10**6,
        eval_windows=1,
        out_dir=out,
        gan=True,
    )
    for _ in train(TrainConfig(steps=3, **base), frame_data):
        pass
    first = load_checkpoint(out)
    steps = [p.step for p in train(TrainConfig(steps=5, resume=True, **base), frame_data)]
    assert steps[0] == 4 and steps[-1] == 5  # continued, did not start over
    second = load_checkpoint(out)
    assert second.step == 5 and second.manifest["train"]["gan"]
    assert not torch.equal(first.model.state_dict()["head.weight"], second.model.state_dict()["head.weight"])
    with pytest.raises(StudioError, match="vae"):
        next(iter(train(TrainConfig(**{**base, "kind": "vae"}, steps=6, resume=True), frame_data)))


def test_transformer_saved_before_the_blend_input_loads_without_it(tmp_path: Path) -> None:
    """Checkpoints written before ``blend_input`` (or before ``guess``) keep the inputs their weights know."""
    torch.manual_seed(0)
    old = build_model("transformer", make_config("transformer", "tiny", blend_input=False)).eval()
    manifest = save_checkpoint(tmp_path / "ck", old, step=1)
    data = json.loads(manifest.read_text())
    del data["config"]["blend_input"]  # as an older version wrote it
    manifest.write_text(json.dumps(data))
    loaded = load_checkpoint(manifest)
    assert loaded.model.cfg.guess == "flow" and not loaded.model.blend_input
    del data["config"]["guess"]
    manifest.write_text(json.dumps(data))
    assert load_checkpoint(manifest).model.cfg.guess == "blend"
    assert build_model("transformer", make_config("transformer", "tiny")).blend_input  # new default
