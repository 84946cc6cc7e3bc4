"""Scene cuts in decoded frames: PySceneDetect's content detector (HSV distance between frames).

``detect_cuts`` takes RGB uint8 frames (any iterable) and returns the frame numbers where a new shot starts
(never 0). ``shots`` turns those into [start, stop) ranges. Frames are looked at through a small copy (the
detector's measure is an average; 1/4 size keeps it fast at 4K and changes nothing it sees).
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

THRESHOLD = 27.0  # PySceneDetect's default content threshold
MIN_SHOT = 6  # frames: a new cut is not reported closer than this to the previous one


def detect_cuts(
    frames: Iterable[np.ndarray], threshold: float = THRESHOLD, min_shot: int = MIN_SHOT
) -> list[int]:
    from scenedetect.detectors import ContentDetector

    detector = ContentDetector(threshold=threshold, min_scene_len=min_shot)
    cuts: list[int] = []
    for n, frame in enumerate(frames):
        h, w = frame.shape[:2]
        small = cv2.resize(frame, (max(16, w // 4), max(16, h // 4)), interpolation=cv2.INTER_AREA)
        cuts.extend(detector.process_frame(n, np.ascontiguousarray(small[..., ::-1])))  # it wants BGR
    return sorted({int(c) for c in cuts if c > 0})


def shots(cuts: Iterable[int], frame_count: int) -> list[tuple[int, int]]:
    """[start, stop) of each shot of a clip of ``frame_count`` frames with cuts at ``cuts``."""
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < frame_count), frame_count]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
