"""Temp files a killed process left (issue 14, family 7): the next save or render in that folder removes
those of the app's own naming whose writer is dead or that are old, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from studio import litter
from studio.media import VideoWriter
from studio.project import Project
from studio.project.io import save_project


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(child.stdout)


def _aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"half-written")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_sweep_takes_only_stale_files_of_our_naming(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    stale = [
        _aged(tmp_path / f"p.avsproj.json.tmp-{dead}-0123abcd", 60),  # a killed save
        _aged(tmp_path / f"p.avsproj.json.bak-{dead}-0123abcd", 60),
        _aged(tmp_path / f".out.part-{dead}-89abcdef.mp4", 60),  # a killed render
        _aged(tmp_path / ".out.part-89abcdef.mp4", 2 * 3600),  # the old naming, hours old
        _aged(tmp_path / f".m.part-{alive}-89abcdef.mkv", 2 * 3600),  # any writer: hours old
    ]
    kept = [
        _aged(tmp_path / f"p.avsproj.json.tmp-{dead}-0123abcd0", 60),  # not exactly our shape
        _aged(tmp_path / f"p.avsproj.json.tmp-{dead}-4567abcd", 5),  # too young: maybe another machine's
        _aged(tmp_path / f".out.part-{alive}-89abcdef.mp4", 60),  # its writer still runs
        _aged(tmp_path / f".out.part-{os.getpid()}-89abcdef.mp4", 2 * 3600),  # this very process's
        _aged(tmp_path / ".out.part-89abcdef.mp4.txt", 2 * 3600),
        _aged(tmp_path / "holiday.tmp-0123abcd.mov", 2 * 3600),
        _aged(tmp_path / ".out.part-01234567.mp4", 60),  # the old naming, recent: could be writing
    ]
    (tmp_path / f".dir.part-{dead}-89abcdef.mp4").mkdir()  # a folder is never ours
    assert sorted(litter.sweep_stale(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in stale)


def test_temp_names_carry_the_writer_pid() -> None:
    tag = litter.temp_tag()
    assert tag.startswith(f"{os.getpid()}-") and litter.is_ours(f".x.part-{tag}.mp4")
    assert litter.is_ours(f"a.avsproj.json.tmp-{tag}")


def test_a_save_sweeps_what_a_killed_save_left(tmp_path: Path) -> None:
    leftover = _aged(tmp_path / f"p.avsproj.json.tmp-{_dead_pid()}-0123abcd", 120)
    save_project(Project(), tmp_path / "p.avsproj.json")
    save_project(Project(), tmp_path / "p.avsproj.json")  # with a .bak now: still nothing else left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.avsproj.json", "p.avsproj.json.bak"]
    assert not leftover.exists()


def test_a_render_sweeps_what_a_killed_render_left(tmp_path: Path) -> None:
    leftover = _aged(tmp_path / f".out.part-{_dead_pid()}-89abcdef.mp4", 120)
    with VideoWriter(tmp_path / "next.mp4", 32, 32, 24) as writer:
        writer.write(np.zeros((32, 32, 3), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next.mp4"]
    assert not leftover.exists()
