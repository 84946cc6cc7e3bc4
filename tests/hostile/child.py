"""Run ``python -m studio ...`` as a hostile user's victim: in a child under an address-space limit and a
timeout, so a case that would eat the machine or hang fails the test instead of the suite.

Caps (measured on Linux x86-64, CPython 3.11, torch 2.x CPU): a refusal before torch loads runs in 384 MiB
(``python -m studio --help`` in 256 MiB); importing torch needs ~1.3 GiB of address space (its libraries are
mapped, not used). Each cap is that with a margin, so a case that starts allocating for real fails here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

NO_TORCH_CAP = 768 << 20  # refusals that must come before torch (and before any allocation)
TORCH_CAP = 2 << 30  # refusals that need the engine or the models loaded
TIMEOUT_S = 60.0  # generous on a loaded 2-core box; a hang (a FIFO read) would take forever
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()

    def refused_in_one_line(self) -> str:
        """The error line, after asserting the contract: exit 2, one stderr line, no traceback."""
        assert "Traceback" not in self.stderr, self.stderr[-2000:]
        assert self.code == 2, (self.args, self.code, self.stderr[-2000:])
        assert len(self.error_lines) == 1, self.stderr
        assert self.error_lines[0].startswith("studio: error: "), self.stderr
        return self.error_lines[0]


def run_studio(args: Sequence[str], cap: int = NO_TORCH_CAP, timeout: float = TIMEOUT_S) -> Outcome:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "studio", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    return Outcome(tuple(args), done.returncode, done.stdout, done.stderr, seconds)


def run_all(cases: Sequence[tuple[Sequence[str], int]], workers: int = 2) -> list[Outcome]:
    """Several children at once (each mostly waits on imports): the suite's time budget on 2 cores."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda case: run_studio(*case), cases))
