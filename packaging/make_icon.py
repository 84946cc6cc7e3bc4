"""Draw the app icon: ``python packaging/make_icon.py [--out resources/icon.png] [--size 256]``.

Three clips' colours (the palette's first three, as the timeline shows them) blended where they overlap, the
attention generator's idea in one picture, and a play triangle on a dark rounded tile. numpy only, written as
a PNG by hand (zlib), so it runs wherever the app does; deterministic, so the committed file can be remade.
"""

from __future__ import annotations

import argparse
import struct
import zlib
from pathlib import Path

import numpy as np

from studio.palette import clip_colour

ROOT = Path(__file__).resolve().parent.parent


def _coverage(distance: np.ndarray) -> np.ndarray:
    """Anti-aliased inside-ness from a signed distance in pixels (negative inside)."""
    return np.clip(0.5 - distance, 0.0, 1.0)


def draw_icon(size: int = 256) -> np.ndarray:
    """(size, size, 4) uint8 RGBA."""
    s = float(size)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    rgb = np.zeros((size, size, 3))
    # the tile: a rounded square, dark like the window's theme
    margin, radius = 0.04 * s, 0.2 * s
    qx = np.abs(xx - s / 2) - (s / 2 - margin - radius)
    qy = np.abs(yy - s / 2) - (s / 2 - margin - radius)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - radius
    alpha = _coverage(outside)
    rgb[:] = np.array([34, 37, 43]) + (yy / s)[..., None] * np.array([-10, -10, -8])
    # three clips: translucent discs whose overlaps mix, as the generator mixes its sources
    centres = [(0.38, 0.40), (0.62, 0.40), (0.50, 0.62)]
    for index, (cx, cy) in enumerate(centres):
        disc = _coverage(np.hypot(xx - cx * s, yy - cy * s) - 0.22 * s) * 0.72
        rgb = rgb * (1 - disc[..., None]) + np.array(clip_colour(index)) * disc[..., None]
    # the play triangle, white, pointing right
    ax, ay, bx, by, tip = 0.44 * s, 0.36 * s, 0.44 * s, 0.64 * s, (0.64 * s, 0.50 * s)
    edges = [((ax, ay), (bx, by)), ((bx, by), tip), (tip, (ax, ay))]
    inside = np.full((size, size), -np.inf)
    for (x0, y0), (x1, y1) in edges:  # signed distance to each edge's line, positive outside
        nx, ny = y0 - y1, x1 - x0
        length = np.hypot(nx, ny)
        inside = np.maximum(inside, ((xx - x0) * nx + (yy - y0) * ny) / length)
    play = _coverage(inside)
    rgb = rgb * (1 - play[..., None]) + 245.0 * play[..., None]
    out = np.dstack([rgb, alpha * 255.0])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def png_bytes(rgba: np.ndarray) -> bytes:
    """A PNG file (8-bit RGBA, no filter) of an (H, W, 4) uint8 array."""
    height, width = rgba.shape[:2]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + rgba[row].tobytes() for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "icon.png")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    tmp = args.out.with_name(args.out.name + ".part")
    tmp.write_bytes(png_bytes(draw_icon(args.size)))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.size}x{args.size})")


if __name__ == "__main__":
    main()
