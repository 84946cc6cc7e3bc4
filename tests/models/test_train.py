"""The training loop as a generator: progress, evaluation, GAN switch, fixed seed, devices."""

from __future__ import annotations

import pytest
import torch

from studio.errors import StudioError
from studio.models.data import FrameData
from studio.models.device import choose_device
from studio.models.evaluate import evaluate
from studio.models.train import TrainConfig, train


@pytest.mark.parametrize("kind", ["vae", "convlstm", "transformer"])
def test_progress_reports_losses_rate_eta_and_held_out_scores(frame_data: FrameData, kind: str) -> None:
    cfg = TrainConfig(
        kind=kind, preset="tiny", steps=4, batch_size=2, eval_every=2, eval_windows=2, gan=True, device="cpu"
    )
    progress = list(train(cfg, frame_data))
    assert [p.step for p in progress] == [1, 2, 3, 4, 4]
    assert progress[0].psnr is None and progress[1].psnr is not None  # evaluated every 2 steps
    assert [p.evaluated for p in progress] == [False, True, False, True, False]
    assert 0 < progress[1].ssim <= 1
    assert {"loss", "g_adv", "d"} <= set(progress[0].losses)
    assert all(p.samples_per_s > 0 for p in progress)
    assert progress[1].eta_s is not None and progress[1].eta_s >= 0
    final = progress[-1]
    assert final.done and not final.cancelled and final.model is not None and final.device == "cpu"


def test_same_seed_same_run(frame_data: FrameData) -> None:
    def losses(seed: int) -> list[float]:
        cfg = TrainConfig(
            kind="vae", preset="tiny", steps=3, batch_size=2, seed=seed, eval_every=10**6, eval_windows=1
        )
        return [p.losses["loss"] for p in train(cfg, frame_data) if not p.done]

    assert losses(5) == losses(5)
    assert losses(5) != losses(6)


def test_minutes_limit_stops_the_run(frame_data: FrameData) -> None:
    cfg = TrainConfig(
        kind="vae", preset="tiny", minutes=0.5 / 60, batch_size=2, eval_every=10**6, eval_windows=1
    )
    progress = list(train(cfg, frame_data))
    assert progress[-1].done and 1 <= progress[-1].step < 1000


def test_device_choice() -> None:
    assert choose_device("cpu").type == "cpu"
    best = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert choose_device("auto").type == best  # the engine's answer too: one decision
    if not torch.cuda.is_available():
        with pytest.raises(StudioError, match="CUDA"):
            choose_device("cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_mixed_precision_training_on_cuda(frame_data: FrameData) -> None:
    cfg = TrainConfig(
        kind="transformer", preset="tiny", steps=3, batch_size=2, eval_every=3, device="cuda", gan=True
    )
    final = list(train(cfg, frame_data))[-1]
    assert final.device.startswith("cuda") and final.psnr is not None
    # A model trained on the GPU is scored where its weights are, without the caller moving it.
    rows = evaluate(final.model, frame_data, max_windows=2, tasks=["interp-2x"])
    assert next(p for p in final.model.parameters()).is_cuda and all(0 < r.ssim <= 1 for r in rows)
