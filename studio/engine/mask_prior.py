"""Painted masks as a prior on the attention: per source, a logit bias per output pixel.

Where a placement's mask key is in force (``studio.project.masks``), its clip's attention logits get

    + strength * min(MUST_BIAS,  -log(1 - a(p)))     "must": the clip is drawn to the region
    - strength * min(NEVER_BIAS, -log(1 - a(p)))     "never": the clip is kept out of it

with a(p) the key's alpha feathered outward: 1 on what was painted, falling to 0 at ``feather`` px outside
(compact: exactly 0 beyond). So the painted region itself is decided (never: a wall no match overcomes),
while in the feather band the bias is gentle (a = 1/2 is -0.7 logits) and the synthesis puts the border
where the clips agree, as its seam term does everywhere else: a bias, not a cut-out, so the border is as
seamless as any other. The draft adds it to the clips' scores at patch resolution (the mean
over each patch), the final quality to its per-pixel logits; both add it after the share balance, which
would otherwise work against it, and let their temporal state follow the frame as it would be without
masks, so nothing outside the feathered region changes, now or in later frames.

A key whose picture is missing or unreadable is left out, with one warning; one that is empty (all alpha 0)
lifts the mask. numpy and OpenCV only: the source gatherer builds these on its thread.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from studio.engine.mask_track import MaskTracker
from studio.project.masks import MaskKey, key_at, mask_file
from studio.project.model import Placement, Project
from studio.project.timemap import SourceSample, local_to_source, source_frame_of

# Logits. The draft's clip scores differ by up to hundreds of logits where one clip matches much better (the
# final quality's by tens): "must" is a strong pull (the clip wins where it is not far worse), "never" a
# wall that no match overcomes (still above the final quality's -1e4 for letterbox padding, which no clip
# may serve from while another has real pixels).
MUST_BIAS = 100.0
NEVER_BIAS = 1000.0
KEPT_PICTURES = 32

log = logging.getLogger(__name__)


def feathered(alpha: np.ndarray, feather: float) -> np.ndarray:
    """``alpha`` (H, W) float32 in [0, 1] feathered outward over ``feather`` px: the painted region grown by
    half the feather, then a tent of the other half (two box filters: compact, unlike a Gaussian), so it is
    still 1 where it was painted and exactly 0 further than ``feather`` px out."""
    half = round(feather / 2)
    if half < 1:
        return alpha
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * half + 1, 2 * half + 1))
    grown = cv2.dilate(alpha, disc)
    box = 2 * max(1, round(feather / 4)) + 1  # two boxes of this size: a tent of radius ~feather / 2
    tent = cv2.blur(cv2.blur(grown, (box, box), borderType=cv2.BORDER_REPLICATE), (box, box))
    return np.maximum(tent, alpha)


def decided(soft: np.ndarray, cap: float) -> np.ndarray:
    """-log(1 - a): 0 where nothing was painted, gentle in the feather band, ``cap`` where a is 1."""
    out = -np.log1p(-np.minimum(soft, 1.0 - 1e-6))
    out[soft >= 1.0 - 1e-6] = cap
    return np.minimum(out, cap, out=out)


def read_alpha(path: Path, size: tuple[int, int]) -> np.ndarray:
    """The picture's alpha (or its grey, if it has none) as (H, W) float32 in [0, 1] at ``size`` (w, h).
    OSError when it cannot be read."""
    data = np.fromfile(path, np.uint8)  # imread would not tell a missing file from a broken one
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise OSError(f"not a readable picture: {path}")
    if image.ndim == 3:
        image = image[..., 3] if image.shape[2] == 4 else cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:  # a 16-bit PNG written by another tool
        image = (image.astype(np.float32) / np.iinfo(image.dtype).max * 255).astype(np.uint8)
    alpha = image.astype(np.float32) / 255.0
    if (alpha.shape[1], alpha.shape[0]) != tuple(size):  # painted at another output size
        alpha = cv2.resize(alpha, tuple(size), interpolation=cv2.INTER_LINEAR)
    return alpha


class MaskPriors:
    """Builds each output frame's mask prior for the synthesizer. One thread at a time (the gatherer's).

    ``read(clip_id, frame)``: the clip's frame at the output size (the gatherer's reader), for tracking.
    """

    def __init__(self, read: Callable[[str, int], np.ndarray]) -> None:
        self._tracker = MaskTracker(read)
        self._pictures: OrderedDict[tuple[Path, tuple[int, int]], np.ndarray | None] = OrderedDict()
        self._held: OrderedDict[tuple[str, tuple[int, int], float], np.ndarray] = OrderedDict()  # feathered
        self._warned: set[Path] = set()
        self.warnings: list[str] = []  # each once: a missing picture (the preview's status bar says them)
        self.project: Project | None = None

    def set_project(self, project: Project) -> None:
        self.project = project
        self._pictures.clear()  # a picture may have been painted over since (content-named: rarely)
        self._held.clear()

    def prior(self, n: int, samples: Sequence[SourceSample]) -> np.ndarray | None:
        """(K, H, W) float32 logit bias of the K sources of output frame ``n`` (``samples``, in the
        synthesizer's order), or None when no mask is in force on any of them (the common case: free)."""
        project = self.project
        if project is None or not any(project.placement(s.placement_id).masks for s in samples):
            return None
        settings = project.settings
        size = (int(settings.width), int(settings.height))
        out: np.ndarray | None = None
        for k, sample in enumerate(samples):
            placement = project.placement(sample.placement_id)
            index = key_at(placement.masks, n / settings.fps - placement.start)
            if index is None:
                continue
            key = placement.masks[index]
            alpha = self._alpha(project, key, size)
            if alpha is None or key.strength <= 0:
                continue
            if key.motion == "track":
                start = self._painted_frame(project, placement, key)
                alpha = self._tracker.track(sample.clip_id, key.path, alpha, start, sample.source_frame)
                soft = feathered(alpha, float(key.feather))
            else:  # a held key looks the same in every frame: feathered once
                soft = self._held.get((key.path, size, key.feather))
                if soft is None:
                    soft = self._held[(key.path, size, key.feather)] = feathered(alpha, float(key.feather))
                    while len(self._held) > KEPT_PICTURES:
                        self._held.popitem(last=False)
            cap = MUST_BIAS if key.mode == "must" else NEVER_BIAS
            sign = 1.0 if key.mode == "must" else -1.0
            if out is None:
                out = np.zeros((len(samples), size[1], size[0]), np.float32)
            np.multiply(decided(soft, cap), np.float32(sign * key.strength), out=out[k])
        return out

    def _painted_frame(self, project: Project, placement: Placement, key: MaskKey) -> int:
        """The clip's frame that was showing where the key was painted."""
        clip = project.clip(placement.clip_id)
        return int(source_frame_of(clip, local_to_source(clip, placement, key.time * placement.speed)))

    def _alpha(self, project: Project, key: MaskKey, size: tuple[int, int]) -> np.ndarray | None:
        """The key's alpha at the output size; None when missing (warned once) or empty."""
        path = mask_file(project.path, key)
        if path is None:
            return None
        if (path, size) in self._pictures:
            self._pictures.move_to_end((path, size))
            return self._pictures[(path, size)]
        try:
            alpha: np.ndarray | None = read_alpha(path, size)
        except OSError:
            alpha = None
            if path not in self._warned:
                self._warned.add(path)
                reason = "missing" if not path.exists() else "not a readable picture"
                message = f"mask picture {key.path} is {reason}: that mask is ignored"
                self.warnings.append(message)
                log.warning("%s", message)
        if alpha is not None and not alpha.any():
            alpha = None  # an empty key lifts the mask
        self._pictures[(path, size)] = alpha
        while len(self._pictures) > KEPT_PICTURES:
            self._pictures.popitem(last=False)
        return alpha
