"""``studio render A.json B.json ... -o FOLDER/``: several projects, one after another, then a summary.

Each project renders to ``FOLDER/<its name>.mp4`` with its own estimate line and progress bar (one bar per
project, left on its own line); ``--attention DIR`` and ``--mattes DIR`` become ``DIR/<its name>`` each. A
project that fails (a missing file, offline media, a bad ``--range`` for its length) is reported on its
line and in the table, and the others still render; the exit status is then 2, as for any user error.
Ctrl-C stops the whole batch (130): what was finished stays, the one underway leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import ProjectError

FAILED = 2  # = studio.cli.USER_ERROR: any project failed


@dataclass(frozen=True)
class BatchItem:
    project: Path
    args: argparse.Namespace  # the command line for this project alone (its project, output and sidecars)


@dataclass(frozen=True)
class BatchRow:
    project: Path
    output: Path
    frames: int | None
    seconds: float | None
    error: str | None  # None: OK


def is_folder(output: str) -> bool:
    """``-o`` names a folder: it ends with a separator or is one already."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def _name(project: str) -> str:
    return Path(project).name.split(".")[0] or "render"


def plan_batch(args: argparse.Namespace) -> list[BatchItem]:
    """One command line per project, outputs inside the ``-o`` folder; refused (one line) before anything
    renders when two projects would write the same file or an option names a single file."""
    if args.demo or args.clips:
        raise ProjectError("several projects, or -o FOLDER/, go without --demo and --clips")
    if args.maps_video or args.save_project:
        raise ProjectError("--maps-video and --save-project name one file: render those projects one by one")
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise ProjectError(f"-o {args.output}: with several projects it must be a folder")
    names = [_name(p) for p in args.project]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ProjectError(f"two projects would both write {twice[0]}.mp4: rename one, or render them apart")
    items = []
    for path, name in zip(args.project, names, strict=True):
        sidecars = {
            key: str(Path(value) / name) for key in ("attention", "mattes") if (value := getattr(args, key))
        }
        job = argparse.Namespace(**{**vars(args), "project": path, "output": str(folder / f"{name}.mp4")})
        items.append(BatchItem(Path(path), argparse.Namespace(**{**vars(job), **sidecars})))
    return items


def run_batch(items: list[BatchItem], render: Callable[[argparse.Namespace], Any]) -> int:
    """Render each item with ``render`` (its RenderResult), the failures reported and passed over; the
    summary table on stdout; ``FAILED`` if any failed."""
    Path(items[0].args.output).parent.mkdir(parents=True, exist_ok=True)
    rows: list[BatchRow] = []
    for i, item in enumerate(items, start=1):
        print(f"[{i}/{len(items)}] {item.project}", flush=True)
        output = Path(item.args.output)
        try:
            result = render(item.args)
        except Exception as exc:  # one project's failure, whatever it is, must not stop the others
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"studio: error: {item.project}: {message}", file=sys.stderr, flush=True)
            rows.append(BatchRow(item.project, output, None, None, message))
            continue
        print(f"wrote {result.path}: {result.frames} frames in {result.seconds:.1f} s", flush=True)
        rows.append(BatchRow(item.project, Path(result.path), result.frames, result.seconds, None))
    print(summary_table(rows))
    return FAILED if any(r.error for r in rows) else 0


def summary_table(rows: list[BatchRow]) -> str:
    """Project, output, frames, seconds, result: one line per project under a header, columns aligned."""
    header = ("project", "output", "frames", "seconds", "result")
    lines = [
        (
            str(r.project),
            str(r.output),
            "" if r.frames is None else str(r.frames),
            "" if r.seconds is None else f"{r.seconds:.1f}",
            "OK" if r.error is None else f"error: {r.error}",
        )
        for r in rows
    ]
    widths = [max(len(row[c]) for row in (header, *lines)) for c in range(len(header) - 1)]
    ok = sum(r.error is None for r in rows)
    out = [f"{ok} of {len(rows)} rendered"]
    for row in (header, *lines):
        cells = [row[c].rjust(w) if c in (2, 3) else row[c].ljust(w) for c, w in enumerate(widths)]
        out.append("  ".join([*cells, row[-1]]))
    return "\n".join(out)
