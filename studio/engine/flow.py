"""The grey picture DIS optical flow is computed on, for the mask tracker and the final synthesis alike.

Both need coarse motion only (a mask edge; the temporal term), so flow is computed at most ``FLOW_WIDTH``
wide and scaled back up. numpy and OpenCV only: no torch, since the source gatherer's mask tracker imports
this.
"""

from __future__ import annotations

import cv2
import numpy as np

FLOW_WIDTH = 320  # flow is computed at most this wide (DIS "fast" on 320x180: ~1.5 ms a pair on a core)


def flow_grey(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (h, w) uint8 grey, at most ``FLOW_WIDTH`` wide (where flow is computed)."""
    grey = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    if w <= FLOW_WIDTH:
        return grey
    return cv2.resize(grey, (FLOW_WIDTH, max(8, round(h * FLOW_WIDTH / w))), interpolation=cv2.INTER_AREA)
