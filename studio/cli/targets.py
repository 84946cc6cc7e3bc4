"""What ``studio PATH`` opens: an attention record folder (read-only, in the record viewer) or a project.

Decided from the path alone, before Qt loads: a folder whose ``meta.json`` says ``"format":
"attention-record"`` is a record; a file is a project; no path is the last project (or the demo). Anything
else is a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from studio.errors import StudioError
from studio.project.safe_json import read_json

RECORD, PROJECT = "record", "project"


def is_record_folder(path: Path) -> bool:
    try:
        meta = read_json(path / "meta.json", what="record meta.json")  # a FIFO or a bomb is no record
    except StudioError:
        return False
    return isinstance(meta, dict) and meta.get("format") == "attention-record"


def what_to_open(argument: str | Path | None) -> tuple[str, Path | None]:
    """(RECORD, folder) or (PROJECT, file); (PROJECT, None) without an argument."""
    if argument is None or str(argument) == "":
        return PROJECT, None
    path = Path(argument).expanduser()
    try:
        folder = path.is_dir()
    except OSError as e:  # a name too long for the file system: is_dir raises that one
        raise StudioError(f"cannot open {str(path)[:60]}: {e.strerror or e}") from None
    if folder:
        if is_record_folder(path):
            return RECORD, path
        raise StudioError(f"{path} is a folder but not an attention record (no meta.json of one)")
    return PROJECT, path  # a missing file is the window's to report, as it always was
