"""What every benchmark script shares: the machine line and writing its section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def cpu_model() -> str:
    try:
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        if match:
            return match.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    system = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    return f"{cpu_model()}, nproc={os.cpu_count()}, {system}"


def write_section(name: str, body: str, command: str | None = None, *, stop_at: str | None = None) -> Path:
    """Replace (or append) the ``## name`` section of docs/benchmarks.md, keeping every other section.

    The section runs to the next ``## `` heading, or to ``stop_at`` (a heading another script keeps in it).
    Written to a temp name and renamed, so a crash never leaves a half-written file.
    """
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    header = f"## {name}\n\n"
    if command:
        header += f"`{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n"
    section = f"{header}{body}\n"
    end = "^## " + (f"|^{re.escape(stop_at)}" if stop_at else "")
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?={end}|\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = DOC.with_name(f".{DOC.name}.{os.getpid()}.part")
    tmp.write_text(text)
    os.replace(tmp, DOC)
    return DOC
