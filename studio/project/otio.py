"""OpenTimelineIO interchange: a project as a timeline an editor (Resolve, Kdenlive, Premiere, Nuke Studio)
opens, and an editor's timeline as a project.

**Export.** Each placement is one clip on a video track of its own, after a gap that puts it at its start:
placements overlap here and the attention mixes them, so there is no layer order to pack them by, and one
track each keeps the project's placement order (the time map's and the record's) through a round trip and
lets an editor retime one placement without touching another. The clip refers to the media file, its
``source_range`` starts at the clip's in point (at the clip's fps) and lasts the placement's output
duration, as OTIO measures an item on its track; the speed is a ``LinearTimeWarp`` (so the source used is
``duration * speed``), or a ``FreezeFrame`` for a held still (a segment of one frame). Everything OTIO has
no field for is kept under ``metadata["attention_video_studio"]``, written by the project's own schema
functions: the clips and generation settings on the timeline, each placement on its clip. New project
fields therefore round-trip with no change here.

**Import.** A clip carrying a placement takes it back; where the editor moved, trimmed or retimed it, its
position, length, speed and in point win over the stored ones. Any other clip with a media file (a
Kdenlive or Resolve timeline) becomes a project clip (probed when the file is there, offline with the
reason when not) and a placement at its track position, speed from its time warp. Audio tracks, and clips
with no media file (generators, missing references), are skipped with one warning line each.

OpenTimelineIO is an optional dependency, imported inside the functions: :func:`require_otio` turns its
absence into a one-line error naming the extra to install.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import ProjectError
from studio.project.io import _create_temp, _fsync_dir
from studio.project.migrations import CURRENT_VERSION, FORMAT
from studio.project.model import Clip, Placement, Project
from studio.project.otio_reader import STUDIO_KEY, TimelineReader, Warn
from studio.project.safe_json import parse_json, read_bytes
from studio.project.schema import clip_to_dict, placement_to_dict, settings_to_dict

if TYPE_CHECKING:
    import opentimelineio

__all__ = [
    "INSTALL_HINT",
    "STUDIO_KEY",
    "project_to_timeline",
    "read_otio",
    "require_otio",
    "timeline_to_project",
    "write_otio",
]

INSTALL_HINT = "pip install 'attention-video-studio[otio]'"

log = logging.getLogger("studio.project")


def require_otio() -> Any:
    """The ``opentimelineio`` module, or a one-line error saying how to install it."""
    try:
        import opentimelineio  # noqa: PLC0415 - optional dependency, see the module docstring
    except ImportError:
        raise ProjectError(f"OpenTimelineIO is not installed: {INSTALL_HINT}") from None
    return opentimelineio


# ------------------------------------------------------------------------------------------------ export


def project_to_timeline(project: Project) -> opentimelineio.schema.Timeline:
    """The project as an OTIO timeline: one video track per placement (see the module docstring)."""
    otio = require_otio()
    rate = project.settings.fps
    timeline = otio.schema.Timeline(name=project.name, global_start_time=otio.opentime.RationalTime(0, rate))
    timeline.metadata[STUDIO_KEY] = {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "name": project.name,
        "settings": settings_to_dict(project.settings),
        "clips": [clip_to_dict(c, None) for c in project.clips],  # absolute paths: the .otio can move
    }
    clips = {c.id: c for c in project.clips}
    for placement in project.placements:
        track = otio.schema.Track(name=placement.id, kind=otio.schema.TrackKind.Video)
        if placement.start > 0:
            track.append(otio.schema.Gap(duration=otio.opentime.from_seconds(placement.start, rate)))
        track.append(_otio_clip(otio, clips[placement.clip_id], placement))
        timeline.tracks.append(track)
    return timeline


def _otio_clip(otio: Any, clip: Clip, placement: Placement) -> Any:
    time = otio.opentime
    media = otio.schema.ExternalReference(
        target_url=Path(clip.path).absolute().as_uri(),
        available_range=time.TimeRange(
            time.RationalTime(0, clip.fps), time.RationalTime(clip.frames, clip.fps)
        ),
    )
    item = otio.schema.Clip(
        name=clip.name,
        media_reference=media,
        source_range=time.TimeRange(
            time.from_seconds(clip.in_s, clip.fps), time.from_seconds(placement.duration, clip.fps)
        ),
    )
    if placement.end_mode == "hold" and clip.usable_duration * clip.fps <= 1.0 + 1e-6:
        item.effects.append(otio.schema.FreezeFrame())  # a still: the one frame over the whole placement
    elif placement.speed != 1.0:
        item.effects.append(otio.schema.LinearTimeWarp(time_scalar=placement.speed))
    item.metadata[STUDIO_KEY] = {"placement": placement_to_dict(placement)}
    return item


def write_otio(project: Project, path: str | Path) -> Path:
    """Write the project's timeline as OTIO JSON, atomically (a temp file beside ``path``, then a rename)."""
    otio = require_otio()
    target = Path(path).absolute()
    text = otio.adapters.write_to_string(project_to_timeline(project), "otio_json")
    tmp: str | None = None
    try:
        fd, tmp = _create_temp(target, ".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise ProjectError(f"cannot write {target}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    _fsync_dir(target.parent)
    return target


# ------------------------------------------------------------------------------------------------ import


def read_otio(path: str | Path, *, warn: Warn | None = None) -> Project:
    """Read an ``.otio`` file (``.otioz``/``.otiod`` too) as a project; a bad file is a one-line error.
    Relative media paths resolve against the file's folder; ``warn`` gets each warning line."""
    otio = require_otio()
    path = Path(path).absolute()
    bundle = path.suffix.lower() in (".otioz", ".otiod")
    text = None if bundle else _timeline_text(path)
    try:
        if text is None:
            _check_bundle(path)
            timeline = otio.adapters.read_from_file(str(path))
        else:
            timeline = otio.adapters.read_from_string(text, "otio_json")
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"{path.name}: cannot read it: {e}") from None
    except (ValueError, KeyError, TypeError, otio.exceptions.OTIOError) as e:
        raise ProjectError(f"{path.name}: not a readable OpenTimelineIO file: {e}") from None
    if isinstance(timeline, otio.schema.SerializableCollection):
        timeline = next(iter(timeline.find_children(descended_from_type=otio.schema.Timeline)), None)
    if not isinstance(timeline, otio.schema.Timeline):
        raise ProjectError(f"{path.name}: no timeline in this OpenTimelineIO file")
    try:
        return timeline_to_project(timeline, path.parent, warn=warn)
    except ProjectError as e:
        raise ProjectError(f"{path.name}: {e}") from None


def _timeline_text(path: Path) -> str:
    """The .otio file's JSON text, read as every JSON file is (``safe_json``: a regular file, size-capped)
    and parsed once with the depth guard first: OTIO's own parser is not the one to meet ``[`` x 100000."""
    data = read_bytes(path, what="file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProjectError(f"{path.name}: cannot read it: not UTF-8 text (byte {e.start})") from None
    parse_json(text, name=path.name)
    return text


def _check_bundle(path: Path) -> None:
    """An .otioz is a zip file, an .otiod a folder: anything else (a FIFO, a device) is not opened."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such file") from None
    wanted = stat.S_ISDIR if path.suffix.lower() == ".otiod" else stat.S_ISREG
    if not wanted(mode):
        raise ProjectError(f"{path.name}: not an OpenTimelineIO bundle ({path.suffix} of the wrong kind)")


def timeline_to_project(
    timeline: opentimelineio.schema.Timeline, base: str | Path | None = None, *, warn: Warn | None = None
) -> Project:
    """The project a timeline describes (see the module docstring).

    ``base``: the folder relative media paths resolve against (the .otio file's). ``warn`` receives each
    warning line (audio tracks, skipped clips); by default they are logged.
    """
    otio = require_otio()
    reader = TimelineReader(otio, Path(base) if base is not None else None, warn or _log_warning)
    return reader.read(timeline)


def _log_warning(line: str) -> None:
    log.warning("%s", line)
