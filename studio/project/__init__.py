"""The project document: clips, placements, importance curves, pins, settings; JSON load/save; the time map;
undoable edits. Pure Python (numpy only): no torch, no Qt, no PyAV at import time."""

from studio.project.commands import (
    AddClip,
    AddPlacement,
    Command,
    Macro,
    MovePlacement,
    RelinkClip,
    RemoveClip,
    RemovePlacement,
    SetKeyframes,
    SetMasks,
    SetPins,
    SetPlacementField,
    SetSetting,
    SetSettings,
    TrimPlacement,
)
from studio.project.curve import ImportanceCurve, Keyframe
from studio.project.io import load_project, mark_missing, refresh_media, require_online, save_project
from studio.project.masks import MaskKey
from studio.project.migrations import CURRENT_VERSION, FORMAT, MIGRATIONS, migrate
from studio.project.model import (
    Clip,
    EngineSettings,
    GenerationSettings,
    Pin,
    Placement,
    Project,
    clip_from_info,
)
from studio.project.schema import project_from_dict, project_to_dict
from studio.project.timemap import (
    SourceSample,
    active_count,
    frame_sources,
    importance_matrix,
    source_frames,
)

__all__ = [
    "CURRENT_VERSION",
    "FORMAT",
    "MIGRATIONS",
    "AddClip",
    "AddPlacement",
    "Clip",
    "Command",
    "EngineSettings",
    "GenerationSettings",
    "ImportanceCurve",
    "Keyframe",
    "Macro",
    "MaskKey",
    "MovePlacement",
    "Pin",
    "Placement",
    "Project",
    "RelinkClip",
    "RemoveClip",
    "RemovePlacement",
    "SetKeyframes",
    "SetMasks",
    "SetPins",
    "SetPlacementField",
    "SetSetting",
    "SetSettings",
    "SourceSample",
    "TrimPlacement",
    "active_count",
    "clip_from_info",
    "frame_sources",
    "importance_matrix",
    "load_project",
    "mark_missing",
    "migrate",
    "project_from_dict",
    "project_to_dict",
    "refresh_media",
    "require_online",
    "save_project",
    "source_frames",
]
