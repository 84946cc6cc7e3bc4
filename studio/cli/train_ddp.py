"""``studio train ... --ddp``: data-parallel training, under torchrun or started here with ``--nproc N``.

    torchrun --nproc-per-node N -m studio train PROJECT --model convlstm --ddp
    studio train PROJECT --model convlstm --ddp --nproc N      (starts the same torchrun command)

Every process runs ``studio train`` with the same arguments; ``studio.models.distributed`` does the rest. The
training log (``train-log.jsonl`` in the checkpoint folder: one JSON line per step) is rank 0's, as are the
bar, the checkpoints and the last line printed; a single-process run writes the same log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from studio.errors import StudioError

LOG_NAME = "train-log.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ddp",
        action="store_true",
        help="data-parallel over processes (under torchrun, or with --nproc); --batch is then per process",
    )
    parser.add_argument("--nproc", type=int, metavar="N", help="with --ddp: start torchrun with N processes")


def launch_or_join(args: argparse.Namespace) -> Any:
    """None without --ddp; an ``int`` when this process started torchrun (its exit status: the training
    ran in torchrun's processes); else this process's ``studio.models.distributed.Distributed``."""
    if args.nproc is not None and not args.ddp:
        raise StudioError("--nproc goes with --ddp")
    if not args.ddp:
        return None
    if args.model == "interp":
        raise StudioError("--ddp trains the square models (vae, convlstm, transformer), not interp")
    if "RANK" not in os.environ:  # not one of torchrun's processes
        if args.nproc is None:
            raise StudioError("--ddp outside torchrun needs --nproc N (or start it with torchrun)")
        from studio.models.distributed import run_torchrun

        return run_torchrun(args.nproc, sys.argv[1:])
    from studio.models.distributed import Distributed

    return Distributed.start(args.device)


class TrainLog:
    """One JSON line per step (step, losses, held-out scores when evaluated) appended to the checkpoint
    folder's log; written by rank 0 only (``enabled``)."""

    def __init__(self, folder: Path | None, enabled: bool = True) -> None:
        self._file = None
        if folder is not None and enabled:
            folder.mkdir(parents=True, exist_ok=True)
            self._file = (folder / LOG_NAME).open("a", encoding="utf-8")

    def write(self, progress: Any) -> None:
        if self._file is None:
            return
        line: dict[str, Any] = {"step": progress.step, "losses": progress.losses}
        if progress.evaluated and progress.psnr is not None:
            line.update(psnr=progress.psnr, ssim=progress.ssim)
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
