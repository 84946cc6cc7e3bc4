"""Where the artist directed the attention, in the heatmap's terms (Qt-free): each pin as a span of output
frames on its clip's row with its bound ("≥30 %"), each painted mask key as the frame it takes effect. Drawn
over the rows (``HeatmapPlot.set_marks``), so the record shows beside each pin whether the share held it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PinMark:
    row: int  # the clip's row (project clip order, as the heatmap's)
    first: int  # output frames [first, stop) where the pin acts at full strength
    stop: int
    label: str  # "≥30 %": drawn on the bracket and named by the hover


@dataclass(frozen=True)
class MaskMark:
    row: int
    frame: int  # the output frame the key takes effect at
    mode: str  # "must" | "never" (studio.project.masks)


def direction_marks(project: Any) -> tuple[list[PinMark], list[MaskMark]]:
    """The pins and mask keys of every placement, in output frames, clipped to the placement and the output:
    a pin past its placement's end (kept for when it is extended) or a key before its start shows nothing."""
    fps, total = float(project.settings.fps), int(project.settings.frame_count)
    rows = {clip.id: k for k, clip in enumerate(project.clips)}
    pins: list[PinMark] = []
    masks: list[MaskMark] = []
    for placement in project.placements:
        row = rows.get(placement.clip_id)
        if row is None:
            continue
        start, end = float(placement.start), float(placement.start + placement.duration)
        for pin in placement.pins:
            first = math.ceil(max(start, start + pin.start) * fps - 1e-9)
            stop = min(total, math.ceil(min(end, start + pin.end) * fps - 1e-9))
            if stop > first:
                pins.append(PinMark(row, first, stop, pin.label))
        for key in placement.masks:
            at = start + float(key.time)
            frame = math.ceil(at * fps - 1e-9)
            if at < end and frame < total:
                masks.append(MaskMark(row, frame, str(key.mode)))
    return pins, masks


def pin_at(pins: list[PinMark], n: int, row: int) -> PinMark | None:
    """The pin acting at frame ``n`` of ``row`` (the first, where pins overlap), or None."""
    return next((p for p in pins if p.row == row and p.first <= n < p.stop), None)
