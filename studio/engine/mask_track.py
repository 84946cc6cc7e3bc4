"""Tracked masks: a painted mask carried along its clip's motion by DIS optical flow.

A key painted on one output frame is the clip's content at that frame; "track" makes it stay on that content
as the clip plays. The mask is carried frame by frame through the clip's own frames (from the painted one to
the one showing now, forward or back), each step along the backward DIS flow (as ``studio.models.baselines``
and the final synthesis compute it): pixel p of the next frame shows what was at p + flow(p) in the frame
before, so the mask at p is the previous mask there. What enters from outside the frame carries no mask.

Flow is computed at most ``FLOW_WIDTH`` wide and scaled (``studio.engine.flow``): a mask edge needs coarse
motion, not detail. Carried masks are kept per (clip, painted frame), so playback costs one flow per frame
and a seek back to a frame already carried costs none. numpy and OpenCV only (no torch: the source gatherer
imports this).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

import cv2
import numpy as np

from studio.engine.flow import flow_grey

KEPT_PER_TRACK = 48  # carried masks kept per track (the painted one is never dropped)
KEPT_TRACKS = 16
KEPT_GREYS = 8


class MaskTracker:
    """Carries masks along clips' motion. ``read(clip_id, frame)`` gives the clip's frame (H, W, 3) uint8 at
    the output size, as the renderer sees it. One thread at a time (one DIS object)."""

    def __init__(self, read: Callable[[str, int], np.ndarray]) -> None:
        self._read = read
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        self._tracks: OrderedDict[Hashable, dict[int, np.ndarray]] = OrderedDict()
        self._greys: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self.flows = 0  # flows computed so far (what a seek or playback cost)

    def track(
        self, clip_id: str, painted: Hashable, alpha: np.ndarray, start: int, target: int
    ) -> np.ndarray:
        """``alpha`` (H, W) float32, painted on the clip's frame ``start``, carried to frame ``target``.
        ``painted`` names the picture (a new picture starts a new track)."""
        track = self._tracks.get((clip_id, painted, start))
        if track is None:
            track = self._tracks[(clip_id, painted, start)] = {start: alpha}
            while len(self._tracks) > KEPT_TRACKS:
                self._tracks.popitem(last=False)
        self._tracks.move_to_end((clip_id, painted, start))
        step = 1 if target >= start else -1
        on_the_way = [f for f in track if (f - start) * step >= 0 and (target - f) * step >= 0]
        frame = max(on_the_way, key=lambda f: abs(f - start))  # the nearest carried one before target
        mask = track[frame]
        while frame != target:
            after = frame + step
            mask = self._carry(mask, self._grey(clip_id, after), self._grey(clip_id, frame))
            frame = after
            track[frame] = mask
            if len(track) > KEPT_PER_TRACK:
                del track[next(f for f in track if f != start)]  # oldest first; the painted one stays
        return mask

    def _grey(self, clip_id: str, frame: int) -> np.ndarray:
        grey = self._greys.get((clip_id, frame))
        if grey is None:
            grey = self._greys[(clip_id, frame)] = flow_grey(self._read(clip_id, frame))
            while len(self._greys) > KEPT_GREYS:
                self._greys.popitem(last=False)
        return grey

    def _carry(self, mask: np.ndarray, current: np.ndarray, previous: np.ndarray) -> np.ndarray:
        """The mask of ``previous`` moved to ``current`` (both flow greys)."""
        if np.array_equal(current, previous):  # a held frame (or the clip's ends): nothing moved
            return mask
        self.flows += 1
        flow = self._dis.calc(current, previous, None)
        height, width = mask.shape
        scale = width / current.shape[1]
        if scale != 1.0:
            flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR) * np.float32(scale)
        xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        return cv2.remap(
            mask, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
