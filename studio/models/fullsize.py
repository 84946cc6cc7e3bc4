"""Generated frames at the clip's own size, not the model's small square.

The models work on a small centre square (64x64: the training crop). A generated frame is lifted to the
clip's size by *detail transfer* from a real frame of the clip (the last context frame when extending, the
nearest key when interpolating):

1. the motion from the real frame to the generated one, measured where the model works: DIS optical flow
   between the generated square and the real frame's square (``baselines.flow``);
2. that flow, scaled up to the clip's size (and carried on to the picture outside the centre square by
   repeating its edge), warps the *full-resolution* real frame: sharp pixels, moved as the model moved them;
3. what the warp does not explain (new content, a change of colour) is the model's residual at its own
   resolution, scaled up and added, faded out over the border of the centre square.

So the picture keeps the source's resolution and texture, and the low frequencies follow the model. Where
the model adds nothing the warp explains, the result is the warped real frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.models.baselines import flow, warp

MAX_SIZE = (1280, 720)  # generated clips are at most this big (width, height), aspect kept
FADE = 0.08  # the residual fades out over this fraction of the centre square at its border


def output_size(width: int, height: int, limit: tuple[int, int] = MAX_SIZE) -> tuple[int, int]:
    """The clip's displayed size, scaled down to fit ``limit`` (aspect kept), even for H.264."""
    scale = min(1.0, limit[0] / width, limit[1] / height)
    w, h = max(2, round(width * scale)), max(2, round(height * scale))
    return w - w % 2, h - h % 2


def centre_square(width: int, height: int) -> tuple[int, int, int]:
    """(x0, y0, side) of the centre square a ``fit="fill"`` square crop of a (width, height) frame shows."""
    side = min(width, height)
    return (width - side) // 2, (height - side) // 2, side


def _border_fade(side: int) -> np.ndarray:
    """(side, side, 1) weights: 1 inside, ramping to 0 at the square's edges (no seam where the residual
    stops)."""
    ramp = np.clip(np.minimum(np.arange(side), np.arange(side)[::-1]) / max(1.0, FADE * side), 0, 1)
    return (ramp[:, None] * ramp[None, :])[..., None].astype(np.float32)


def lift(generated: np.ndarray, real_small: np.ndarray, real_full: np.ndarray) -> np.ndarray:
    """A generated (s, s, 3) uint8 square at the real frame's full size (H, W, 3) uint8 (see module doc).
    ``real_small`` is the real frame as the model saw it (the centre square at s x s)."""
    s = generated.shape[0]
    height, width = real_full.shape[:2]
    x0, y0, side = centre_square(width, height)
    motion = flow(generated, real_small)  # generated(x) ~ real_small(x + motion(x)), in small pixels
    residual = generated.astype(np.float32) - warp(real_small, motion)
    big = cv2.resize(motion, (side, side), interpolation=cv2.INTER_LINEAR) * (side / s)
    field = cv2.copyMakeBorder(
        big, y0, height - side - y0, x0, width - side - x0, cv2.BORDER_REPLICATE
    )  # (H, W, 2): the centre square's motion carried on to the rest of the picture
    out = warp(real_full, field)
    detail = cv2.resize(residual, (side, side), interpolation=cv2.INTER_CUBIC) * _border_fade(side)
    out[y0 : y0 + side, x0 : x0 + side] += detail
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
