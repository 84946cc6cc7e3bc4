"""The bounds of every number a project holds: one table, read by the file's reader (``schema``), by the
settings dataclasses on construction (``model``), by the CLI's flags and by the window's fields.

Why one table: a value one path accepted and another refused was a project saved but never opened again
(``--fps 500`` saved, the reader's 240 refused it). Each bound is what the engine or the file format can
really do, not taste:

* output fps 1..240: below 1 fps the frame count of a short render rounds to nothing and the time map divides
  by ~0; above 240 no player or encoder preset is tuned for it, and frames cost memory per second.
* duration up to 24 h, and at least one frame: per-frame arrays (shares, the record) scale with it.
* output sides 16..8192, even: H.264 4:2:0 needs even sizes; the media reader refuses larger pictures.
* clip fps 0.01..100000: a clip's rate only maps time to its frame index, so a 2000 fps (or 10000 fps)
  high-speed camera file is as cheap as a 24 fps one; the bounds refuse only the absurd (1e-300 makes its
  duration infinite). 100 s per frame covers time-lapses.
* times (placement start, keyframes) up to 24 h: a placement past the longest render never plays, and
  1e300 seconds overflowed the frame index.
* temperature 0.001..1e6: it divides every energy; below 0.001 the logits overflow float32 (1e-300 made
  NaN shares), above 1e6 it is the crossfade already.
* patch >= 2 (the engine's blocks need two pixels), radius <= 64, window <= 16: each alone is what the
  generator supports. Together they make the candidates each patch is compared with, (2r+1)^2 (2w+1):
  at most :data:`MAX_CANDIDATES` (radius 64 alone; radius 64 with window 16 was 549 153, 6 GiB for a
  160x90 frame and minutes a frame). Their product with the output size is bounded by memory when a render
  starts (``studio.engine.memory``), where the machine is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.errors import ProjectError
from studio.project.fields import check_number

MAX_DURATION = 24 * 3600.0  # seconds of output; also the latest time anything can start
MIN_FPS, MAX_FPS = 1.0, 240.0
MIN_SIDE, MAX_SIDE = 16, 8192  # output pixels; MAX_SIDE = studio.media.probe.MAX_SIDE (a lower layer)
MIN_CLIP_FPS, MAX_CLIP_FPS = 0.01, 100_000.0
MAX_CLIP_FRAMES = 2**31 - 1  # FFmpeg counts frames in a signed 32-bit int
MAX_CLIP_SECONDS = 30 * 24 * 3600.0  # a month of source: in and out points stay finite and exact enough
MAX_IMPORTANCE = 1e6  # importances are normalised by their sum: keep that sum finite
MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-3, 1e6
MAX_RADIUS, MAX_WINDOW = 64, 16
MIN_PATCH, MAX_PATCH = 2, 128
MAX_STABILITY = 1000.0  # an energy, in units of squared feature distance
MAX_CANDIDATES = (2 * MAX_RADIUS + 1) ** 2  # per output patch: the whole radius, or a window with less


@dataclass(frozen=True)
class Bound:
    """An interval for one number (open or closed at each end), optionally of integers."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def check(self, value: Any, path: str) -> Any:
        """``value`` as float or int; a ProjectError (one line naming ``path``) when out of bounds."""
        return check_number(
            value,
            path,
            lo=self.lo,
            hi=self.hi,
            lo_open=self.lo_open,
            hi_open=self.hi_open,
            integer=self.integer,
        )


def _side() -> Bound:
    return Bound(MIN_SIDE, MAX_SIDE, integer=True)


SETTINGS: dict[str, Bound] = {
    "duration": Bound(0.0, MAX_DURATION, lo_open=True),
    "fps": Bound(MIN_FPS, MAX_FPS),
    "width": _side(),
    "height": _side(),
    "seed": Bound(0, 2**63 - 1, integer=True),
    "crf": Bound(0, 51, integer=True),
}
ENGINE: dict[str, Bound] = {
    "temperature": Bound(MIN_TEMPERATURE, MAX_TEMPERATURE),
    "radius": Bound(0, MAX_RADIUS, integer=True),
    "window": Bound(0, MAX_WINDOW, integer=True),
    "coherence": Bound(0.0, 1.0),
    "stability": Bound(0.0, MAX_STABILITY),
    "patch": Bound(MIN_PATCH, MAX_PATCH, integer=True),
}
CLIP: dict[str, Bound] = {
    "fps": Bound(MIN_CLIP_FPS, MAX_CLIP_FPS),
    "frames": Bound(1, MAX_CLIP_FRAMES, integer=True),
    "width": Bound(1, MAX_SIDE, integer=True),
    "height": Bound(1, MAX_SIDE, integer=True),
}
PLACEMENT: dict[str, Bound] = {
    "start": Bound(0.0, MAX_DURATION),
    "duration": Bound(0.0, MAX_DURATION, lo_open=True),
    "speed": Bound(0.0, 100.0, lo_open=True),
}
KEYFRAME: dict[str, Bound] = {
    # seconds from the placement's start; before 0 or past its end: trimmed off, kept for when it is extended
    "time": Bound(-MAX_DURATION, MAX_DURATION),
    "value": Bound(0.0, MAX_IMPORTANCE),
}


def check_values(values: Mapping[str, Any], bounds: Mapping[str, Bound], path: str) -> None:
    """Every bounded key of ``values`` within its bound (the first that is not: a one-line ProjectError)."""
    for key, bound in bounds.items():
        if key in values:
            bound.check(values[key], f"{path}.{key}" if path else key)


def check_output(width: Any, height: Any, duration: Any, fps: Any, path: str = "settings") -> None:
    """The cross-field rules of the output: even sides (H.264 4:2:0) and at least one frame."""
    for key, value in (("width", width), ("height", height)):
        if value % 2:
            raise ProjectError(
                f"{path}.{key}: expected an even integer (H.264 needs even sizes), got {value}"
            )
    if round(duration * fps) < 1:
        raise ProjectError(
            f"{path}.duration: {duration:g} s at {fps:g} fps makes no frame (one frame is {1 / fps:.3g} s)"
        )


def check_search(radius: int, window: int, path: str = "settings.engine") -> None:
    """The search's candidates per patch within :data:`MAX_CANDIDATES`."""
    candidates = (2 * radius + 1) ** 2 * (2 * window + 1)
    if candidates > MAX_CANDIDATES:
        raise ProjectError(
            f"{path}.window: radius {radius} with window {window} compares each patch with {candidates} "
            f"candidates, more than the {MAX_CANDIDATES} the engine is built for: lower the radius or window"
        )


def check_clip_length(frames: int, fps: float, path: str) -> float:
    """The clip's duration in seconds (frames / fps), refused past :data:`MAX_CLIP_SECONDS`."""
    seconds = frames / fps
    if seconds > MAX_CLIP_SECONDS:
        raise ProjectError(
            f"{path}.frames: {frames} frames at {fps:g} fps is {seconds:.3g} s, longer than the "
            f"{MAX_CLIP_SECONDS:g} s a clip may be"
        )
    return seconds
