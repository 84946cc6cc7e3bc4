"""Model vs baselines on the same held-out frames, in the same run: PSNR and SSIM per task.

Every evaluation window is ``EVAL_WINDOW`` = 12 consecutive held-out frames:

* ``reconstruction`` (VAE): every frame through the latent; baseline: bicubic down to 1/8 and back up.
* ``predict-1`` / ``predict-8``: frames 0..3 given, frame 4 / frames 4..11 predicted.
* ``interp-2x`` / ``interp-4x``: every 2nd / 4th frame given, the ones between them generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import cv2
import numpy as np
import torch
import torch.nn as nn

from studio.models import baselines
from studio.models.data import FrameData, to_tensor, to_uint8
from studio.models.metrics import psnr, ssim

EVAL_WINDOW = 12
CONTEXT = 4
TASKS = ("reconstruction", "predict-1", "predict-8", "interp-2x", "interp-4x")
MODEL_TASKS = {
    "vae": ("reconstruction",),
    "convlstm": ("predict-1", "predict-8"),
    "transformer": ("predict-1", "predict-8", "interp-2x", "interp-4x"),
}


@dataclass(frozen=True)
class EvalResult:
    task: str
    method: str
    psnr: float
    ssim: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def target_indices(task: str) -> list[int]:
    """Frames of a window that a task generates (and is scored on)."""
    if task == "reconstruction":
        return list(range(EVAL_WINDOW))
    if task.startswith("predict-"):
        return list(range(CONTEXT, CONTEXT + int(task.split("-")[1])))
    factor = _factor(task)
    last_known = (EVAL_WINDOW - 1) // factor * factor
    return [t for t in range(last_known) if t % factor]  # only frames *between* known ones


def _factor(task: str) -> int:
    return int(task.split("-")[1].rstrip("x"))


@torch.no_grad()
def model_outputs(model: nn.Module, task: str, windows: torch.Tensor) -> torch.Tensor:
    """The model's frames for ``task`` on windows (N, 12, 3, H, W) in [0, 1] → (N, len(targets), 3, H, W)."""
    if task == "reconstruction":
        return model.reconstruct(windows.flatten(0, 1)).view_as(windows)
    if task.startswith("predict-"):
        return model.extend(windows[:, :CONTEXT], int(task.split("-")[1]))
    factor = _factor(task)
    span = (EVAL_WINDOW - 1) // factor * factor + 1  # end on a known frame: pure interpolation
    known = torch.arange(span, device=windows.device) % factor == 0
    return model.fill(windows[:, :span], known)[:, target_indices(task)]


def baseline_outputs(method: str, task: str, windows: np.ndarray) -> np.ndarray:
    """A baseline's frames for ``task`` on uint8 windows (N, 12, H, W, 3) → (N, len(targets), H, W, 3)."""
    out = []
    for w in windows:
        if task == "reconstruction":  # "bicubic-1/8": the same 1/8 spatial budget as the VAE's latent
            h, wd = w.shape[1:3]
            small = [cv2.resize(f, (wd // 8, h // 8), interpolation=cv2.INTER_AREA) for f in w]
            out.append(np.stack([cv2.resize(s, (wd, h), interpolation=cv2.INTER_CUBIC) for s in small]))
        elif task.startswith("predict-"):
            out.append(baselines.predict(w[:CONTEXT], int(task.split("-")[1]), method))
        else:
            f = _factor(task)
            frames = []
            for t in target_indices(task):
                p = t // f * f
                frames.append(baselines.interpolate(w[p], w[p + f], (t - p) / f, method))
            out.append(np.stack(frames))
    return np.stack(out)


def baseline_methods(task: str) -> tuple[str, ...]:
    if task == "reconstruction":
        return ("bicubic-1/8",)
    return baselines.PREDICTION_METHODS if task.startswith("predict-") else baselines.INTERPOLATION_METHODS


def _score(pred: torch.Tensor, target: torch.Tensor) -> tuple[float, float]:
    return float(psnr(pred, target)), float(ssim(pred, target))


def score_model(
    model: nn.Module, task: str, windows: np.ndarray, device: torch.device | str, batch: int = 8
) -> tuple[float, float]:
    """Model PSNR/SSIM on uint8 windows, computed in batches (bounded memory); frames quantised to uint8
    first, exactly like a written video and like the baselines."""
    preds = []
    for start in range(0, len(windows), batch):
        chunk = to_tensor(windows[start : start + batch], device)
        preds.append(to_uint8(model_outputs(model, task, chunk)))
    pred = np.concatenate(preds)
    return _score(to_tensor(pred), to_tensor(windows[:, target_indices(task)]))


def evaluate(
    model: nn.Module,
    data: FrameData,
    *,
    device: torch.device | str | None = None,
    tasks: Sequence[str] | None = None,
    max_windows: int = 16,
    split: str = "held-out",
    baselines_too: bool = True,
) -> list[EvalResult]:
    """Rows (task, method, psnr, ssim): the model (method = its kind) then each baseline, per task.
    ``device``: where the model runs (default: where its weights are, so a model trained on a GPU is scored
    there without the caller moving it)."""
    tasks = tasks or MODEL_TASKS[model.kind]
    if device is None:
        device = next(model.parameters()).device
    else:
        model.to(device)
    windows = (
        data.held_out(EVAL_WINDOW, max_windows)
        if split == "held-out"
        else data.train_windows(EVAL_WINDOW, max_windows)
    )
    model.eval()
    rows = []
    for task in tasks:
        rows.append(EvalResult(task, model.kind, *score_model(model, task, windows, device)))
        if baselines_too:
            truth = to_tensor(windows[:, target_indices(task)])
            for method in baseline_methods(task):
                rows.append(
                    EvalResult(
                        task, method, *_score(to_tensor(baseline_outputs(method, task, windows)), truth)
                    )
                )
    return rows


def format_table(rows: Sequence[EvalResult]) -> str:
    lines = [f"{'task':<16}{'method':<14}{'PSNR dB':>9}{'SSIM':>8}"]
    for r in rows:
        lines.append(f"{r.task:<16}{r.method:<14}{r.psnr:>9.2f}{r.ssim:>8.4f}")
    return "\n".join(lines)
