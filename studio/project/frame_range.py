"""A span of output frames as a user types it: ``studio render --range START-END``.

Each end is one of:

- seconds: ``12`` or ``12.5``;
- timecode ``HH:MM:SS:FF`` (non-drop, ``round(fps)`` frames a timecode second, as the window's ruler reads);
- a frame number with an ``f`` suffix: ``300f``.

END is where the span stops, exclusive, as a duration would be: ``2-4`` is two seconds (frames 48 to 95 at
24 fps), ``48f-96f`` the same 48 frames. Either end may be left out: ``10-`` to the end, ``-5`` from the
start. Seconds are rounded to the nearest frame. The result is a ``range`` of output frames within the
project's, or a one-line :class:`~studio.errors.ProjectError`.
"""

from __future__ import annotations

import re

from studio.errors import ProjectError

SYNTAX = "START-END, each seconds (12.5), timecode (HH:MM:SS:FF) or frames (300f); END exclusive"

_TIMECODE = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}):(\d{1,2})$")
_FRAMES = re.compile(r"^(\d+)f$", re.IGNORECASE)
_SECONDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)s?$", re.IGNORECASE)


def parse_point(text: str, fps: float) -> int:
    """The output frame one end of a range names."""
    raw = text.strip()
    if match := _FRAMES.match(raw):
        return int(match.group(1))
    if match := _TIMECODE.match(raw):
        rate = max(1, round(fps))
        hh, mm, ss, ff = (int(g) for g in match.groups())
        if mm >= 60 or ss >= 60 or ff >= rate:
            raise ProjectError(f"{raw!r} is not a timecode at {fps:g} fps (MM, SS < 60, FF < {rate})")
        return ((hh * 60 + mm) * 60 + ss) * rate + ff
    if match := _SECONDS.match(raw):
        return round(float(match.group(1)) * fps)
    raise ProjectError(f"{raw!r} is not a time: seconds (12.5), timecode (HH:MM:SS:FF) or frames (300f)")


def parse_range(text: str, fps: float, total: int) -> range:
    """The output frames ``text`` (``START-END``) names, within a project of ``total`` frames at ``fps``."""
    start_text, sep, end_text = text.strip().partition("-")
    if not sep:
        raise ProjectError(f"--range {text!r}: expected {SYNTAX}")
    start = parse_point(start_text, fps) if start_text.strip() else 0
    stop = parse_point(end_text, fps) if end_text.strip() else total
    if start >= total or stop > total:
        end = f"{total / fps:g} s, {total} frames" if fps > 0 else f"{total} frames"
        raise ProjectError(f"--range {text!r} goes past the output's end ({end})")
    if stop <= start:
        raise ProjectError(f"--range {text!r}: the end (frame {stop}) must come after the start ({start})")
    return range(start, stop)


def describe_span(frames: range, fps: float) -> str:
    """``frames 48-95, 2.00-4.00 s``: a span as the dialog and the CLI's summary show it."""
    return f"frames {frames.start}-{frames.stop - 1}, {frames.start / fps:.2f}-{frames.stop / fps:.2f} s"
