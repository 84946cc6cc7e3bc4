"""HDR to SDR: PQ (SMPTE ST 2084) and HLG (ARIB STD-B67) clips shown as an SDR player shows them.

Phones record HDR by default (HLG on iPhones, often PQ elsewhere). Converted like SDR video, such frames come
out flat and grey (PQ) or washed out (HLG, BT.2020 primaries read as BT.709). This is the ffmpeg recipe
``zscale=t=linear:npl=100, zscale=p=bt709, tonemap=hable:desat=0, zscale=t=bt709`` in numpy, checked
against the ffmpeg CLI (tests/media/test_hdr.py): 16-bit R'G'B' from swscale, the transfer function undone
through a 65536-entry table (for HLG with the OOTF of a 1000-nit display), BT.2020 -> BT.709
primaries in linear light, Hable's curve on each pixel's largest component (hue kept), encoded for a
gamma-2.4 (BT.1886) display through a table again. PyAV's FFmpeg has no zscale, so the filter graph
itself is not an option here.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

PQ, HLG = "pq", "hlg"  # MediaInfo.hdr (studio.media.info.HDR_TRANSFERS)
NOMINAL_PEAK = 100.0  # nits of linear 1.0 (SDR reference white, ffmpeg's npl=100)
DEFAULT_PEAK = 10.0  # signal peak in those units (1000 nits) when the file does not say: ffmpeg's default

# BT.2020 -> BT.709 primaries, linear light (ITU-R BT.2087)
GAMUT = np.array(
    [[1.6605, -0.5876, -0.0728], [-0.1246, 1.1329, -0.0083], [-0.0182, -0.1006, 1.1187]], np.float32
)


@lru_cache(maxsize=2)
def _to_linear(transfer: str) -> np.ndarray:
    """(65536,) float32: 16-bit code value -> display light, 1.0 = NOMINAL_PEAK nits."""
    e = np.arange(65536, dtype=np.float64) / 65535
    if transfer not in (PQ, HLG):
        raise ValueError(f"unknown HDR transfer {transfer!r}")
    if transfer == PQ:
        m1, m2 = 2610 / 16384, 2523 / 4096 * 128
        c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
        p = e ** (1 / m2)
        nits = 10000 * (np.maximum(p - c1, 0) / (c2 - c3 * p)) ** (1 / m1)
        return (nits / NOMINAL_PEAK).astype(np.float32)
    a = 0.17883277
    b, c = 1 - 4 * a, 0.5 - a * np.log(4 * a)
    scene = np.where(e <= 0.5, e * e / 3, (np.exp((e - c) / a) + b) / 12)
    # The OOTF of a 1000-nit display (system gamma 1.2), per component as zimg applies it (BT.2100 scales by
    # the luminance Ys^0.2 instead; per component matched the ffmpeg recipe, 0.8 vs 8.7 levels on average)
    return (1000.0 / NOMINAL_PEAK * scene**1.2).astype(np.float32)


@lru_cache(maxsize=1)
def _encode_sdr() -> np.ndarray:
    """(65537,) uint8: display light [0, 1] in 1/65536 steps -> 8-bit full range for a BT.1886 (gamma 2.4)
    display, i.e. V = L^(1/2.4). Display-referred, as zimg does for "bt709": the camera OETF (4.5 L below
    0.018) would crush the tone-mapped shadows (measured: 13 vs 1 at 0.1% of peak)."""
    lin = np.arange(65537, dtype=np.float64) / 65536
    return np.clip(np.rint(lin ** (1 / 2.4) * 255), 0, 255).astype(np.uint8)


def _hable(x: np.ndarray | float) -> np.ndarray | float:
    a, b, c, d, e, f = 0.15, 0.50, 0.10, 0.20, 0.02, 0.30
    return (x * (x * a + b * c) + d * e) / (x * (x * a + b) + d * f) - e / f


def tone_map(rgb16: np.ndarray, transfer: str, peak: float | None = None) -> np.ndarray:
    """(H, W, 3) uint16 non-linear BT.2020 R'G'B' -> (H, W, 3) uint8 BT.709 SDR RGB.

    ``peak``: the signal's peak in units of NOMINAL_PEAK (MaxCLL / 100), DEFAULT_PEAK when unknown."""
    lin = _to_linear(transfer)[rgb16]  # (H, W, 3) float32
    lin = cv2.transform(lin, GAMUT)  # BT.2020 -> BT.709 primaries (cv2: 3x faster than a numpy matmul)
    peak = DEFAULT_PEAK if not peak or peak <= 1 else float(peak)
    # the largest component (cv2.max: numpy's max over the last axis is ~15x slower here)
    sig = np.maximum(cv2.max(cv2.max(lin[..., 0], lin[..., 1]), lin[..., 2]), 1e-6)
    lin *= (_hable(sig) / _hable(peak) / sig)[..., None]  # Hable on the largest component: hue kept
    index = np.clip(lin * 65536, 0, 65536).astype(np.int32)
    return _encode_sdr()[index]
