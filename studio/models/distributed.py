"""Data-parallel training with ``torch.distributed``: ``torchrun --nproc-per-node N -m studio train ...
--ddp`` (or ``studio train --ddp --nproc N``, which starts torchrun itself).

Each process trains the same model under ``DistributedDataParallel`` (NCCL on GPUs, one GPU per process by
``LOCAL_RANK``; gloo on the CPU), so every step's gradients are averaged over all processes before the
optimiser steps, and every replica stays identical. The data: every process draws the *global* batch's
windows (``FrameData.sample_plan``, from the shared seed: the windows a single process would train on with a
batch of N x ``--batch``), and a ``DistributedSampler`` gives each process its share of them. So N processes
of batch b follow the single-process loss curve of batch N x b with the same seed, to float rounding, for a
model whose loss is a mean over its batch (``convlstm``; the VAE's sampling noise and the transformer's loss
relative to its batch's guess are drawn per process, so theirs are close, not equal).

Rank 0 alone evaluates, writes checkpoints (``studio.models.checkpoint``) and logs; every rank reads the
checkpoint on ``--resume``. The processes agree each step on whether to stop (``--minutes``, a cancel), so
none is left waiting in a collective for the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from studio.errors import StudioError
from studio.models.data import FrameData, Window


def launched() -> bool:
    """Whether this process was started by torchrun (which sets RANK and WORLD_SIZE)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


class _TrainingStep(nn.Module):
    """``model.training_step`` as a forward: DDP syncs gradients only for what runs through its forward."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, video: torch.Tensor) -> Any:
        return self.model.training_step(video)


@dataclass
class Distributed:
    """This process's place in the process group, and the few things training does differently in it."""

    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def start(cls, device: str = "auto") -> Distributed:
        """Join the process group torchrun set up: NCCL and this process's GPU, or gloo on the CPU."""
        if not launched():
            raise StudioError("--ddp outside torchrun: start it with torchrun, or give --nproc N")
        local = int(os.environ.get("LOCAL_RANK", 0))
        gpu = device != "cpu" and torch.cuda.is_available()
        if gpu:
            torch.cuda.set_device(local)
        dist.init_process_group("nccl" if gpu else "gloo")
        where = torch.device("cuda", local) if gpu else torch.device("cpu")
        return cls(dist.get_rank(), dist.get_world_size(), where)

    def check(self, gan: bool) -> None:
        if gan:
            raise StudioError("--gan does not go with --ddp yet: train the discriminator on one process")

    def wrap(self, model: nn.Module) -> Callable[[torch.Tensor], Any]:
        """``model.training_step`` whose backward averages the gradients over every process."""
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(_TrainingStep(model), device_ids=ids)

    def sample(self, data: FrameData, batch: int, window: int, rng: np.random.Generator) -> np.ndarray:
        """This process's ``batch`` windows of the global batch (``world`` x ``batch``), drawn by every
        process alike from the shared seed."""
        plan: Sequence[Window] = data.sample_plan(batch * self.world, window, rng)
        share = DistributedSampler(plan, num_replicas=self.world, rank=self.rank, shuffle=False)
        return data.take([plan[i] for i in share], window)

    def mean(self, logs: dict[str, float]) -> dict[str, float]:
        """Each logged figure averaged over the processes: the global batch's (its batch means are equal
        in size, so their mean is the global mean)."""
        names = sorted(logs)
        values = torch.tensor([float(logs[n]) for n in names], dtype=torch.float64, device=self.device)
        dist.all_reduce(values)
        return {n: float(v) / self.world for n, v in zip(names, values.tolist(), strict=True)}

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on one (stop together: a deadline, a cancel)."""
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0)

    def close(self) -> None:
        if dist.is_initialized():
            dist.barrier()  # rank 0's last checkpoint is written before any process leaves
            dist.destroy_process_group()


def run_torchrun(nproc: int, argv: Sequence[str]) -> int:
    """``studio train ... --ddp --nproc N`` started again under torchrun with N processes on this machine
    (``--nproc N`` left out: torchrun's processes read their place from the environment)."""
    if nproc < 1:
        raise StudioError(f"--nproc must be 1 or more, got {nproc}")
    args = list(argv)
    if "--nproc" in args:
        at = args.index("--nproc")
        del args[at : at + 2]
    args = [a for a in args if not a.startswith("--nproc=")]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    return subprocess.call([*command, "-m", "studio", *args])
