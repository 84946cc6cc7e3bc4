"""The models' benchmark scripts run end to end (smoke tests: tiny models, seconds of work; marked slow)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_bench_models_quick_prints_one_row_per_model() -> None:
    out = _run("benchmarks/bench_models.py", "--quick", "--preset", "tiny", "--device", "cpu", "--no-write")
    rows = [line for line in out.splitlines() if line.startswith("| ") and "model" not in line]
    assert {row.split("|")[1].strip() for row in rows} == {"vae", "convlstm", "transformer"}


@pytest.mark.slow
def test_quality_script_scores_the_transformer_against_the_baselines(tmp_path: Path) -> None:
    report = tmp_path / "quality.json"
    out = _run(
        "benchmarks/quality_models.py", "--preset", "tiny", "--size", "32", "--minutes", "0.05",
        "--clips", "2", "--frames", "48", "--batch", "2", "--windows", "2", "--device", "cpu",
        "--json", str(report),
    )  # fmt: skip
    assert "target interp-2x" in out and "target predict-8" in out
    rows = json.loads(report.read_text())["transformer"]
    assert {(r["task"], r["method"]) for r in rows} >= {
        ("interp-2x", "dis-flow"),
        ("predict-8", "repeat-last"),
    }
