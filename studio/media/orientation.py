"""How a player turns and mirrors a stored picture: the stream's display matrix as (rotation, mirrored).

A display matrix (FFmpeg's AV_FRAME_DATA_DISPLAYMATRIX, 3x3 int32, 16.16 fixed point) maps stored pixel
coordinates to displayed ones. Phones write rotations; editors and some cameras (front cameras, mirrored
monitors) also write flips, which a bare rotation angle cannot express. Every right-angle matrix is one of
eight orientations: a clockwise turn of 0/90/180/270 degrees, then, if ``mirrored``, a left-right mirror.
The mapping was checked against the ffmpeg CLI's autorotation for all eight (tests/media/test_orientation.py).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no numpy import at run time: probe_safe's child imports this module and only needs PyAV
    import av

ONE = 1 << 16  # 1.0 in the matrix's 16.16 fixed point


def orient(rgb, rotation: int, mirrored: bool = False):
    """The stored picture (H, W, ...) numpy array as displayed: turned ``rotation`` degrees clockwise, then
    mirrored left-right; a C-contiguous copy unless nothing changes."""
    k = (rotation // 90) % 4
    if k == 0 and not mirrored:
        return rgb
    out = rgb
    for _ in range(k):  # a quarter turn clockwise: transpose, then mirror left-right
        out = out.swapaxes(0, 1)[:, ::-1]
    if mirrored:
        out = out[:, ::-1]
    return out.copy()


def from_matrix(matrix: Sequence[int]) -> tuple[int, bool] | None:
    """(clockwise rotation, mirrored) of a display matrix, or None when it is not a right-angle transform."""
    a, b, c, d = (_unit(matrix[i]) for i in (0, 1, 3, 4))
    if None in (a, b, c, d) or abs(a) + abs(b) != 1 or abs(a) != abs(d) or abs(b) != abs(c):
        return None

    # Where the corners of a 2x3 probe land, by the matrix (x' = a x + c y, y' = b x + d y) and by each of
    # the eight orientations: the one that agrees is the answer.
    def corners(transposed: bool, mirror_x: bool, mirror_y: bool) -> tuple[tuple[int, int], ...]:
        h, w = (3, 2) if transposed else (2, 3)  # displayed size of a 2-row, 3-column stored picture
        moved = [(y, x) if transposed else (x, y) for y in (0, 1) for x in (0, 2)]
        return tuple(((w - 1 - x) if mirror_x else x, (h - 1 - y) if mirror_y else y) for x, y in moved)

    shown = corners(a == 0, *((c < 0, b < 0) if a == 0 else (a < 0, d < 0)))
    for rotation in (0, 90, 180, 270):
        for mirrored in (False, True):
            # clockwise quarter turn = transpose + mirror x; 180 = mirror x and y; then the extra mirror
            turn = {0: (False, False, False), 90: (True, True, False), 180: (False, True, True),
                    270: (True, False, True)}[rotation]  # fmt: skip
            transposed, mx, my = turn
            if corners(transposed, mx != mirrored, my) == shown:
                return rotation, mirrored
    return None  # unreachable for a signed permutation


def frame_orientation(frame: av.VideoFrame) -> tuple[int, bool]:
    """(clockwise rotation, mirrored) of a decoded frame from its display matrix; (0, False) without one.
    A matrix that is no right-angle transform (a free angle, a skew) is rounded to the nearest quarter turn,
    as players that only rotate do."""
    for item in frame.side_data:
        if item.type.name == "DISPLAYMATRIX" and len(bytes(item)) >= 36:
            found = from_matrix(struct.unpack("<9i", bytes(item)[:36]))
            if found is not None:
                return found
    return (-round((frame.rotation or 0) / 90) * 90) % 360, False


def _unit(value: int) -> int | None:
    """-1, 0 or 1 for a 16.16 value near one of them (writers round cos/sin), else None."""
    for unit in (-1, 0, 1):
        if abs(value - unit * ONE) < ONE // 64:
            return unit
    return None
