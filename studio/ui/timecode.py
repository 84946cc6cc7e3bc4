"""SMPTE-style timecode ``HH:MM:SS:FF`` for frame numbers, the way editors read time.

API:
- ``format_timecode(frame, fps) -> str``: ``"HH:MM:SS:FF"`` (``"-"`` prefix for negative frames).
- ``parse_timecode(text, fps) -> int``: the frame number; accepts ``HH:MM:SS:FF``, shorter forms counted
  from the right (``SS:FF``, ``MM:SS:FF``), ``;`` or ``.`` as separators, or a plain frame number. Raises
  :class:`studio.errors.StudioError` (one line) for text a user typed wrong.

Non-drop-frame on purpose: the frame field counts ``round(fps)`` frames per "second", so for 29.97 fps the
displayed seconds drift from wall-clock time by 0.1 %, but every frame has exactly one timecode and
``parse_timecode(format_timecode(n, fps), fps) == n`` for every n — which the ruler, the inspector's typed
entry and the heatmap axis rely on. Drop-frame notation (``;``) is accepted on input and read the same way.
"""

from __future__ import annotations

import re

from studio.errors import StudioError

_SEPARATORS = re.compile(r"[:;.]")


def nominal_rate(fps: float) -> int:
    """Frames per timecode second: the rate rounded to a whole number (at least 1)."""
    if not fps or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    return max(1, int(round(fps)))


def format_timecode(frame: int, fps: float) -> str:
    """``HH:MM:SS:FF`` for output frame ``frame`` at ``fps`` (hours are not wrapped at 24)."""
    rate = nominal_rate(fps)
    frame = int(frame)
    sign = "-" if frame < 0 else ""
    frame = abs(frame)
    ff = frame % rate
    total_s = frame // rate
    return f"{sign}{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}:{ff:02d}"


def parse_timecode(text: str, fps: float) -> int:
    """The frame number a user typed as timecode (or as a plain frame number)."""
    rate = nominal_rate(fps)
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-").strip()
    if not body:
        raise StudioError("Empty timecode; type HH:MM:SS:FF or a frame number")
    parts = _SEPARATORS.split(body)
    if len(parts) > 4 or not all(p.strip().isdigit() for p in parts):
        raise StudioError(f"Not a timecode: {text!r}; type HH:MM:SS:FF or a frame number")
    values = [int(p) for p in parts]
    if len(values) == 1:  # a bare frame number
        return sign * values[0]
    values = [0] * (4 - len(values)) + values
    hh, mm, ss, ff = values
    if ff >= rate:
        raise StudioError(
            f"Frame field {ff} is too large in {text!r}: at {fps:g} fps it goes up to {rate - 1}"
        )
    if len(parts) > 2 and ss >= 60:
        raise StudioError(f"Seconds field {ss} is too large in {text!r}: it goes up to 59")
    if len(parts) > 3 and mm >= 60:
        raise StudioError(f"Minutes field {mm} is too large in {text!r}: it goes up to 59")
    return sign * (((hh * 60 + mm) * 60 + ss) * rate + ff)
