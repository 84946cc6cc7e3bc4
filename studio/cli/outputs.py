"""Can the command write where it was told to? Checked before the work, so ``-o /dev/null/x.mp4`` is one line
and exit status 2 at once, not a traceback after a render (every output is first written to a temp name
beside it and renamed: the folder must exist, be a folder and be writable, the name must leave room).
"""

from __future__ import annotations

import os
from pathlib import Path

from studio.errors import StudioError

# What the writers add to a name for their temp files: ".NAME.part-0123abcd.mp4" / ".NAME.old-xxxxxxxx"
TEMP_NAME_EXTRA = 24


def check_output_file(path: str | os.PathLike[str], flag: str) -> Path:
    """A file the command will create or replace (its folder must exist)."""
    path = Path(path).absolute()
    _check_name(path, flag)  # first: a name too long makes every stat below fail
    if path.is_dir():
        raise StudioError(f"{flag} {path}: is a folder; give a file name")
    _check_folder(path.parent, path, flag)
    return path


def check_output_folder(path: str | os.PathLike[str], flag: str) -> Path:
    """A folder the command will create (with its parents) or replace: its nearest existing ancestor must
    be a writable folder."""
    path = Path(path).absolute()
    _check_name(path, flag)
    if path.exists() and not path.is_dir():
        raise StudioError(f"{flag} {path}: is a file, not a folder")
    _check_folder(_existing(path), path, flag)
    return path


def _check_folder(folder: Path, target: Path, flag: str) -> None:
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise StudioError(f"{flag} {target}: cannot write there, {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StudioError(f"{flag} {target}: cannot write there, {folder} is not writable")


def _check_name(path: Path, flag: str) -> None:
    try:
        longest = os.pathconf(_existing(path.parent), "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows): its usual limit
        longest = 255
    for part in path.parts[1:]:
        if len(part.encode("utf-8", "surrogateescape")) + TEMP_NAME_EXTRA > longest:
            short = part if len(part) <= 40 else part[:28] + "…" + part[-8:]
            raise StudioError(f"{flag}: the name {short!r} is too long (at most {longest - TEMP_NAME_EXTRA})")


def _existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (the root always does)."""
    return next(p for p in (path, *path.parents) if p.exists())


def check_render_outputs(args: object) -> None:
    """Every place ``studio render`` writes to (``-o``, ``--maps-video``, ``--save-project``: files;
    ``--attention``, ``--mattes``: folders), before the project is even loaded."""
    for flag, attribute in (
        ("-o", "output"),
        ("--maps-video", "maps_video"),
        ("--save-project", "save_project"),
    ):
        if getattr(args, attribute, None):
            check_output_file(getattr(args, attribute), flag)
    for flag, attribute in (("--attention", "attention"), ("--mattes", "mattes")):
        if getattr(args, attribute, None):
            check_output_folder(getattr(args, attribute), flag)
