"""One colour per project clip, shared by the window (timeline, overlay, heatmap labels) and the exported maps
video, so a clip has the same colour everywhere. Layer-free: no Qt, no numpy."""

from __future__ import annotations

# Okabe-Ito first (distinguishable with the common colour-vision deficiencies), then Tableau; readable on the
# dark theme and over video.
CLIP_COLOURS: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (204, 121, 167),
    (213, 94, 0),
    (0, 114, 178),
    (148, 103, 189),
    (140, 86, 75),
    (127, 127, 127),
)


def clip_colour(index: int) -> tuple[int, int, int]:
    """RGB colour of project clip ``index`` (the palette repeats after ten clips)."""
    return CLIP_COLOURS[index % len(CLIP_COLOURS)]
