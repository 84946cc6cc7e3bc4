"""Reading and writing project files: JSON, atomic saves with a ``.bak``, media that went missing.

A project with missing media still opens (its clips are marked offline, the UI offers to relink); only a
render refuses it, through :func:`require_online`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.errors import MediaError, ProjectError
from studio.litter import sweep_stale, temp_tag
from studio.project.masks import carry_masks, warn_missing_masks
from studio.project.model import Clip, Project
from studio.project.safe_json import read_json
from studio.project.schema import project_from_dict, project_to_dict


def load_project(path: str | Path, *, refresh: bool = False) -> Project:
    """Read, migrate and validate a project file; any problem is a one-line ProjectError naming the file.

    ``refresh=True`` re-probes every present media file (slow: a child process each) so metadata that
    changed on disk is picked up and unreadable files go offline with FFmpeg's reason.
    """
    path = Path(path).absolute()
    name = path.name
    data = read_json(path, what="project file")  # a regular file, size-capped, depth-guarded: one line
    try:
        project = project_from_dict(data, path.parent)
    except ProjectError as e:
        raise ProjectError(f"{name}: {e}") from None
    project.path = path
    mark_missing(project)
    warn_missing_masks(project)  # one line; those masks are left out of renders, like offline media
    if refresh:
        refresh_media(project)
    return project


def mark_missing(project: Project) -> list[Clip]:
    """Set ``offline_reason`` on clips whose file is gone (and clear it on those that came back)."""
    for i, clip in enumerate(project.clips):
        reason = None if clip.path.is_file() else f"file not found: {clip.path}"
        if reason != clip.offline_reason:
            project.clips[i] = dataclasses.replace(clip, offline_reason=reason)
    return project.missing_media()


def refresh_media(project: Project, probe: Callable[[Path], Any] | None = None) -> list[Clip]:
    """Re-probe each present clip's file and update its metadata; unreadable files go offline.

    ``probe`` defaults to ``studio.media.probe_safe`` (imported here, not at module import, so the project
    package stays free of PyAV until media is actually touched); tests pass their own.
    """
    if probe is None:
        from studio.media import probe_safe as probe  # noqa: PLC0415 - lazy on purpose, see docstring
    mark_missing(project)
    for i, clip in enumerate(project.clips):
        if clip.offline_reason is not None:
            continue
        try:
            info = probe(clip.path)
        except MediaError as e:
            project.clips[i] = dataclasses.replace(clip, offline_reason=str(e))
            continue
        if clip.in_s >= info.frames / info.fps:  # the file was replaced by a shorter one
            reason = f"in point {clip.in_s:g} s is past the end of the file ({info.frames / info.fps:g} s)"
            project.clips[i] = dataclasses.replace(clip, offline_reason=reason)
            continue
        project.clips[i] = dataclasses.replace(
            clip,
            fps=float(info.fps),
            frames=int(info.frames),
            width=int(info.width),
            height=int(info.height),
            has_audio=info.audio is not None,
        )
    return project.missing_media()


def require_online(project: Project) -> None:
    """Refuse to render a project with offline clips, listing them (one line)."""
    missing = project.missing_media()
    if missing:
        listed = "; ".join(f"{c.name}: {c.offline_reason}" for c in missing)
        noun = "clip is" if len(missing) == 1 else "clips are"
        raise ProjectError(f"{len(missing)} {noun} offline, relink before rendering: {listed}")


def _json_bytes(data: dict) -> bytes:
    """The document as UTF-8. A file name that is not UTF-8 (Linux names are bytes; Python hands them over
    with lone surrogates, ``os.fsdecode``) cannot be written as UTF-8: the whole document is then written
    with JSON's ``\\u`` escapes, ASCII and still UTF-8, which read back to the exact same name."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")


def save_project(project: Project, path: str | Path | None = None) -> Path:
    """Write atomically: a temp file in the same folder, fsync, the old file kept as ``.bak``, os.replace.

    At every moment ``path`` holds either the old or the new complete document; on any failure the temp
    files are removed (an OSError becomes a one-line ProjectError; anything else propagates as is).
    Sets ``project.path`` (a "save as" moves the project).
    """
    if path is None and project.path is None:
        raise ProjectError("the project has never been saved: choose a file name")
    target = Path(path if path is not None else project.path).absolute()  # type: ignore[arg-type]
    data = project_to_dict(project, base_dir=target.parent)
    try:
        project_from_dict(data, target.parent)  # what could not be opened again is not written
    except ProjectError as e:
        raise ProjectError(f"cannot save {target.name}: {e}") from None
    sweep_stale(target.parent)  # temp files an earlier, killed save (or render) left in this folder
    temps: list[str] = []
    try:
        carry_masks(project, target)  # a save into another folder takes the mask pictures along
        fd, tmp = _create_temp(target, ".tmp-")
        temps.append(tmp)
        with os.fdopen(fd, "wb") as f:
            f.write(_json_bytes(data))
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            # Copy (not move) the old file to .bak, so ``target`` never disappears in between.
            fd, bak_tmp = _create_temp(target, ".bak-")
            temps.append(bak_tmp)
            with os.fdopen(fd, "wb") as f:
                f.write(target.read_bytes())
            os.replace(bak_tmp, target.with_name(target.name + ".bak"))
            shutil.copymode(target, tmp)  # a file the user made group-readable stays so
        os.replace(tmp, target)
        temps.clear()
    except OSError as e:  # disk full, read-only folder, permissions: the user can act on it
        raise ProjectError(f"cannot save {target}: {e.strerror or e}") from e
    finally:
        for leftover in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
    _fsync_dir(target.parent)
    project.path = target
    return target


def _create_temp(target: Path, infix: str) -> tuple[int, str]:
    """A new file beside ``target`` with the permissions of a normal new file: unlike ``mkstemp`` (0600),
    the umask applies, so a shared project folder stays shared. The name carries this process's PID
    (``studio.litter``), so a later save can tell a killed save's leftover from a save in progress."""
    for _ in range(100):
        name = str(target.with_name(f"{target.name}{infix}{temp_tag()}"))
        try:
            return os.open(
                name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            ), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a folder, and does not need it."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
