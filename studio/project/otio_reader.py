"""Reading an OpenTimelineIO timeline as a project (``studio.project.otio.timeline_to_project``).

What the studio stored under ``metadata["attention_video_studio"]`` comes back through the project's schema
readers (validation, migrations, new fields included); where an editor moved, trimmed or retimed a stored
clip, its OTIO position, length, speed and in point win. Every other clip with a media file becomes a clip
and a placement. A project clip has one in/out for all its placements, so each distinct file + trim is a
clip of its own.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from studio.errors import MediaError, ProjectError
from studio.project.io import mark_missing
from studio.project.migrations import CURRENT_VERSION, FORMAT
from studio.project.model import Project
from studio.project.schema import project_from_dict

STUDIO_KEY = "attention_video_studio"  # the metadata namespace, on the timeline and on each clip
_SAME_S = 1e-6  # seconds: OTIO times are value / rate, so a time read back may differ by a rounding error

Warn = Callable[[str], None]


def plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary / AnyVector) as plain dicts and lists, as the schema readers expect."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(v) for v in value]
    return value


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= _SAME_S


class TimelineReader:
    """One import: the studio's stored document, plus a clip and a placement for each other media clip."""

    def __init__(self, otio: Any, base: Path | None, warn: Warn) -> None:
        self.otio, self.base, self.warn = otio, base, warn
        self.clips: list[dict[str, Any]] = []  # clip dicts, as in a project file
        self.placements: list[dict[str, Any]] = []
        self.offline: dict[str, str] = {}  # clip id -> why its file cannot be read (never saved in a dict)
        self.used: set[str] = set()  # every clip and placement id so far
        # per placement: the stored id it asks for (None: a new one) and whether it still sits where stored
        self.claims: list[tuple[str | None, bool]] = []
        self.foreign: dict[tuple[str, float, float | None], str] = {}  # (file, in, out) -> its clip's id

    def read(self, timeline: Any) -> Project:
        otio = self.otio
        stored = plain(timeline.metadata.get(STUDIO_KEY))
        stored = stored if isinstance(stored, dict) else {}
        self.clips = [dict(c) for c in stored.get("clips", []) if isinstance(c, dict)]
        self.used = {str(c.get("id")) for c in self.clips}
        audio = 0
        for track in timeline.tracks:
            if isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Audio:
                audio += 1
            elif isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Video:
                self.add_track(track)
            else:
                self.warn(f'skipped "{track.name}": a {type(track).__name__} of tracks (flatten it first)')
        if audio:
            tracks = f"{audio} audio track{'s' if audio > 1 else ''}"
            self.warn(f"{tracks} ignored: the output's sound follows the attention over the clips' own audio")
        settings = stored.get("settings")
        if not isinstance(settings, dict):  # an editor's timeline: its length and rate
            if not self.placements:
                raise ProjectError("no video clip with a media file in the timeline")
            rate = _timeline_rate(timeline)
            settings = {"duration": timeline.duration().to_seconds(), "fps": rate}
        data = {
            "format": FORMAT,
            "version": stored.get("version", CURRENT_VERSION),
            "name": stored.get("name", timeline.name or "Imported timeline"),
            "settings": settings,
            "clips": self.clips,
            "placements": self.placements,
        }
        self.assign_placement_ids()
        project = project_from_dict(data, self.base)
        mark_missing(project)
        for i, clip in enumerate(project.clips):
            if clip.id in self.offline and clip.offline_reason is None:  # there, but unreadable
                project.clips[i] = dataclasses.replace(clip, offline_reason=self.offline[clip.id])
        return project

    def add_track(self, track: Any) -> None:
        schema = self.otio.schema
        for item in track:
            if isinstance(item, schema.Clip):
                self.add_item(item)
            elif isinstance(item, self.otio.core.Composition):
                self.warn(
                    f'skipped a nested {type(item).__name__} on track "{track.name}" (flatten it first)'
                )

    # ---- one clip of a video track ----------------------------------------------------------------------
    def add_item(self, item: Any) -> None:
        start = item.range_in_parent().start_time.to_seconds()
        duration = item.trimmed_range().duration.to_seconds()
        where = f'"{item.name or "clip"}" at {start:.3f} s'
        if not item.enabled:
            self.warn(f"skipped {where}: it is disabled")
            return
        if duration <= 0:
            self.warn(f"skipped {where}: it lasts no time")
            return
        speed, freeze = self.time_warp(item, where)
        stored = plain(item.metadata.get(STUDIO_KEY))
        placement = stored.get("placement") if isinstance(stored, dict) else None
        if isinstance(placement, dict) and self.stored_clip(placement.get("clip_id")) is not None:
            self.add_stored(item, placement, start, duration, None if freeze else speed)
        else:
            self.add_foreign(item, where, start, duration, speed, freeze)

    def time_warp(self, item: Any, where: str) -> tuple[float, bool]:
        """(speed, freeze) from the clip's time effects; what cannot be played here is one warning."""
        schema = self.otio.schema
        speed, freeze = 1.0, False
        for effect in item.effects:
            if isinstance(effect, schema.FreezeFrame):
                freeze = True
            elif isinstance(effect, schema.LinearTimeWarp):
                speed *= effect.time_scalar
            elif isinstance(effect, schema.TimeEffect):
                self.warn(f"{where}: its time effect {effect.effect_name or effect.name!r} is read as 1x")
        if not freeze and speed < 0:
            self.warn(f"{where}: played forwards (reverse playback is not supported)")
            speed = -speed
        if not freeze and not 0 < speed <= 100:
            self.warn(f"{where}: speed {speed:g} is out of range, read as 1x")
            speed = 1.0
        return speed, freeze

    def stored_clip(self, clip_id: Any) -> dict[str, Any] | None:
        return next((c for c in self.clips if c.get("id") == clip_id), None)

    def add_stored(
        self, item: Any, placement: dict[str, Any], start: float, duration: float, speed: float | None
    ) -> None:
        """The stored placement, with what the editor changed: position, length, speed, in point."""
        p = dict(placement)
        if not _same(start, p.get("start", start)):
            p["start"] = start
        if not _same(duration, p.get("duration", duration)):
            p["duration"] = duration
        if speed is not None and not _same(speed, p.get("speed", 1.0)):
            p["speed"] = speed
        clip = self.stored_clip(p["clip_id"])
        in_s = _in_point(item)
        if clip is not None and not _same(in_s, clip.get("in_s", 0.0)):  # trimmed: a clip of its own
            out_s = clip.get("out_s")
            keep_out = isinstance(out_s, int | float) and out_s > in_s
            trimmed = {**clip, "in_s": in_s, "out_s": out_s if keep_out else None}
            key = (str(clip.get("path")), round(in_s, 6), trimmed["out_s"])
            if key not in self.foreign:  # placements trimmed alike share one clip
                self.foreign[key] = self.add_clip(trimmed, self.offline.get(str(clip.get("id"))))
            p["clip_id"] = self.foreign[key]
        wanted = p.get("id") if isinstance(p.get("id"), str) else None
        self.claims.append((wanted, _same(start, placement.get("start", start))))
        self.placements.append(p)

    def add_foreign(
        self, item: Any, where: str, start: float, duration: float, speed: float, freeze: bool
    ) -> None:
        """A clip an editor made: a project clip for its file and trim, and a placement where it sits."""
        ref = item.media_reference
        if not isinstance(ref, self.otio.schema.ExternalReference) or not ref.target_url:
            self.warn(f"skipped {where}: no media file ({type(ref).__name__})")
            return
        path = self.media_path(ref.target_url)
        in_s = _in_point(item)
        fields, reason = self.probe(path)
        fps = fields.get("fps") or item.trimmed_range().start_time.rate or 24.0
        used = 1.0 / fps if freeze else duration * speed  # source seconds the placement plays
        if reason is not None:  # placeholders until relinked: long enough for the range used
            fields = {**fields, "fps": fps, "frames": max(1, math.ceil((in_s + used) * fps)), "width": 16,
                      "height": 9}  # fmt: skip
        end_of_file = fields["frames"] / fps
        if in_s >= end_of_file - 1e-9:
            self.warn(f"skipped {where}: its in point {in_s:g} s is past the end of {path.name}")
            return
        out_s = in_s + used if in_s + used < end_of_file - 1e-9 else None  # trimmed as in the editor
        key = (str(path), round(in_s, 6), None if out_s is None else round(out_s, 6))
        if key not in self.foreign:
            name = item.name or path.stem
            self.foreign[key] = self.add_clip({**fields, "name": name, "in_s": in_s, "out_s": out_s}, reason)
        self.claims.append((None, False))
        self.placements.append({
            "id": None,  # assign_placement_ids
            "clip_id": self.foreign[key],
            "start": start,
            "duration": duration,
            "speed": 1.0 if freeze else speed,
            "end_mode": "hold" if freeze else "loop",
        })  # fmt: skip

    def media_path(self, url: str) -> Path:
        if url.startswith("file:"):
            return Path(self.otio.url_utils.filepath_from_url(url))
        path = Path(os.path.expanduser(url))  # Kdenlive's adapter writes plain paths
        return path if path.is_absolute() or self.base is None else self.base / path

    def probe(self, path: Path) -> tuple[dict[str, Any], str | None]:
        """The clip fields the file gives, or ({path}, why it cannot be read)."""
        if not path.is_file():
            return {"path": str(path)}, f"file not found: {path}"
        from studio.media import probe_safe  # noqa: PLC0415 - PyAV only when media is touched

        try:
            info = probe_safe(path)
        except MediaError as e:
            return {"path": str(path)}, str(e)
        fields = {"path": str(path), "fps": float(info.fps), "frames": int(info.frames)}
        fields |= {"width": int(info.width), "height": int(info.height), "has_audio": info.audio is not None}
        return fields, None

    def add_clip(self, fields: dict[str, Any], offline_reason: str | None) -> str:
        clip_id = self.fresh_id("clip", None)
        self.clips.append({**fields, "id": clip_id})
        if offline_reason is not None:
            self.offline[clip_id] = offline_reason
        return clip_id

    def assign_placement_ids(self) -> None:
        """Stored ids first, so no new placement takes one: of copies an editor pasted, the one still where
        it was stored keeps the id (else the first), the others get new ids, as new placements do."""
        owner: dict[str, int] = {}
        for i, (wanted, in_place) in enumerate(self.claims):
            if wanted is not None and (
                wanted not in owner or (in_place and not self.claims[owner[wanted]][1])
            ):
                owner[wanted] = i
        self.used |= set(owner)
        for i, placement in enumerate(self.placements):
            wanted = self.claims[i][0]
            placement["id"] = (
                wanted if wanted is not None and owner[wanted] == i else self.fresh_id("p", None)
            )

    def fresh_id(self, prefix: str, wanted: Any) -> str:
        """``wanted`` when it is free, else ``prefix-N`` past the highest N in use (as Project.new_ids)."""
        if isinstance(wanted, str) and wanted and wanted not in self.used:
            self.used.add(wanted)
            return wanted
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
        n = max((int(m.group(1)) for x in self.used if (m := pattern.match(x))), default=0) + 1
        self.used.add(f"{prefix}-{n}")
        return f"{prefix}-{n}"


def _in_point(item: Any) -> float:
    """Seconds into the file where the clip starts: its source start less the media's own start (timecode)."""
    start = item.trimmed_range().start_time
    available = getattr(item.media_reference, "available_range", None)
    if available is not None:
        start = start - available.start_time
    return max(start.to_seconds(), 0.0)


def _timeline_rate(timeline: Any) -> float:
    """The timeline's global rate, else the first clip's, else the app's default."""
    if timeline.global_start_time is not None and timeline.global_start_time.rate > 0:
        return float(timeline.global_start_time.rate)
    for clip in timeline.find_clips():
        return float(clip.trimmed_range().duration.rate)
    return 24.0
