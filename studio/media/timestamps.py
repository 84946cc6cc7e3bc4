"""When each frame of a video stream is shown, learned by demuxing its packets without decoding them.

Demuxing is cheap (no pixels are made) and honest: the count is the number of complete packets actually in the
file, so a truncated file reports the frames it really has, whatever its header claims. The same scan gives
the presentation times the reader needs to map a constant-rate grid onto a variable-frame-rate source.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import av


def snap_rate(fps: float | Fraction) -> Fraction:
    """A frame rate as the exact fraction it most likely is: an integer, NTSC's k*1000/1001, or near it."""
    fps = Fraction(fps)
    for candidate in (Fraction(round(fps)), Fraction(round(fps * 1001 / 1000) * 1000, 1001)):
        if candidate > 0 and abs(candidate - fps) <= Fraction(1, 1000) * max(fps, 1) / 30:
            return candidate
    return fps.limit_denominator(1000)


@dataclass(frozen=True)
class Timeline:
    """Sorted presentation timestamps (stream ticks) of every frame, and what they imply."""

    pts: tuple[int, ...]
    keyframes: tuple[int, ...]  # indices (display order) of frames a decoder can start from
    time_base: Fraction
    last_duration: int  # ticks the last frame stays on screen
    variable: bool
    rate: Fraction  # the constant rate, or the average frames / duration when variable

    @property
    def frames(self) -> int:
        return len(self.pts)

    @property
    def duration(self) -> Fraction:
        if not self.variable:
            return self.frames / self.rate
        return (self.pts[-1] - self.pts[0] + self.last_duration) * self.time_base

    def times(self) -> list[float]:
        """Seconds from the first frame."""
        return [float((p - self.pts[0]) * self.time_base) for p in self.pts]

    def index_at(self, seconds: float) -> int:
        """The frame showing at ``seconds`` from the start: the latest one that starts at or before it."""
        if not self.variable:
            return min(self.frames - 1, max(0, int(seconds * self.rate + 1e-6)))
        tick = self.pts[0] + seconds / float(self.time_base) + 1e-3  # tolerance: float grid vs integer ticks
        return min(self.frames - 1, max(0, bisect.bisect_right(self.pts, tick) - 1))

    def index_of_pts(self, pts: int) -> int:
        """The frame a decoded picture with this timestamp is (the latest starting at or before it)."""
        return max(0, bisect.bisect_right(self.pts, pts) - 1)

    def keyframe_before(self, index: int) -> int:
        """The last keyframe at or before ``index`` (0 when none is known)."""
        at = bisect.bisect_right(self.keyframes, index) - 1
        return self.keyframes[at] if at >= 0 else 0


Stamp = tuple[int, int, bool]  # (pts, duration, keyframe) of one packet


def build_timeline(stamps: Iterable[Stamp], time_base: Fraction, stream_rate: Fraction | None) -> Timeline:
    """From (pts, duration, keyframe) per frame in any order; ``stream_rate`` is the declared rate, if any."""
    pairs = sorted(stamps)
    pts = [p for p, _, _ in pairs]
    keyframes = tuple(i for i, (_, _, key) in enumerate(pairs) if key)
    deltas = [b - a for a, b in zip(pts, pts[1:], strict=False)]
    if deltas:
        ordered = sorted(deltas)
        median = ordered[len(ordered) // 2]
        last = pairs[-1][1] if pairs[-1][1] > 0 else median
        # Timestamps are rounded to ticks (e.g. Matroska's 1 ms), so allow a tick either way.
        spread = ordered[-1] - ordered[0]
        variable = spread > max(2, median // 100)
    else:
        median = last = pairs[0][1] if pairs and pairs[0][1] > 0 else 0
        variable = False
    if not variable:
        measured = 1 / (median * time_base) if median else (stream_rate or Fraction(25))
        rate = (
            stream_rate if stream_rate and abs(1 / stream_rate - 1 / measured) < time_base * 2 else measured
        )
        rate = snap_rate(rate)
    else:
        rate = len(pts) / ((pts[-1] - pts[0] + last) * time_base)
    return Timeline(tuple(pts), keyframes, time_base, int(last), variable, Fraction(rate))


def packet_stamp(packet: av.Packet, index: int, ticks_per_frame: int) -> Stamp | None:
    """(pts, duration, key) of a complete packet, or None for flush/corrupt ones; no pts falls back on dts."""
    if packet.size == 0 or packet.is_corrupt or packet.is_discard:
        return None
    stamp = packet.pts if packet.pts is not None else packet.dts
    if stamp is None:
        stamp = index * ticks_per_frame
    return int(stamp), int(packet.duration or 0), bool(packet.is_keyframe)
