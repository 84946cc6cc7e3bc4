"""The training loop, as a generator of :class:`TrainProgress` (one per step): the CLI draws a tqdm bar from
it, the training panel plots it from a worker thread. No tqdm, no Qt here.

Fixed seed (same data order and init on the same device); held-out PSNR/SSIM every ``eval_every`` steps;
a checkpoint every ``save_every`` steps, at the end and on cancel (atomic: see
:mod:`studio.models.checkpoint`); ``resume`` continues from the folder's checkpoint, optimiser and
discriminator included. On CUDA it trains in mixed precision (bf16 where supported, else fp16 with a
GradScaler); elsewhere in float32.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from studio.errors import CancelToken, StudioError
from studio.models import checkpoint as ckpt
from studio.models.data import FrameData, to_tensor
from studio.models.device import choose_device
from studio.models.distributed import Distributed
from studio.models.evaluate import EVAL_WINDOW, MODEL_TASKS, score_model
from studio.models.gan import GANConfig, PatchDiscriminator3D, d_hinge_loss, g_hinge_loss
from studio.models.registry import build_model, make_config

DEFAULT_STEPS = 1000


@dataclass
class TrainConfig:
    kind: str = "vae"
    preset: str = "small"
    model_overrides: dict[str, Any] = field(default_factory=dict)
    steps: int | None = None  # stop after this many steps (in total, counting resumed ones) ...
    minutes: float | None = None  # ... or after this much wall time in this run; neither → DEFAULT_STEPS
    batch_size: int = 8
    lr: float = 1e-3
    warmup_steps: int = 50  # linear lr warm-up: attention layers diverge easily at full lr from step 0
    seed: int = 0
    device: str = "auto"
    gan: bool = False
    gan_cfg: GANConfig = field(default_factory=GANConfig)
    eval_every: int = 50
    eval_windows: int = 8
    save_every: int = 200
    out_dir: Path | None = None  # None: no checkpoints (tests, benchmarks)
    resume: bool = False


@dataclass
class TrainProgress:
    step: int
    losses: dict[str, float]
    psnr: float | None  # latest held-out figures of the model's main task (None before the first eval)
    ssim: float | None
    samples_per_s: float
    eta_s: float | None
    device: str = "cpu"
    done: bool = False
    cancelled: bool = False
    checkpoint: Path | None = None  # the last checkpoint written, once there is one
    evaluated: bool = False  # psnr/ssim were computed at this very step (not carried over)
    model: nn.Module | None = field(default=None, repr=False)  # set on the final progress only


def _opt_tensors(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict[str, torch.Tensor], list[dict]]:
    """Optimiser state → flat tensors (safetensors) + its param groups (JSON)."""
    sd = opt.state_dict()
    tensors = {
        f"{prefix}.{i}.{k}": (v if torch.is_tensor(v) else torch.tensor(v))
        for i, st in sd["state"].items()
        for k, v in st.items()
    }
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in sd["param_groups"]]
    return tensors, groups


def _load_opt(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list[dict], prefix: str
) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        p, i, name = key.split(".", 2)
        if p == prefix:
            state.setdefault(int(i), {})[name] = value
    opt.load_state_dict({"state": state, "param_groups": groups})


def _autocast_dtype(device: torch.device) -> torch.dtype | None:
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def train(
    cfg: TrainConfig, data: FrameData, cancel: CancelToken | None = None, ddp: Distributed | None = None
) -> Iterator[TrainProgress]:
    """Train; yields after every step. Stops at ``cfg.steps``/``cfg.minutes`` or when ``cancel`` is set.
    ``ddp``: this process's place in a data-parallel run (``studio.models.distributed``); ``cfg.batch_size``
    is then per process."""
    cancel = cancel or CancelToken()
    device = ddp.device if ddp is not None else choose_device(cfg.device)
    if ddp is not None:
        ddp.check(cfg.gan)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    overrides = {"image_size": data.width, **cfg.model_overrides}
    if data.width != data.height:
        raise StudioError("training frames must be square")
    model = build_model(cfg.kind, make_config(cfg.kind, cfg.preset, **overrides)).to(device)
    training_step = ddp.wrap(model) if ddp is not None else model.training_step  # gradients averaged
    main = ddp is None or ddp.is_main  # the one process that evaluates and writes
    world = ddp.world if ddp is not None else 1
    draw = partial(ddp.sample, data) if ddp is not None else data.sample  # this process's windows
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    warmup = max(1, cfg.warmup_steps)
    disc = d_opt = None
    if cfg.gan:
        disc = PatchDiscriminator3D(cfg.gan_cfg).to(device)
        d_opt = torch.optim.AdamW(disc.parameters(), lr=cfg.gan_cfg.lr, betas=(0.5, 0.999))

    step = 0
    if cfg.resume and cfg.out_dir is not None and (Path(cfg.out_dir) / ckpt.MANIFEST).exists():
        step = _resume(cfg, model, opt, disc, d_opt, device)

    amp_dtype = _autocast_dtype(device)
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    eval_windows = data.held_out(max(EVAL_WINDOW, model.window), cfg.eval_windows)
    main_task = MODEL_TASKS[cfg.kind][0]
    target_steps = cfg.steps if cfg.steps is not None else (None if cfg.minutes else DEFAULT_STEPS)
    deadline = time.monotonic() + cfg.minutes * 60 if cfg.minutes else None
    rate = 0.0
    metrics: tuple[float | None, float | None] = (None, None)
    last_ckpt: Path | None = None

    def save() -> Path | None:
        if cfg.out_dir is None or not main:
            return None
        tensors, groups = _opt_tensors(opt, "opt")
        meta: dict[str, Any] = {"opt_groups": groups, "gan": cfg.gan, "seed": cfg.seed, "lr": cfg.lr}
        if disc is not None and d_opt is not None:
            tensors.update({f"disc.{k}": v for k, v in disc.state_dict().items()})
            d_tensors, d_groups = _opt_tensors(d_opt, "dopt")
            tensors.update(d_tensors)
            meta["dopt_groups"] = d_groups
        scores = {f"{main_task}.psnr": metrics[0], f"{main_task}.ssim": metrics[1]} if metrics[0] else {}
        return ckpt.save_checkpoint(
            cfg.out_dir, model, step=step, metrics=scores, train_state=tensors, train_meta=meta
        )

    while True:
        finished = (target_steps is not None and step >= target_steps) or (
            deadline is not None and time.monotonic() >= deadline
        )
        stop = finished or cancel.cancelled
        if ddp is not None:
            stop = ddp.any(stop)  # every process stops at the same step, none left in a collective
        if stop:
            evaluated = main and (bool(step % cfg.eval_every) or step == 0)
            if evaluated:
                metrics = _evaluate(model, main_task, eval_windows, device)
            last_ckpt = save() or last_ckpt
            yield TrainProgress(
                step,
                {},
                *metrics,
                rate,
                0.0,
                str(device),
                done=True,
                cancelled=cancel.cancelled,
                checkpoint=last_ckpt,
                evaluated=evaluated,
                model=model,
            )
            return
        t0 = time.perf_counter()
        model.train()
        video = to_tensor(draw(cfg.batch_size, model.window, rng), device)  # (B, T, 3, H, W)
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            loss, logs, pred, target = training_step(video)
            if disc is not None:
                adv = g_hinge_loss(disc(pred))
                loss = loss + cfg.gan_cfg.weight * adv
                logs["g_adv"] = adv.item()
        if not torch.isfinite(loss):
            raise StudioError(
                f"training diverged at step {step} (loss {loss.item()}); try a lower learning rate"
            )
        for group in opt.param_groups:
            group["lr"] = cfg.lr * min(1.0, (step + 1) / warmup)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        if disc is not None and d_opt is not None:
            with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                d_loss = d_hinge_loss(disc(target), disc(pred.detach()))
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
            logs["d"] = d_loss.item()
        logs["loss"] = loss.item()
        if ddp is not None:
            logs = ddp.mean(logs)  # the global batch's figures, as one process with all of it would log
        step += 1
        dt = time.perf_counter() - t0
        samples = cfg.batch_size * world
        rate = samples / dt if rate == 0 else 0.9 * rate + 0.1 * samples / dt
        evaluated = main and step % cfg.eval_every == 0
        if evaluated:
            metrics = _evaluate(model, main_task, eval_windows, device)
        if cfg.out_dir is not None and step % cfg.save_every == 0:
            last_ckpt = save()
        yield TrainProgress(
            step,
            logs,
            *metrics,
            rate,
            _eta(step, target_steps, deadline, rate / world, cfg),
            str(device),
            checkpoint=last_ckpt,
            evaluated=evaluated,
        )


def _eta(
    step: int, target: int | None, deadline: float | None, rate: float, cfg: TrainConfig
) -> float | None:
    etas = []
    if target is not None and rate > 0:
        etas.append((target - step) * cfg.batch_size / rate)
    if deadline is not None:
        etas.append(max(0.0, deadline - time.monotonic()))
    return min(etas) if etas else None


def _evaluate(model: nn.Module, task: str, windows: np.ndarray, device: torch.device) -> tuple[float, float]:
    model.eval()
    return score_model(model, task, windows, device)


def _resume(cfg, model, opt, disc, d_opt, device) -> int:
    """Load the folder's checkpoint into the fresh model/optimisers; returns the step to continue from."""
    loaded = ckpt.load_checkpoint(cfg.out_dir, device)
    if loaded.kind != cfg.kind:
        raise StudioError(f"cannot resume: {cfg.out_dir} holds a {loaded.kind} model, not {cfg.kind}")
    if loaded.model.cfg != model.cfg:
        raise StudioError(f"cannot resume: {cfg.out_dir} holds a model of another size/config")
    model.load_state_dict(loaded.model.state_dict())
    state = ckpt.load_train_state(loaded.path, loaded.manifest)
    meta = loaded.manifest.get("train", {})
    if state is not None:
        state = {k: v.to(device) if v.ndim else v for k, v in state.items()}  # Adam's step stays on CPU
        _load_opt(opt, state, meta["opt_groups"], "opt")
        if disc is not None and d_opt is not None and "dopt_groups" in meta:
            disc.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("disc.")})
            _load_opt(d_opt, state, meta["dopt_groups"], "dopt")
    return loaded.step
