"""Training and scoring the native-resolution interpolator (:mod:`studio.models.interp`) on the user's clips.

Self-supervised: a triplet of frames (a, target, b) at gaps 2-4, so t takes the values 1/4 .. 3/4, never
across a cut (:mod:`studio.models.native`); a random crop at full resolution (the warps still see the whole
frame), flipped left-right and played backwards at random. Loss: L1 plus L1 of the Laplacian (edges and
texture, which plain L1 lets blur). AdamW, warm-up, clipped gradients; bf16/fp16 autocast on CUDA. The loop
is a generator of :class:`~studio.models.train.TrainProgress`, like the other models' (same CLI bar, same
panel), and saves safetensors checkpoints with :func:`~studio.models.checkpoint.save_checkpoint`.

Scoring (:func:`evaluate_interp`): 2x interpolation of held-out triplets at the clip's own size, the model
against the baselines on the same frames: DIS flow (the untrained model), the linear blend, repeat-last.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from studio.errors import CancelToken, StudioError
from studio.models import baselines
from studio.models import checkpoint as ckpt
from studio.models.device import choose_device
from studio.models.evaluate import EvalResult
from studio.models.interp import FlowInterpolator, between, flows, pair, to_frame
from studio.models.metrics import psnr, ssim
from studio.models.native import NativeData
from studio.models.registry import build_model, make_config
from studio.models.train import TrainConfig, TrainProgress, _autocast_dtype

GAPS = (2, 3, 4)
CROP = 256  # training crop (px), smaller frames are used whole
EVAL_TRIPLETS = 48  # held-out triplets scored (all of them when there are fewer)
TASK = "interp-2x"


def _laplacian(x: torch.Tensor) -> torch.Tensor:
    return x - F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)


def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (pred - target).abs().mean() + (_laplacian(pred) - _laplacian(target)).abs().mean()


class FlowCache:
    """DIS flows of frame pairs, kept for reuse (most of a CPU step's time otherwise): at most ``size``."""

    def __init__(self, size: int = 192) -> None:
        self.size, self.items = size, OrderedDict()

    def get(self, data: NativeData, tr) -> tuple[torch.Tensor, torch.Tensor]:
        key = (tr.clip, tr.first, tr.gap)
        if key in self.items:
            self.items.move_to_end(key)
        else:
            a, b, _ = data.frames(tr)
            self.items[key] = flows(a, b)
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return self.items[key]


def _sample(data: NativeData, triplets, rng: np.random.Generator, device, align: int, cache: FlowCache):
    """One augmented training example: whole frames a, b, the crop's flows, t, its origin, the target crop."""
    tr = triplets[rng.integers(len(triplets))]
    a, b, target = data.frames(tr)
    fa, fb = cache.get(data, tr)
    t = tr.t
    if rng.random() < 0.5:  # played backwards
        a, b, t, fa, fb = b, a, 1.0 - t, fb, fa
    if rng.random() < 0.5:  # mirrored: the flows mirrored too, their x component negated
        a, b, target = a[:, ::-1], b[:, ::-1], target[:, ::-1]
        sign = torch.tensor([-1.0, 1.0]).view(1, 2, 1, 1)
        fa, fb = fa.flip(-1) * sign, fb.flip(-1) * sign
    fa, fb = fa.to(device), fb.to(device)
    h, w = a.shape[:2]
    ch, cw = min(CROP, h) // align * align, min(CROP, w) // align * align
    y0 = int(rng.integers((h - ch) // align + 1)) * align
    x0 = int(rng.integers((w - cw) // align + 1)) * align
    crop = (slice(None), slice(None), slice(y0, y0 + ch), slice(x0, x0 + cw))
    return (
        to_frame(a, device), to_frame(b, device), fa[crop], fb[crop], t, (y0, x0),
        to_frame(target, device)[crop],
    )  # fmt: skip


def train_interp(
    cfg: TrainConfig, data: NativeData, cancel: CancelToken | None = None
) -> Iterator[TrainProgress]:
    """Train the interpolator; yields after every step (see :func:`studio.models.train.train`)."""
    cancel = cancel or CancelToken()
    device = choose_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = build_model("interp", make_config("interp", cfg.preset, **cfg.model_overrides)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    step = 0
    if cfg.resume and cfg.out_dir is not None and (cfg.out_dir / ckpt.MANIFEST).exists():
        from studio.models.train import _resume

        step = _resume(cfg, model, opt, None, None, device)
    triplets = data.triplets(held_out=False, gaps=GAPS)
    if not triplets:
        raise StudioError("no clip has 3 frames in a row before its held-out part; use longer clips")
    held_out = data.triplets(held_out=True, limit=cfg.eval_windows)
    amp = _autocast_dtype(device)
    scaler = torch.amp.GradScaler("cuda", enabled=amp == torch.float16)
    align = max(model.cfg.scales)
    target_steps = cfg.steps if cfg.steps is not None else (None if cfg.minutes else 1000)
    deadline = time.monotonic() + cfg.minutes * 60 if cfg.minutes else None
    metrics: tuple[float | None, float | None] = (None, None)
    rate, last_ckpt = 0.0, None
    cache = FlowCache()

    def evaluate_now() -> tuple[float, float]:
        return score(model, data, held_out, device) if held_out else (float("nan"), float("nan"))

    def save():
        if cfg.out_dir is None:
            return None
        tensors, groups = _opt_state(opt)
        scores = {f"{TASK}.psnr": metrics[0], f"{TASK}.ssim": metrics[1]} if metrics[0] else {}
        meta = {"opt_groups": groups, "gan": False, "seed": cfg.seed, "lr": cfg.lr}
        return ckpt.save_checkpoint(cfg.out_dir, model, step=step, metrics=scores, train_state=tensors,
                                    train_meta=meta)  # fmt: skip

    while True:
        over = (target_steps is not None and step >= target_steps) or (
            deadline is not None and time.monotonic() >= deadline
        )
        if over or cancel.cancelled:
            evaluated = step % cfg.eval_every != 0 or step == 0
            if evaluated:
                metrics = evaluate_now()
            last_ckpt = save() or last_ckpt
            yield TrainProgress(step, {}, *metrics, rate, 0.0, str(device), done=True,
                                cancelled=cancel.cancelled, checkpoint=last_ckpt, evaluated=evaluated,
                                model=model)  # fmt: skip
            return
        t0 = time.perf_counter()
        model.train()
        for group in opt.param_groups:
            group["lr"] = cfg.lr * min(1.0, (step + 1) / max(1, cfg.warmup_steps))
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(cfg.batch_size):
            a, b, fa, fb, t, origin, target = _sample(data, triplets, rng, device, align, cache)
            with torch.autocast(device.type, dtype=amp or torch.float32, enabled=amp is not None):
                loss = loss_fn(model(a, b, fa, fb, t, origin).float(), target) / cfg.batch_size
            scaler.scale(loss).backward()
            total += loss.item()
        if not np.isfinite(total):
            raise StudioError(f"training diverged at step {step}; try a lower learning rate")
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        step += 1
        dt = time.perf_counter() - t0
        rate = cfg.batch_size / dt if rate == 0 else 0.9 * rate + 0.1 * cfg.batch_size / dt
        evaluated = step % cfg.eval_every == 0
        if evaluated:
            metrics = evaluate_now()
        if cfg.out_dir is not None and step % cfg.save_every == 0:
            last_ckpt = save()
        eta = None
        if target_steps is not None and rate > 0:
            eta = (target_steps - step) * cfg.batch_size / rate
        elif deadline is not None:
            eta = max(0.0, deadline - time.monotonic())
        yield TrainProgress(step, {"loss": total}, *metrics, rate, eta, str(device), checkpoint=last_ckpt,
                            evaluated=evaluated)  # fmt: skip


def _opt_state(opt: torch.optim.Optimizer):
    from studio.models.train import _opt_tensors

    return _opt_tensors(opt, "opt")


def mean_scores(preds: list[np.ndarray], truths: list[np.ndarray]) -> tuple[float, float]:
    """Mean PSNR and SSIM over frames of possibly different sizes (each at its own size)."""
    p, s = [], []
    for pred, truth in zip(preds, truths, strict=True):
        x, y = to_frame(pred), to_frame(truth)
        p.append(float(psnr(x, y)))
        s.append(float(ssim(x, y)))
    return float(np.mean(p)), float(np.mean(s))


def score_all(
    models: dict[str, FlowInterpolator | None], data: NativeData, triplets, device, tile: int | None = None
) -> dict[str, tuple[float, float]]:
    """(PSNR, SSIM) of each named model (None: DIS flow) on ``triplets`` at the clips' own size; each
    triplet's flows are computed once for all of them."""
    preds: dict[str, list[np.ndarray]] = {name: [] for name in models}
    truths = []
    for tr in triplets:
        a, b, target = data.frames(tr)
        both = pair(a, b, device)
        for name, model in models.items():
            preds[name].append(between(model, both, tr.t, tile))
        truths.append(target)
    return {name: mean_scores(frames, truths) for name, frames in preds.items()}


def score(model: FlowInterpolator | None, data: NativeData, triplets, device, tile: int | None = None):
    """(PSNR, SSIM) of ``model`` (None: DIS flow) on ``triplets`` at the clips' own size."""
    return score_all({"model": model}, data, triplets, device, tile)["model"]


def evaluate_interp(
    model: FlowInterpolator, data: NativeData, device=None, limit: int = EVAL_TRIPLETS, triplets=None
) -> list[EvalResult]:
    """Rows for 2x interpolation of held-out triplets (``triplets``, default up to ``limit`` of them) at the
    clip's own size: the model, then DIS flow, the linear blend and repeat-last on the same frames."""
    device = device or next(model.parameters()).device
    triplets = data.triplets(held_out=True, limit=limit) if triplets is None else triplets
    if not triplets:
        raise StudioError("no held-out triplets: the clips are too short to hold frames out")
    flow_rows = score_all({"interp": model, "dis-flow": None}, data, triplets, device)
    rows = [EvalResult(TASK, name, *figures) for name, figures in flow_rows.items()]
    frames = [data.frames(tr) for tr in triplets]
    truths = [f[2] for f in frames]
    blend = [baselines.interpolate(a, b, 0.5, "linear") for a, b, _ in frames]
    rows.append(EvalResult(TASK, "linear", *mean_scores(blend, truths)))
    rows.append(EvalResult(TASK, "repeat-last", *mean_scores([a for a, _, _ in frames], truths)))
    return rows
