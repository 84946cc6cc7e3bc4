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


def check_output_file(path: str | os.PathLike[str], what: str) -> Path:
    """A file the command will create or replace (its folder must exist); ``what`` names it in the error
    ("the video"), as the writers' own errors do."""
    path = Path(path).absolute()
    _check_name(path, what)  # first: a name too long makes every stat below fail
    if path.is_dir():
        raise StudioError(f"cannot write {what} to {path}: it is a folder; give a file name")
    _check_folder(path.parent, path, what)
    return path


def check_output_folder(path: str | os.PathLike[str], what: str) -> Path:
    """A folder the command will create (with its parents) or replace: its nearest existing ancestor must
    be a writable folder."""
    path = Path(path).absolute()
    _check_name(path, what)
    if path.exists() and not path.is_dir():
        raise StudioError(f"cannot write {what} to {path}: it is a file, not a folder")
    _check_folder(_existing(path), path, what)
    return path


def _check_folder(folder: Path, target: Path, what: str) -> None:
    if not folder.is_dir():
        problem = "does not exist" if not folder.exists() else "is not a folder"
        raise StudioError(f"cannot write {what} to {target}: {folder} {problem}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StudioError(f"cannot write {what} to {target}: {folder} is not writable")


def _check_name(path: Path, what: str) -> None:
    try:
        longest = os.pathconf(_existing(path.parent), "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows): its usual limit
        longest = 255
    for part in path.parts[1:]:
        if len(part.encode("utf-8", "surrogateescape")) + TEMP_NAME_EXTRA > longest:
            short = part if len(part) <= 40 else part[:28] + "…" + part[-8:]
            allowed = longest - TEMP_NAME_EXTRA
            raise StudioError(f"cannot write {what}: the name {short!r} is too long (at most {allowed})")


def _existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (the root always does)."""
    return next(p for p in (path, *path.parents) if p.exists())


def check_render_outputs(args: object) -> None:
    """Every place ``studio render`` writes to (``-o``, ``--maps-video``, ``--save-project``: files;
    ``--attention``, ``--mattes``: folders), before the project is even loaded."""
    files = (("the video", "output"), ("the maps video", "maps_video"), ("the project", "save_project"))
    for what, attribute in files:
        if getattr(args, attribute, None):
            check_output_file(getattr(args, attribute), what)
    for what, attribute in (("the attention record", "attention"), ("mattes", "mattes")):
        if getattr(args, attribute, None):
            check_output_folder(getattr(args, attribute), what)
