"""The project document: clips, placements on the timeline, and generation settings.

Everything but :class:`Project` is a frozen dataclass: an edit replaces a value instead of mutating it, so an
undo command can keep the old value as is, and the engine can hold a snapshot while the UI edits on.
:class:`Project` itself is the one mutable container (lists of clips and placements, the settings).
"""

from __future__ import annotations

import math
import re
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, Literal

from studio.errors import ProjectError
from studio.project.curve import ImportanceCurve, Interp, Keyframe
from studio.project.limits import (
    CLIP,
    ENGINE,
    MAX_DURATION,
    SETTINGS,
    check_clip_length,
    check_output,
    check_search,
    check_values,
)
from studio.project.masks import MaskKey, sorted_keys

__all__ = [
    "Clip",
    "EngineSettings",
    "GenerationSettings",
    "ImportanceCurve",
    "Interp",
    "Keyframe",
    "MaskKey",
    "Pin",
    "Placement",
    "Project",
    "clip_from_info",
]

EndMode = Literal["loop", "pingpong", "hold"]
END_MODES: tuple[str, ...] = ("loop", "pingpong", "hold")
FITS: tuple[str, ...] = ("fit", "fill", "stretch")
ENGINE_MODES: tuple[str, ...] = ("free", "guide")
# the attention's keys: the hand-made patch features, or the encoder of the VAE trained on this project
FEATURE_KINDS: tuple[str, ...] = ("handmade", "vae")
# draft: the real-time patch attention (live preview); final: pixel-level seamless synthesis (export)
QUALITIES: tuple[str, ...] = ("draft", "final")


@dataclass(frozen=True)
class Clip:
    """A media file in the library; in/out points select the segment every placement of it plays."""

    id: str
    path: Path  # absolute in memory; stored relative to the project file when under its folder
    name: str
    _: KW_ONLY
    in_s: float = 0.0
    out_s: float | None = None  # None = the end of the file
    fps: float = 24.0
    frames: int = 1
    width: int = 0
    height: int = 0
    has_audio: bool = False
    offline_reason: str | None = None  # set on load when the file is missing/unreadable; never saved
    # Set on clips a learned generator made: model, checkpoint, task, inputs (shown in the library).
    provenance: dict[str, Any] | None = field(default=None, hash=False, compare=True)

    @property
    def duration(self) -> float:
        """The whole file's length in seconds (from the probed frame count, so CFR-exact)."""
        return self.frames / self.fps

    @property
    def end_s(self) -> float:
        """Where the usable segment ends: the out point, never past the end of the file."""
        return self.duration if self.out_s is None else min(self.out_s, self.duration)

    @property
    def usable_duration(self) -> float:
        return max(0.0, self.end_s - self.in_s)

    @property
    def online(self) -> bool:
        return self.offline_reason is None


def pin_problem(start: object, end: object, min_share: object, max_share: object) -> str | None:
    """What is wrong with a pin's values (one line, no path), or None: the one rule for the dataclass, the
    file reader and the CLI."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{name}: expected a number of seconds, got {value!r}"
    if start < 0:
        return f"start: expected a number >= 0, got {start:g}"
    if end > MAX_DURATION:  # a time no placement reaches (24 h): a typo, not a pin
        return f"end: expected at most {MAX_DURATION:g} s, got {end:g}"
    if not end > start:
        return f"end: expected a time after the start ({start:g} s), got {end:g}"
    shares = (("min_share", min_share), ("max_share", max_share))
    for name, value in shares:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            return f"{name}: expected a share in [0, 1] or null, got {value!r}"
    if min_share is None and max_share is None:
        return "a pin needs a min_share, a max_share or both"
    if min_share is not None and max_share is not None and min_share > max_share:
        return f"min_share {min_share:g} is above max_share {max_share:g}"
    return None


@dataclass(frozen=True)
class Pin:
    """A bound on the share of the placement's clip (its column of the attention record) over a time range:
    "this clip takes at least / at most this much of the frame from ``start`` to ``end``", which the
    generator meets.

    Times are seconds relative to the placement's start, like its importance keyframes, so moving the
    placement moves its pins; a pin only acts while its placement is on the timeline. Shares are fractions
    of 1 (0.3 = 30 %). Validated on construction: a bad pin is a one-line ``ProjectError``.
    """

    start: float
    end: float
    min_share: float | None = None
    max_share: float | None = None

    def __post_init__(self) -> None:
        problem = pin_problem(self.start, self.end, self.min_share, self.max_share)
        if problem is not None:
            raise ProjectError(f"pin: {problem}")

    @property
    def label(self) -> str:
        """How the timeline and messages show it: "≥30 %", "≤50 %", "30–50 %"."""
        lo, hi = self.min_share, self.max_share
        if lo is not None and hi is not None:
            return f"{lo * 100:.0f}–{hi * 100:.0f} %"
        return f"≥{lo * 100:.0f} %" if lo is not None else f"≤{hi * 100:.0f} %"


@dataclass(frozen=True)
class Placement:
    """One use of a clip on the timeline: where it sits in output time and how it plays."""

    id: str
    clip_id: str
    start: float  # output seconds
    duration: float  # output seconds
    speed: float = 1.0  # source seconds per output second
    end_mode: EndMode = "loop"  # what happens when the clip's segment runs out before the placement ends
    importance: ImportanceCurve = field(default_factory=ImportanceCurve)
    pins: tuple[Pin, ...] = ()  # share bounds of the clip over time ranges (times relative to start)
    masks: tuple[MaskKey, ...] = ()  # painted must / never masks, keyed over time (``masks.py``)

    def __post_init__(self) -> None:
        # a tuple sorted by start, so equal pins compare equal however they were given
        object.__setattr__(self, "pins", tuple(sorted(self.pins, key=lambda p: (p.start, p.end))))
        object.__setattr__(self, "masks", sorted_keys(self.masks))  # by time; two at one time refused

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class EngineSettings:
    """The generator's settings a project stores (the ``engine`` object of the file), and the one place their
    defaults are declared: ``studio.engine.config.GeneratorConfig`` takes them from here."""

    temperature: float = 0.1  # softmax temperature over squared feature distances
    # radius 3 / window 0: the real-time budget (30 fps at 640x360 x 4 clips on 2 cores, with decode and
    # encode); radius 4 looked the same on the demo, window 1 (3x the candidates) flickered ~5% less
    radius: int = 3  # search radius, in patches
    window: int = 0  # temporal window, in source frames each side
    coherence: float = 0.3  # pull of the query toward the previous output frame, in [0, 1]
    stability: float = 0.5  # bonus (an energy) for the (clip, offset) chosen at the previous frame
    patch: int = 8  # patch stride in output pixels
    mode: Literal["free", "guide"] = "free"
    guide_clip: str | None = None  # a clip id; required in "guide" mode
    device: str = "auto"
    features: Literal["handmade", "vae"] = "handmade"  # FEATURE_KINDS
    quality: Literal["draft", "final"] = "final"  # QUALITIES: what export and `studio render` make

    def __post_init__(self) -> None:
        # the limits' numbers, whoever builds it (the file, the window, the CLI, an import): never unsavable
        check_values(self.__dict__, ENGINE, "settings.engine")
        check_search(self.radius, self.window)


@dataclass(frozen=True)
class GenerationSettings:
    duration: float = 6.0  # the generation time: output length in seconds
    fps: float = 24.0
    width: int = 640
    height: int = 360
    fit: Literal["fit", "fill", "stretch"] = "fit"
    seed: int = 0
    crf: int = 20
    audio: bool = True
    engine: EngineSettings = field(default_factory=EngineSettings)

    def __post_init__(self) -> None:
        check_values(self.__dict__, SETTINGS, "settings")
        check_output(self.width, self.height, self.duration, self.fps)

    @property
    def frame_count(self) -> int:
        return round(self.duration * self.fps)


@dataclass
class Project:
    name: str = "Untitled"
    clips: list[Clip] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    path: Path | None = None  # the file it was loaded from / last saved to

    def snapshot(self) -> Project:
        """A copy another thread can read while this one is edited: the items are frozen, so copying the
        two lists is enough (O(items), no deep copy)."""
        return Project(self.name, list(self.clips), list(self.placements), self.settings, self.path)

    def clip(self, clip_id: str) -> Clip:
        for c in self.clips:
            if c.id == clip_id:
                return c
        raise KeyError(clip_id)

    def clip_index(self, clip_id: str) -> int:
        """Column of the clip in the attention record and the importance matrix."""
        for i, c in enumerate(self.clips):
            if c.id == clip_id:
                return i
        raise KeyError(clip_id)

    def placement(self, placement_id: str) -> Placement:
        for p in self.placements:
            if p.id == placement_id:
                return p
        raise KeyError(placement_id)

    def placement_index(self, placement_id: str) -> int:
        for i, p in enumerate(self.placements):
            if p.id == placement_id:
                return i
        raise KeyError(placement_id)

    def placements_of(self, clip_id: str) -> list[Placement]:
        return [p for p in self.placements if p.clip_id == clip_id]

    def missing_media(self) -> list[Clip]:
        return [c for c in self.clips if c.offline_reason is not None]

    def new_ids(self, prefix: str, count: int) -> list[str]:
        """``count`` unused ids ``prefix-N``, N counting on from the highest in use: short, readable, derived
        from the document (so several made for one edit do not collide)."""
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
        used = [int(m.group(1)) for x in (*self.clips, *self.placements) if (m := pattern.match(x.id))]
        first = max(used, default=0) + 1
        return [f"{prefix}-{first + i}" for i in range(count)]

    def new_id(self, prefix: str) -> str:
        return self.new_ids(prefix, 1)[0]


def clip_from_info(clip_id: str, path: str | Path, info: Any, name: str | None = None) -> Clip:
    """A clip from a probe result (``studio.media.MediaInfo`` or anything with the same attributes); a
    file past the limits (``limits.CLIP``) is refused here, in one line naming it, not when saved."""
    path = Path(path).resolve()
    try:
        check_values({k: getattr(info, k) for k in CLIP}, CLIP, "clip")
        check_clip_length(int(info.frames), float(info.fps), "clip")
    except ProjectError as e:
        raise ProjectError(f"{path.name}: {e}") from None
    return Clip(
        clip_id,
        path,
        name or path.stem,
        fps=float(info.fps),
        frames=int(info.frames),
        width=int(info.width),
        height=int(info.height),
        has_audio=info.audio is not None,
    )
