"""Scene cuts in decoded frames: hard cuts by PySceneDetect's content detector (HSV distance between frames),
dissolves by a model of the mix.

``detect_cuts`` takes RGB uint8 frames (any iterable) and returns the frame numbers where a new shot starts
(never 0); :class:`CutFinder` is the same, fed one frame at a time (a transcode that decodes the frames anyway
finds the cuts on the way). ``shots`` turns cuts into [start, stop) ranges. Frames are looked at through a
small copy (the detector's measure is an average; 1/4 size keeps it fast at 4K and changes nothing it sees).

A dissolve changes every frame a little, which the content detector (a threshold on neighbours) never sees.
Over a window of L frames (4 to 24), the frames inside a dissolve are mixes of the frames either side,
``(1 - a) A + a B`` with ``a`` rising step by step, and a mix of two unrelated pictures has less contrast than
either (its variance dips: a quarter of each at halfway). Camera motion does neither: a pan's middle frame is
no mix of its ends and is as contrasty as they are. So a window is a dissolve when its ends differ as shots
do, each frame inside is such a mix up to a residual, no step is a jump (a hard cut's is the whole way) and
the variance halfway dips well below the ends'. Its new shot starts where ``a`` passes 1/2, the middle of
the dissolve; of the windows that see one dissolve, the one with the deepest dip says where.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import cv2
import numpy as np

THRESHOLD = 27.0  # PySceneDetect's default content threshold
MIN_SHOT = 6  # frames: a new cut is not reported closer than this to the previous one
DISSOLVE_SPANS = (4, 6, 8, 12, 16, 24)  # window lengths (frames) a dissolve is looked for in
DISSOLVE_CHANGE = 20.0  # mean |RGB difference| (0-255) between the window's ends: two shots, not one moving
DISSOLVE_RESIDUAL = 0.6  # how much of a frame inside a mix of the ends may leave unexplained (of the change)
DISSOLVE_STEP = 0.5  # the largest share of the way one frame may move: more is a hard cut
# the variance halfway, below the ends' (interpolated): a dissolve of unrelated shots dips ~0.5, camera motion
# (pans, zooms, parallax, an occluder crossing) stays under 0.15 on the test footage
DISSOLVE_DIP = 0.3
DISSOLVE_WIDTH = 96  # px: a dissolve is a change of the whole picture; this is plenty to see it


class CutFinder:
    """Frame by frame: ``push`` each RGB uint8 frame in order, then ``cuts()``."""

    def __init__(self, threshold: float = THRESHOLD, min_shot: int = MIN_SHOT) -> None:
        from scenedetect.detectors import ContentDetector

        self._detector = ContentDetector(threshold=threshold, min_scene_len=min_shot)
        self._min_shot = min_shot
        self._hard: list[int] = []
        self._dissolves = _Dissolves()
        self._n = 0

    def push(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        small = cv2.resize(frame, (max(16, w // 4), max(16, h // 4)), interpolation=cv2.INTER_AREA)
        bgr = np.ascontiguousarray(small[..., ::-1])  # the detector wants BGR
        self._hard.extend(self._detector.process_frame(self._n, bgr))
        tiny = cv2.resize(small, (DISSOLVE_WIDTH, max(8, round(h * DISSOLVE_WIDTH / w))), cv2.INTER_AREA)
        self._dissolves.push(self._n, tiny.astype(np.float32))
        self._n += 1

    def cuts(self) -> list[int]:
        hard = sorted({int(c) for c in self._hard if c > 0})
        near_hard = lambda c: any(abs(c - h) < self._min_shot for h in hard)  # noqa: E731
        soft = [c for c in self._dissolves.cuts(self._min_shot) if not near_hard(c)]  # the same transition
        return sorted({*hard, *soft})


class _Dissolves:
    """The dissolve windows seen so far (see the module docstring); ``cuts`` gives one cut per dissolve."""

    def __init__(self) -> None:
        self._frames: deque[tuple[np.ndarray, float]] = deque(maxlen=max(DISSOLVE_SPANS) + 1)  # (frame, var)
        self._found: list[tuple[float, int, int, int]] = []  # (dip, first, last frame of the window, cut)

    def push(self, n: int, frame: np.ndarray) -> None:
        self._frames.append((frame, float(frame.var(axis=(0, 1)).sum())))
        for span in DISSOLVE_SPANS:
            if len(self._frames) > span:
                found = self._mix(span)
                if found is not None:
                    self._found.append((found[0], n - span, n, n - span + found[1]))

    def _mix(self, span: int) -> tuple[float, int] | None:
        """(dip, offset of the first frame past halfway) when the last ``span + 1`` frames dissolve."""
        window = list(self._frames)[-span - 1 :]
        (a, var_a), (b, var_b) = window[0], window[-1]
        delta = (b - a).ravel()
        if float(np.abs(delta).mean()) < DISSOLVE_CHANGE:
            return None
        norm = float(np.sqrt(delta @ delta))
        shares = []
        for frame, _ in window[1:-1]:
            x = (frame - a).ravel()
            share = float(x @ delta) / norm**2
            if np.linalg.norm(x - share * delta) > DISSOLVE_RESIDUAL * norm:
                return None
            shares.append(share)
        steps = np.diff([0.0, *shares, 1.0])
        if steps.max() > DISSOLVE_STEP or steps.min() < -0.1:
            return None
        halfway = int(np.argmin(np.abs(np.array(shares) - 0.5)))
        share = shares[halfway]
        dip = 1.0 - window[1 + halfway][1] / max(1e-6, (1 - share) * var_a + share * var_b)
        if dip < DISSOLVE_DIP:
            return None
        past = next(i for i, s in enumerate([*shares, 1.0]) if s >= 0.5)
        return dip, past + 1

    def cuts(self, min_shot: int) -> list[int]:
        """One cut per dissolve: the deepest window first; a window whose cut lies in one already taken (or
        that holds its cut, or cuts within ``min_shot`` of it) saw the same dissolve."""
        taken: list[tuple[int, int, int]] = []
        for _, first, last, cut in sorted(self._found, key=lambda f: -f[0]):
            if any(a <= cut <= b or first <= c <= last or abs(cut - c) < min_shot for a, b, c in taken):
                continue
            taken.append((first, last, cut))
        return sorted(c for _, _, c in taken)


def detect_cuts(
    frames: Iterable[np.ndarray], threshold: float = THRESHOLD, min_shot: int = MIN_SHOT
) -> list[int]:
    finder = CutFinder(threshold, min_shot)
    for frame in frames:
        finder.push(frame)
    return finder.cuts()


def shots(cuts: Iterable[int], frame_count: int) -> list[tuple[int, int]]:
    """[start, stop) of each shot of a clip of ``frame_count`` frames with cuts at ``cuts``."""
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < frame_count), frame_count]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
