"""The native-resolution interpolator on real encoded footage (tests/footage.py): it starts as DIS flow
bit for bit, learns from a pan, tiles without seams, never blends across a cut, and the CLI runs it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.cli import main
from studio.media import probe
from studio.media.cuts import detect_cuts, shots
from studio.models.baselines import interpolate as baseline
from studio.models.data import sources_from_clips
from studio.models.interp import interpolate, tiles
from studio.models.interp_train import evaluate_interp, score, train_interp
from studio.models.native import NativeData
from studio.models.native_generate import interpolate_frames
from studio.models.registry import build_model, make_config
from studio.models.train import TrainConfig
from studio.project import load_project
from tests import footage

SIZE = (160, 96)


@pytest.fixture(scope="module")
def pan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("interp")
    return footage.pan_clip(folder / "pan.mp4", size=SIZE, frames=40, pan=(2.0, 0.5))


@pytest.fixture(scope="module")
def pan_frames(pan: Path) -> np.ndarray:
    return footage.decode(pan)


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return footage.cut_clip(tmp_path_factory.mktemp("cut") / "cut.mp4", size=SIZE, frames=24)


def _random_model(seed: int = 0):
    """A model whose residual heads are not zero (as after training): tiling must still agree."""
    torch.manual_seed(seed)
    model = build_model("interp", make_config("interp", "tiny"))
    for p in model.parameters():
        if p.ndim > 1:
            torch.nn.init.normal_(p, std=0.05)
    return model.eval()


def test_untrained_model_is_dis_flow_bit_for_bit(pan_frames: np.ndarray) -> None:
    model = build_model("interp", make_config("interp", "tiny"))
    a, b = pan_frames[10], pan_frames[12]
    for t in (0.5, 1 / 3, 0.8):
        ours = interpolate(model, a, b, t)
        assert np.array_equal(ours, baseline(a, b, t, "dis-flow"))
    assert np.array_equal(interpolate(model, a, b, 0.0), a) and np.array_equal(
        interpolate(model, a, b, 1.0), b
    )


def test_tiles_match_one_pass_within_a_tenth_of_a_db(pan_frames: np.ndarray) -> None:
    model = _random_model()
    a, b = pan_frames[4], pan_frames[6]
    one = interpolate(model, a, b, 0.5).astype(np.float64)
    tiled = interpolate(model, a, b, 0.5, tile=64).astype(np.float64)
    assert len(tiles(SIZE[1], SIZE[0], 64, 32, 4)) > 2  # really tiled
    psnr_one = 10 * np.log10(255**2 / ((one - pan_frames[5]) ** 2).mean())
    psnr_tiled = 10 * np.log10(255**2 / ((tiled - pan_frames[5]) ** 2).mean())
    assert abs(psnr_one - psnr_tiled) < 0.1
    assert not np.array_equal(one, interpolate(None, a, b, 0.5))  # the random model is not the baseline


def test_training_on_a_pan_beats_the_untrained_model_on_held_out_frames(pan_frames: np.ndarray) -> None:
    data = NativeData([pan_frames], [[]])
    held_out = data.triplets(held_out=True)
    assert held_out and all(tr.first >= data.segments[0].stop for tr in held_out)
    cfg = TrainConfig(kind="interp", preset="tiny", steps=150, batch_size=2, lr=1e-3, eval_every=10**6,
                      warmup_steps=10)  # fmt: skip
    model = None
    for progress in train_interp(cfg, data):
        model = progress.model
    assert model is not None
    trained, _ = score(model, data, held_out, "cpu")
    untrained, _ = score(None, data, held_out, "cpu")
    assert trained > untrained + 0.05, (trained, untrained)


def test_cuts_are_found_and_nothing_is_learned_or_blended_across_them(cut: Path) -> None:
    frames = footage.decode(cut)
    cuts = detect_cuts(frames)
    assert cuts == [12]
    assert shots(cuts, len(frames)) == [(0, 12), (12, 24)]
    data = NativeData([frames], [cuts])
    assert [s.held_out for s in data.segments] == [False, True]  # the last shot is held out whole
    for tr in data.triplets(False, gaps=(2, 3, 4)) + data.triplets(True, gaps=(2, 3, 4)):
        assert (tr.first < 12) == (tr.first + tr.gap < 12)
    out = interpolate_frames(None, frames[9:15], 4, [3])  # the cut between frames 11 and 12
    across = out[2 * 4 + 1 : 3 * 4]
    for frame in across:
        assert np.array_equal(frame, frames[11]) or np.array_equal(frame, frames[12])
    assert not np.array_equal(out[1], frames[9]) and not np.array_equal(out[1], frames[10])


def test_generated_clips_are_never_learned_from_unless_named() -> None:
    class Clip:
        def __init__(self, cid: str, provenance: dict | None) -> None:
            self.id = self.name = cid
            self.path, self.provenance, self.offline_reason = Path(f"/x/{cid}.mp4"), provenance, None

    clips = [Clip("real", None), Clip("made", {"operation": "extend"})]
    assert [s.id for s in sources_from_clips(clips)] == ["real"]
    assert [s.id for s in sources_from_clips(clips, ["made"])] == ["made"]


def test_cli_trains_scores_and_retimes_at_the_clips_size(
    tmp_path: Path, pan: Path, capsys: pytest.CaptureFixture
) -> None:
    from tests.models.conftest import write_project

    project = write_project(tmp_path / "proj", [pan])
    out = tmp_path / "interp"
    argv = ["train", str(project), "--model", "interp", "--steps", "3", "--preset", "tiny", "--batch", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    manifest = json.loads((out / "checkpoint.json").read_text())
    assert manifest["kind"] == "interp" and manifest["step"] == 3
    capsys.readouterr()
    assert main(["eval", str(project), "--checkpoint", str(out), "--json"]) == 0
    rows = {r["method"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"interp", "dis-flow", "linear", "repeat-last"}
    assert rows["dis-flow"]["psnr"] > rows["linear"]["psnr"]
    # no checkpoint: the untrained interpolator (DIS flow), at the clip's own size
    assert main(["generate", str(project), "interpolate", "clip-1", "--factor", "2"]) == 0
    made = load_project(project).clips[-1]
    assert (made.width, made.height) == SIZE and made.provenance["model"].startswith("interp")
    assert probe(made.path).frames == 2 * 40 - 1


def test_evaluation_scores_every_method_on_the_same_held_out_frames(pan_frames: np.ndarray) -> None:
    data = NativeData([pan_frames], [[]])
    model = build_model("interp", make_config("interp", "tiny"))
    rows = {r.method: r for r in evaluate_interp(model, data, "cpu")}
    assert rows["interp"].psnr == rows["dis-flow"].psnr  # untrained = the baseline, on the same frames
    assert rows["dis-flow"].psnr > rows["linear"].psnr > rows["repeat-last"].psnr - 1e-9


def test_native_extend_beats_dis_extrapolation_eight_frames_ahead(pan_frames: np.ndarray) -> None:
    from studio.models.baselines import predict
    from studio.models.native_generate import extrapolate, trustworthy_frames

    ours, dis = [], []
    for start in (8, 16, 24):
        context, truth = pan_frames[start - 4 : start], pan_frames[start + 7].astype(np.float64)
        made, inside = extrapolate(context, 8)
        assert made.shape == (8, SIZE[1], SIZE[0], 3) and np.all(np.diff(inside) <= 1e-9)
        assert 0 <= trustworthy_frames(inside) <= 8
        ours.append(10 * np.log10(255**2 / ((made[-1] - truth) ** 2).mean()))
        dis.append(10 * np.log10(255**2 / ((predict(context, 8, "dis-flow")[-1] - truth) ** 2).mean()))
    assert np.mean(ours) > np.mean(dis) + 0.3, (ours, dis)


def test_extend_context_never_reaches_across_a_cut(cut: Path, tmp_path: Path) -> None:
    from studio.models.data import ClipSource
    from studio.models.native_generate import extend_clip

    made, trusted = extend_clip(ClipSource("c", "cut", cut, width=SIZE[0], height=SIZE[1]), 4)
    frames = footage.decode(cut)
    first_shot_mean = frames[:12].astype(np.float64).mean()
    # the second shot's look continues (a different photo); nothing of the first shot comes back
    assert abs(made[0].astype(np.float64).mean() - frames[-1].mean()) < abs(made[0].mean() - first_shot_mean)
    assert made.shape[0] == 4 and 0 <= trusted <= 4


def test_flow_morph_goes_from_a_to_b_at_a_size(pan_frames: np.ndarray, cut: Path) -> None:
    from studio.models.native_generate import morph_frames

    b = footage.decode(cut)
    made = morph_frames(pan_frames, b, 6)
    assert made.shape == (6, SIZE[1], SIZE[0], 3)
    to_a = [np.abs(f.astype(np.float64) - pan_frames[-1]).mean() for f in made]
    to_b = [np.abs(f.astype(np.float64) - b[0]).mean() for f in made]
    assert to_a[0] < to_b[0] and to_b[-1] < to_a[-1]  # starts near A's end, ends near B's start
