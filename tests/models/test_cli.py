"""``studio train / eval / generate`` end to end on a real project: checkpoints, JSON, new MP4s in the
project."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.media import ClipReader, probe
from studio.project import load_project


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, moving_clip: Path, other_clip: Path) -> dict[str, Path]:
    """Tiny checkpoints of all three kinds, made by ``studio train`` itself (a few steps: the CLI is tested
    here, learning in test_overfit)."""
    from tests.models.conftest import write_project

    folder = tmp_path_factory.mktemp("cli")
    project = write_project(folder / "proj", [moving_clip, other_clip])
    out = {"project": project}
    for kind in ("vae", "convlstm", "transformer"):
        argv = ["train", str(project), "--model", kind, "--steps", "5", "--preset", "tiny", "--size", "32"]
        argv += ["--batch", "2", "--eval-every", "5", "--out", str(folder / kind)]
        assert main(argv) == 0
        out[kind] = folder / kind
    return out


def test_train_writes_a_checkpoint_and_reports(
    trained: dict[str, Path], capsys: pytest.CaptureFixture
) -> None:
    manifest = json.loads((trained["vae"] / "checkpoint.json").read_text())
    assert manifest["step"] == 5 and manifest["kind"] == "vae" and manifest["config"]["image_size"] == 32
    assert "reconstruction.psnr" in manifest["metrics"]


def test_eval_json_lists_the_model_next_to_the_baselines(
    trained: dict[str, Path], capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    argv = ["eval", str(trained["project"]), "--checkpoint", str(trained["transformer"]), "--json"]
    assert main([*argv, "--square"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(set(r) == {"task", "method", "psnr", "ssim"} for r in rows)
    pairs = {(r["task"], r["method"]) for r in rows}
    for task in ("predict-1", "predict-8", "interp-2x", "interp-4x"):
        assert (task, "transformer") in pairs and (task, "dis-flow") in pairs and (task, "linear") in pairs
    assert all(np.isfinite(r["psnr"]) and 0 < r["ssim"] <= 1 for r in rows)
    assert main(["eval", str(trained["project"]), "--checkpoint", str(trained["vae"])]) == 0
    table = capsys.readouterr().out
    assert "reconstruction" in table and "bicubic-1/8" in table and "square" in table  # the VAE: its square


def test_eval_scores_square_models_at_the_clips_own_size_by_default(
    trained: dict[str, Path], capsys: pytest.CaptureFixture
) -> None:
    capsys.readouterr()
    assert main(["eval", str(trained["project"]), "--checkpoint", str(trained["transformer"]), "--json"]) == 0
    pairs = {(r["task"], r["method"]) for r in json.loads(capsys.readouterr().out)}
    assert pairs == {
        ("predict-8", "transformer"), ("predict-8", "repeat-last"), ("predict-8", "dis-flow"),
        ("predict-8", "flow extend"), ("interp-2x", "transformer"), ("interp-2x", "dis-flow"),
        ("interp-2x", "linear"),
    }  # fmt: skip
    assert main(["eval", str(trained["project"]), "--checkpoint", str(trained["convlstm"])]) == 0
    assert "own size" in capsys.readouterr().out


def _generate(trained: dict[str, Path], kind: str, *op: str) -> Path:
    project = trained["project"]
    before = {c.id for c in load_project(project).clips}
    assert main(["generate", str(project), "--checkpoint", str(trained[kind]), *op]) == 0
    clips = load_project(project).clips
    new = [c for c in clips if c.id not in before]
    assert len(new) == 1
    return new[0].path


def test_generate_extend_adds_a_clip_with_provenance(trained: dict[str, Path]) -> None:
    path = _generate(trained, "convlstm", "extend", "clip-1", "--frames", "10")
    info = probe(path)
    assert info.frames == 10 and (info.width, info.height) == (64, 48)  # the clip's own size
    assert info.fps == pytest.approx(24)
    prov = json.loads(path.with_name(path.stem + ".provenance.json").read_text())
    assert prov["operation"] == "extend" and prov["model"] == "convlstm"
    assert prov["inputs"][0]["clip_id"] == "clip-1" and Path(prov["checkpoint"]).exists()
    saved = next(c for c in load_project(trained["project"]).clips if c.path == path)
    assert saved.provenance == prov  # the project file carries it too, not only the sidecar


def test_generate_interpolate_doubles_the_frame_rate(trained: dict[str, Path]) -> None:
    out = trained["project"].parent / "slow.mp4"
    path = _generate(trained, "transformer", "interpolate", "models_other", "--factor", "2", "-o", str(out))
    assert path == out.resolve()
    info = probe(path)
    assert info.frames == 2 * 36 - 1 and info.fps == pytest.approx(48)


def test_generate_morph_goes_from_a_to_b(trained: dict[str, Path]) -> None:
    path = _generate(trained, "vae", "morph", "clip-1", "clip-2", "--frames", "6")
    with ClipReader(path) as reader:
        assert reader.frame_count == 6
        first, last = reader.read(0).astype(float), reader.read(5).astype(float)
    assert np.abs(first - last).mean() > 1.0  # it changes from A's look to B's


def test_user_errors_are_one_line_exit_2(trained: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    project = str(trained["project"])
    capsys.readouterr()
    assert main(["generate", project, "--checkpoint", str(trained["vae"]), "extend", "clip-1"]) == 2
    err = capsys.readouterr().err
    assert "cannot extend" in err and err.count("\n") == 1
    assert main(["generate", project, "--checkpoint", str(trained["vae"]), "morph", "clip-1", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    bogus = trained["project"].parent / "weights.pth"
    bogus.write_bytes(b"\x80\x04junk")
    assert main(["eval", project, "--checkpoint", str(bogus)]) == 2
    assert "pickle" in capsys.readouterr().err


def test_transformer_generations_record_where_each_new_frame_looked(trained: dict[str, Path]) -> None:
    """The Transformer's temporal attention is saved as an attention record the window's viewer opens."""
    from studio.models.attention_capture import EXTEND_COLUMNS, INTERPOLATE_COLUMNS
    from studio.project.record import AttentionRecordReader

    path = _generate(trained, "transformer", "extend", "clip-1", "--frames", "10")
    prov = json.loads(path.with_name(path.stem + ".provenance.json").read_text())
    record = AttentionRecordReader(prov["attention"])
    assert record.complete and record.frames == 10 and record.clip_names == list(EXTEND_COLUMNS)
    shares = record.shares(0, 10)
    np.testing.assert_allclose(shares.sum(1), 1.0, atol=1e-3)  # every new frame drew on its context
    maps = record.maps(3).astype(np.float32)
    np.testing.assert_allclose(maps.sum(0), 1.0, atol=1e-2)  # per patch, over the known frames

    path = _generate(trained, "transformer", "interpolate", "clip-1", "--factor", "2")
    record = AttentionRecordReader(
        json.loads(path.with_name(path.stem + ".provenance.json").read_text())["attention"]
    )
    assert record.clip_names == list(INTERPOLATE_COLUMNS) and record.frames == probe(path).frames
    shares = record.shares(0, record.frames)
    assert np.all(shares[0::2].sum(1) == 0)  # the keys are copied, not generated
    np.testing.assert_allclose(shares[1::2].sum(1), 1.0, atol=1e-3)


def test_generate_says_what_it_wrote_and_its_record_opens_from_anywhere(
    trained: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """One line on success; the model-attention record's path works from any folder (it was relative to
    the folder the command ran in)."""
    monkeypatch.chdir(trained["project"].parent)
    capsys.readouterr()
    path = _generate(trained, "transformer", "extend", "clip-1", "--frames", "4", "-o", "ext.mp4")
    [line] = capsys.readouterr().out.strip().splitlines()
    assert line.startswith(f"wrote {path}: 4 frames, 64x48 at 24 fps, added to ")
    record = Path(json.loads(path.with_name("ext.provenance.json").read_text())["attention"])
    assert record.is_absolute() and (record / "meta.json").is_file()
