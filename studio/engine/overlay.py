"""The dominant-source overlay, once for the preview and the exported maps video: each patch coloured by the
clip it used most, as opaque as that clip dominates it (a 50/50 mix is fainter than a clear winner), clear
where no clip was active. One clip keeps one colour everywhere (:mod:`studio.palette`).

numpy only (no Qt, no OpenCV: the window imports it on its GUI thread). The overlay is made at patch
resolution; the preview's painter scales it to the frame smoothly and draws it at the opacity slider's value,
and the maps video does the same in numpy (:func:`studio.engine.maps_video.composite`), so what the artist
sees is what is exported.
"""

from __future__ import annotations

import numpy as np

from studio.palette import clip_colour


def dominant(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K, h, w) attention maps → (winner (h, w) int16: the clip with the largest weight, the first of a tie,
    -1 where no clip has weight; weight (h, w) float32: that clip's weight)."""
    weights = np.asarray(maps, dtype=np.float32)
    if weights.shape[0] == 0:
        return np.full(weights.shape[1:], -1, np.int16), np.zeros(weights.shape[1:], np.float32)
    winner = np.argmax(weights, axis=0).astype(np.int16)
    weight = weights.max(axis=0)
    winner[weight <= 0] = -1
    return winner, weight


def dominant_overlay(maps: np.ndarray) -> np.ndarray:
    """(K, h, w) attention maps → (h, w, 4) uint8 RGBA (straight alpha): each patch coloured by the clip it
    used most, alpha = that clip's weight; patches where no clip was active stay transparent."""
    winner, weight = dominant(maps)
    out = np.zeros((*winner.shape, 4), np.uint8)
    k = int(np.asarray(maps).shape[0])
    if k == 0:
        return out
    lut = np.array([clip_colour(i) for i in range(k)], np.uint8)
    active = winner >= 0
    out[..., :3] = np.where(active[..., None], lut[np.maximum(winner, 0)], 0)
    out[..., 3] = np.where(active, np.clip(weight * 255.0, 0, 255), 0).astype(np.uint8)
    return out
