"""Data-parallel training (torchrun, 2 CPU processes, gloo): 2 processes of batch b follow the single-process
loss curve of batch 2b with the same seed; rank 0 alone writes the checkpoint and the log; --resume goes on
from the checkpoint in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch.distributed

from studio.models.checkpoint import load_checkpoint
from studio.models.data import FrameData, sources_from_project
from studio.models.train import TrainConfig, train
from tests.models.conftest import SIZE, write_project

pytestmark = pytest.mark.slow  # two torch processes start (~10 s on 2 busy cores)
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("this torch has no gloo backend", allow_module_level=True)

BATCH, STEPS = 2, 3


def _studio_train(project: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "studio",
        "train",
        str(project),
        "--model",
        "convlstm",
        "--preset",
        "tiny",
    ]
    command += ["--size", str(SIZE), "--batch", str(BATCH), "--device", "cpu", "--eval-every", "100"]
    command += ["--out", str(out), "--ddp", "--nproc", "2", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def _logged(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train-log.jsonl").read_text().splitlines()]


def test_two_processes_follow_the_single_process_curve_of_the_global_batch(tmp_path, moving_clip) -> None:
    project = write_project(tmp_path / "proj", [moving_clip])
    out = tmp_path / "ddp"
    done = _studio_train(project, out, "--steps", str(STEPS))
    assert done.returncode == 0, done.stderr[-2000:]
    logged = _logged(out)
    assert [line["step"] for line in logged] == list(range(1, STEPS + 1))  # rank 0's log, each step once

    data = FrameData.load(sources_from_project(project), (SIZE, SIZE))
    cfg = TrainConfig(kind="convlstm", preset="tiny", steps=STEPS, batch_size=2 * BATCH, device="cpu")
    single = [p.losses["loss"] for p in train(cfg, data) if not p.done]
    assert [line["losses"]["loss"] for line in logged] == pytest.approx(single, rel=1e-4)
    assert len(set(single)) == STEPS  # a curve that moves: equal losses would prove nothing

    assert load_checkpoint(out, "cpu").step == STEPS
    assert done.stdout.count("convlstm: 3 steps") == 1  # rank 0 says it; rank 1 is silent

    resumed = _studio_train(project, out, "--steps", str(STEPS + 2), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert [line["step"] for line in _logged(out)] == [*range(1, STEPS + 1), STEPS + 1, STEPS + 2]
    assert load_checkpoint(out, "cpu").step == STEPS + 2


def test_ddp_needs_torchrun_or_a_process_count(tmp_path, moving_clip) -> None:
    from studio.cli import main

    project = write_project(tmp_path / "proj", [moving_clip])
    assert main(["train", str(project), "--model", "convlstm", "--ddp"]) == 2
    assert main(["train", str(project), "--model", "convlstm", "--nproc", "2"]) == 2
