"""Folders written whole or not at all (the attention record, the mattes).

Each is filled under a hidden temp name beside its target (:func:`part_dir`: the same file system, so the
swap is a rename) and swapped in when complete (:func:`replace_dir`): a reader never sees half a folder, and
a failed or cancelled render leaves the target as it was. The render, the mattes and the cluster's join all
write folders this way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def part_dir(target: Path) -> Path:
    """A new empty ``.NAME.part-XXXXXXXX`` folder beside ``target`` (its parent made when missing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.part-", dir=target.parent))


def replace_dir(tmp: Path, target: Path) -> None:
    """Swap a finished folder into place; what was at ``target`` is removed only after the swap."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "x")
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
