"""Temp files of the app's own naming, and sweeping the ones a killed process left behind.

Every file is written under a temp name and renamed when complete; a process killed in between (``kill -9``,
a power cut) leaves the temp file. Temp names carry the writer's PID (:func:`temp_tag`), so the next save or
render in that folder can tell a leftover from a write in progress: :func:`sweep_stale` removes those whose
process is gone, and any of ours older than an hour (a PID reused since, or a name from before PIDs were in
it). Only names of exactly these shapes are touched, never a user's file:

- project saves: ``NAME.tmp-PID-XXXXXXXX`` and ``NAME.bak-PID-XXXXXXXX`` (``studio.project.io``);
- media writers: ``.STEM.part-PID-XXXXXXXX.mp4`` / ``.mkv`` (``studio.media``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path

STALE_AFTER_S = 3600.0  # any temp file of ours this old is a leftover, whoever wrote it
# A dead writer's file younger than this is left alone: on a folder shared between machines the PID may be
# another machine's, still writing (a render's file is written to every second, a save's lives milliseconds).
GRACE_S = 30.0

_OURS = re.compile(
    r"^(?:.+\.(?:tmp|bak)-(?:(?P<save_pid>\d+)-)?[0-9a-f]{8}"
    r"|\..+\.part-(?:(?P<media_pid>\d+)-)?[0-9a-f]{8}\.(?:mp4|mkv))$"
)


def temp_tag() -> str:
    """``PID-XXXXXXXX``: unique beside its target, and says which process is writing it."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def is_ours(name: str) -> bool:
    """True for a temp file name of the app's own shapes (module docstring)."""
    return _OURS.match(name) is not None


def _writer_alive(pid: int) -> bool:
    if pid <= 0 or os.name != "posix":  # Windows' os.kill would terminate it: trust the age alone there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists but is another user's, or cannot tell: keep its file
    return True


def sweep_stale(folder: str | os.PathLike[str], *, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove our temp files in ``folder`` whose writer is dead (after :data:`GRACE_S`) or that are older
    than ``max_age_s``; never this process's own. Returns what was removed; errors are ignored (a sweep must
    never stop the save or render that runs it)."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _OURS.match(entry.name)
        if match is None:
            continue
        pid_text = match.group("save_pid") or match.group("media_pid")
        pid = int(pid_text) if pid_text else None
        if pid == os.getpid():
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        dead = pid is not None and age > GRACE_S and not _writer_alive(pid)
        if dead or age > max_age_s:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
