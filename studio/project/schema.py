"""Project <-> JSON dict (version 2: placements have pins, and masks when painted), with validation that
names the path of the bad field.

Keys match the dataclass fields, so a hand-edited file reads like the code. Unknown keys are ignored (a
newer minor writer may add some); missing optional keys take the dataclass defaults. Validation of single
values lives in the ``*_from_dict`` readers, so commands reuse it by round-tripping one object.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from studio.errors import ProjectError
from studio.project.curve import INTERPS, ImportanceCurve, Keyframe
from studio.project.fields import Fields, bad, join
from studio.project.limits import (
    CLIP,
    ENGINE,
    KEYFRAME,
    MAX_CLIP_SECONDS,
    PLACEMENT,
    SETTINGS,
    Bound,
    check_clip_length,
    check_output,
    check_search,
)
from studio.project.masks import MASK_MODES, MASK_MOTIONS, MaskKey, mask_key_problem, sorted_keys
from studio.project.migrations import CURRENT_VERSION, FORMAT, migrate
from studio.project.model import (
    END_MODES,
    ENGINE_MODES,
    FEATURE_KINDS,
    FITS,
    QUALITIES,
    Clip,
    EngineSettings,
    GenerationSettings,
    Pin,
    Placement,
    Project,
    pin_problem,
)

# ---------------------------------------------------------------------------------------------- to dict


def media_path_to_json(path: Path, base_dir: Path | None) -> str:
    """Relative (POSIX separators) when the media sits under the project's folder, so the pair can move."""
    path = Path(path)
    if base_dir is not None:
        try:
            return PurePosixPath(*path.resolve().relative_to(Path(base_dir).resolve()).parts).as_posix()
        except ValueError:
            pass
    return str(path)


def media_path_from_json(text: str, base_dir: Path | None) -> Path:
    path = Path(os.path.expanduser(text))
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return Path(os.path.normpath(path.absolute()))


def curve_to_list(curve: ImportanceCurve) -> list[dict[str, Any]]:
    return [{"time": k.time, "value": k.value, "interp": k.interp} for k in curve.keyframes]


def pins_to_list(pins: tuple[Pin, ...]) -> list[dict[str, Any]]:
    return [
        {"start": p.start, "end": p.end, "min_share": p.min_share, "max_share": p.max_share} for p in pins
    ]


def masks_to_list(masks: tuple[MaskKey, ...]) -> list[dict[str, Any]]:
    keys = ("time", "path", "mode", "strength", "feather", "motion")
    return [{name: getattr(k, name) for name in keys} for k in masks]


def clip_to_dict(clip: Clip, base_dir: Path | None) -> dict[str, Any]:
    return {
        "id": clip.id,
        "path": media_path_to_json(clip.path, base_dir),
        "name": clip.name,
        "in_s": clip.in_s,
        "out_s": clip.out_s,
        "fps": clip.fps,
        "frames": clip.frames,
        "width": clip.width,
        "height": clip.height,
        "has_audio": clip.has_audio,
        **({"provenance": clip.provenance} if clip.provenance else {}),
    }


def placement_to_dict(p: Placement) -> dict[str, Any]:
    return {
        "id": p.id,
        "clip_id": p.clip_id,
        "start": p.start,
        "duration": p.duration,
        "speed": p.speed,
        "end_mode": p.end_mode,
        "importance": curve_to_list(p.importance),
        "pins": pins_to_list(p.pins),
        **({"masks": masks_to_list(p.masks)} if p.masks else {}),  # optional: absent = no masks
    }


def settings_to_dict(s: GenerationSettings) -> dict[str, Any]:
    e = s.engine
    engine = {k: getattr(e, k) for k in EngineSettings.__dataclass_fields__}
    plain = {k: getattr(s, k) for k in GenerationSettings.__dataclass_fields__ if k != "engine"}
    return {**plain, "engine": engine}


def project_to_dict(project: Project, base_dir: Path | None = None) -> dict[str, Any]:
    """The JSON document; media paths relative to ``base_dir`` (default: the project file's folder)."""
    if base_dir is None and project.path is not None:
        base_dir = Path(project.path).parent
    return {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "name": project.name,
        "settings": settings_to_dict(project.settings),
        "clips": [clip_to_dict(c, base_dir) for c in project.clips],
        "placements": [placement_to_dict(p) for p in project.placements],
    }


# ---------------------------------------------------------------------------------------------- from dict


def curve_from_list(data: Any, path: str) -> ImportanceCurve:
    if not isinstance(data, list):
        raise bad(path, "a list of keyframes", data)
    keys = []
    for i, item in enumerate(data):
        f = Fields(item, join(path, i))
        time = KEYFRAME["time"].check(f.raw("time"), f.at("time"))
        value = KEYFRAME["value"].check(f.raw("value"), f.at("value"))
        keys.append(Keyframe(time, value, f.choice("interp", INTERPS, "linear")))  # type: ignore[arg-type]
    return ImportanceCurve(tuple(keys))


def pins_from_list(data: Any, path: str) -> tuple[Pin, ...]:
    if not isinstance(data, list):
        raise bad(path, "a list of pins", data)
    pins = []
    for i, item in enumerate(data):
        at = join(path, i)
        f = Fields(item, at)
        start = f.number("start", lo=0.0)
        end = f.number("end", lo=0.0)
        low = f.number("min_share", None, lo=0.0, hi=1.0)
        high = f.number("max_share", None, lo=0.0, hi=1.0)
        problem = pin_problem(start, end, low, high)
        if problem is not None:
            raise ProjectError(f"{at}: {problem}")
        pins.append(Pin(start, end, low, high))
    return tuple(pins)


def masks_from_list(data: Any, path: str) -> tuple[MaskKey, ...]:
    if not isinstance(data, list):
        raise bad(path, "a list of mask keys", data)
    keys = []
    for i, item in enumerate(data):
        at = join(path, i)
        f, d = Fields(item, at), MaskKey(0.0, "x.png")
        values = (
            f.number("time", lo=0.0),
            f.string("path"),
            f.choice("mode", MASK_MODES, d.mode),
            f.number("strength", d.strength, lo=0.0, hi=1.0),
            f.number("feather", d.feather, lo=0.0),
            f.choice("motion", MASK_MOTIONS, d.motion),
        )
        problem = mask_key_problem(*values)
        if problem is not None:
            raise ProjectError(f"{at}: {problem}")
        keys.append(MaskKey(*values))  # type: ignore[arg-type]
    try:
        return sorted_keys(keys)
    except ProjectError as e:
        raise ProjectError(f"{path}: {e}") from None


def clip_from_dict(data: Any, path: str, base_dir: Path | None) -> Clip:
    f = Fields(data, path)
    fps = CLIP["fps"].check(f.raw("fps"), f.at("fps"))
    frames = CLIP["frames"].check(f.raw("frames"), f.at("frames"))
    duration = check_clip_length(frames, fps, path)
    in_s = f.number("in_s", 0.0, lo=0.0, hi=duration, hi_open=True)
    out_s = f.number("out_s", None, lo=in_s, lo_open=True, hi=MAX_CLIP_SECONDS)
    media = media_path_from_json(f.string("path"), base_dir)
    return Clip(
        f.string("id"),
        media,
        f.string("name", media.stem, nonempty=False),
        in_s=in_s,
        out_s=out_s,
        fps=fps,
        frames=frames,
        width=CLIP["width"].check(f.raw("width"), f.at("width")),
        height=CLIP["height"].check(f.raw("height"), f.at("height")),
        has_audio=f.boolean("has_audio", False),
        provenance=_provenance(f),
    )


def _provenance(f: Fields) -> dict[str, Any] | None:
    value = f.raw("provenance", None)
    if value is not None and not isinstance(value, dict):
        raise bad(f.at("provenance"), "an object", value)
    return value


def placement_from_dict(data: Any, path: str) -> Placement:
    f = Fields(data, path)
    return Placement(
        f.string("id"),
        f.string("clip_id"),
        start=PLACEMENT["start"].check(f.raw("start"), f.at("start")),
        duration=PLACEMENT["duration"].check(f.raw("duration"), f.at("duration")),
        speed=PLACEMENT["speed"].check(f.raw("speed", 1.0), f.at("speed")),
        end_mode=f.choice("end_mode", END_MODES, "loop"),  # type: ignore[arg-type]
        importance=curve_from_list(f.raw("importance", []), f.at("importance")),
        pins=pins_from_list(f.raw("pins", []), f.at("pins")),
        masks=masks_from_list(f.raw("masks", []), f.at("masks")),
    )


def engine_from_dict(data: Any, path: str) -> EngineSettings:
    f, d = Fields(data, path), EngineSettings()
    check_search(_bounded(f, "radius", ENGINE, d), _bounded(f, "window", ENGINE, d), path)
    return EngineSettings(
        temperature=_bounded(f, "temperature", ENGINE, d),
        radius=_bounded(f, "radius", ENGINE, d),
        window=_bounded(f, "window", ENGINE, d),
        coherence=_bounded(f, "coherence", ENGINE, d),
        stability=_bounded(f, "stability", ENGINE, d),
        patch=_bounded(f, "patch", ENGINE, d),
        mode=f.choice("mode", ENGINE_MODES, d.mode),  # type: ignore[arg-type]
        guide_clip=f.string("guide_clip", None, nullable=True),
        device=f.string("device", d.device),
        features=f.choice("features", FEATURE_KINDS, d.features),  # type: ignore[arg-type]
        quality=f.choice("quality", QUALITIES, d.quality),  # type: ignore[arg-type]
    )


def _bounded(f: Fields, key: str, bounds: dict[str, Bound], defaults: object) -> Any:
    """``key`` of the object (the dataclass's default when absent) checked against ``limits``' bound."""
    return bounds[key].check(f.raw(key, getattr(defaults, key)), f.at(key))


def settings_from_dict(data: Any, path: str) -> GenerationSettings:
    f, d = Fields(data, path), GenerationSettings()
    width, height = _bounded(f, "width", SETTINGS, d), _bounded(f, "height", SETTINGS, d)
    duration, fps = _bounded(f, "duration", SETTINGS, d), _bounded(f, "fps", SETTINGS, d)
    check_output(width, height, duration, fps, path)  # even sizes, at least one frame
    return GenerationSettings(
        duration=duration,
        fps=fps,
        width=width,
        height=height,
        fit=f.choice("fit", FITS, d.fit),  # type: ignore[arg-type]
        seed=_bounded(f, "seed", SETTINGS, d),
        crf=_bounded(f, "crf", SETTINGS, d),
        audio=f.boolean("audio", d.audio),
        engine=engine_from_dict(f.raw("engine", {}), f.at("engine")),
    )


def check_references(project: Project) -> None:
    """Cross-field rules: unique ids, placements and the guide point at existing clips."""
    seen: set[str] = set()
    for kind, items in (("clips", project.clips), ("placements", project.placements)):
        for i, item in enumerate(items):
            if item.id in seen:
                raise ProjectError(f'{kind}[{i}].id: "{item.id}" is used twice')
            seen.add(item.id)
    clip_ids = {c.id for c in project.clips}
    for i, p in enumerate(project.placements):
        if p.clip_id not in clip_ids:
            raise ProjectError(f'placements[{i}].clip_id: no clip with id "{p.clip_id}"')
    engine = project.settings.engine
    if engine.guide_clip is not None and engine.guide_clip not in clip_ids:
        raise ProjectError(f'settings.engine.guide_clip: no clip with id "{engine.guide_clip}"')
    if engine.mode == "guide" and engine.guide_clip is None:
        raise ProjectError('settings.engine.guide_clip: "guide" mode needs a guide clip')


def project_from_dict(data: Any, base_dir: Path | str | None) -> Project:
    """Migrate, validate and build; relative media paths resolve against ``base_dir``."""
    f = Fields(data, "")
    data = migrate(f.data)
    f = Fields(data, "")
    base = Path(base_dir) if base_dir is not None else None
    project = Project(
        name=f.string("name", "Untitled", nonempty=False),
        clips=[clip_from_dict(c, join("clips", i), base) for i, c in enumerate(f.items("clips", []))],
        placements=[
            placement_from_dict(p, join("placements", i)) for i, p in enumerate(f.items("placements", []))
        ],
        settings=settings_from_dict(f.raw("settings", {}), "settings"),
    )
    check_references(project)
    return project
