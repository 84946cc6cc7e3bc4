"""Realistic encoded footage for quality work: real photos filmed by a virtual camera, written with PyAV.

:mod:`tests.clipfactory` makes synthetic, frame-distinguishable clips for correctness tests; this module makes
clips that *look like footage* (for the look benchmark and tests of how a composition looks): photos bundled
with scikit-image (no download) seen through a camera that pans, zooms and rolls with sub-pixel accuracy,
optionally with a parallax foreground layer (a second photo cut out with a soft irregular mask, moving at its
own speed) and an occluding object (a textured shape crossing the frame), shots joined by hard cuts or
crossfades, encoded as H.264 (yuv420p, crf 14 by default; 4:4:4 for odd sizes, which 4:2:0 cannot hold).

Conventions:

* ``Shot.pan = (dx, dy)``: the camera moves that many *output* pixels per frame, so the scene moves by
  ``(-dx, -dy)`` on screen (exactly, with ``zoom == 1`` and ``roll == 0``). ``zoom`` is the magnification
  factor per frame (> 1 zooms in), ``roll`` degrees per frame (clockwise on screen).
* The camera's first view is as wide as the photo allows for the whole path (``Shot.fill`` < 1 frames it
  tighter), so a photo larger than the output is filmed at or above 1:1 and stays sharp. Each frame is
  resampled from a pre-filtered level of the photo (a quarter-octave pyramid: area-downscaled or Lanczos-
  upscaled) with bicubic interpolation, minifying by at most 2^(1/4): no aliasing, no blockiness, no mush.
* Layers are given in output pixels: ``position`` is the centre at frame 0 as fractions of the frame,
  ``velocity`` px per frame on screen (independent of the camera: that is the parallax).
* Everything is deterministic (fixed seeds, single-threaded maths); :func:`render_frames` returns the exact
  RGB frames :func:`write_clip` encodes, for ground truth.
* Transitions between consecutive shots: ``0`` is a hard cut, ``n > 0`` a crossfade over ``n`` frames (the
  shots overlap by ``n`` frames, so the clip is ``n`` frames shorter than the shots' sum). See :func:`spans`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

# Colour photos bundled in the scikit-image wheel (no pooch download), and grey textures for occluders.
PHOTOS = {
    "astronaut": "astronaut",
    "coffee": "coffee",
    "chelsea": "chelsea",
    "rocket": "rocket",
    "motorcycle": "stereo_motorcycle",  # (left, right, disparity): the left view
    "immunohistochemistry": "immunohistochemistry",
    "hubble": "hubble_deep_field",
    "retina": "retina",
    "camera": "camera",
    "coins": "coins",
    "moon": "moon",
    "brick": "brick",
    "grass": "grass",
    "gravel": "gravel",
}
_LEVELS_PER_OCTAVE = 4


@dataclass(frozen=True)
class Layer:
    """A cut-out moving over the background: a parallax foreground or an occluding object.

    ``crop`` (x0, y0, x1, y1, fractions of the photo) is the part of ``photo`` used; ``height`` its height as
    a fraction of the frame's; ``shape`` "blob" (an irregular ellipse, seeded), "ellipse" or "box" (a rounded
    rectangle); ``feather`` the soft edge in output px; ``spin`` degrees per frame; ``growth`` its scale
    factor per frame; ``tint`` multiplies its RGB (grey textures become coloured objects).
    """

    photo: str
    crop: tuple[float, float, float, float] = (0.25, 0.25, 0.75, 0.75)
    height: float = 0.5
    position: tuple[float, float] = (0.5, 0.5)
    velocity: tuple[float, float] = (0.0, 0.0)
    shape: str = "blob"
    feather: float = 6.0
    spin: float = 0.0
    growth: float = 1.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    seed: int = 0


@dataclass(frozen=True)
class Shot:
    """One continuous take: ``photo`` (a :data:`PHOTOS` name) filmed for ``frames`` frames.

    ``pan`` (dx, dy) output px per frame the camera moves; ``zoom`` magnification per frame; ``roll`` degrees
    per frame; ``centre`` where in the photo the path is centred (fractions); ``fill`` how much of the widest
    view that fits to use (1 = widest); ``foreground`` a parallax layer, ``occluder`` a shape crossing the
    frame (drawn over the foreground); ``grain`` the standard deviation of a per-frame sensor noise (0-255).
    """

    photo: str
    frames: int = 48
    pan: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0
    roll: float = 0.0
    centre: tuple[float, float] = (0.5, 0.5)
    fill: float = 1.0
    foreground: Layer | None = None
    occluder: Layer | None = None
    grain: float = 0.0
    seed: int = 0
    layers: tuple[Layer, ...] = field(default=(), repr=False)  # more layers, drawn after the occluder


# --- photos -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def photo(name: str) -> np.ndarray:
    """A bundled photo as read-only (H, W, 3) uint8 RGB (grey ones replicated, alpha dropped)."""
    import skimage.data

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; one of {', '.join(sorted(PHOTOS))}")
    image = getattr(skimage.data, PHOTOS[name])()
    if isinstance(image, tuple):
        image = image[0]
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3].astype(np.uint8))
    image.setflags(write=False)
    return image


@lru_cache(maxsize=64)
def _level(name: str, k: int) -> np.ndarray:
    """``photo(name)`` scaled by 2^(k/4): area-averaged down, Lanczos up (with a touch of unsharp mask so an
    upscaled photo reads like a sharp lens, not a blown-up thumbnail)."""
    src = photo(name)
    if k == 0:
        return src
    s = 2.0 ** (k / _LEVELS_PER_OCTAVE)
    size = (max(1, round(src.shape[1] * s)), max(1, round(src.shape[0] * s)))
    if s < 1:
        return cv2.resize(src, size, interpolation=cv2.INTER_AREA)
    up = cv2.resize(src, size, interpolation=cv2.INTER_LANCZOS4).astype(np.float32)
    soft = cv2.GaussianBlur(up, (0, 0), 0.6 * s)
    return np.clip(up + 0.35 * (up - soft), 0, 255).astype(np.uint8)


def _warp(name: str, size: tuple[int, int], centre: np.ndarray, sigma: float, angle: float) -> np.ndarray:
    """The view of photo ``name``: output pixel (u, v) shows photo point
    ``centre + sigma * R(angle) @ (u - (w-1)/2, v - (h-1)/2)`` (pixel centres), resampled bicubically from the
    pyramid level that minifies by a factor in [1, 2^(1/4))."""
    w, h = size
    k = math.ceil(-_LEVELS_PER_OCTAVE * math.log2(sigma) - 1e-9)
    src = _level(name, k)
    lam_x = src.shape[1] / photo(name).shape[1]  # the level's exact scale (sizes are rounded)
    lam_y = src.shape[0] / photo(name).shape[0]
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    # photo p = centre + sigma * R @ (q - q0);  level x = lam * (p + 0.5) - 0.5
    q0 = np.array([(w - 1) / 2, (h - 1) / 2])
    rot = sigma * np.array([[c, -s], [s, c]])
    lin = np.diag([lam_x, lam_y]) @ rot
    off = np.array([lam_x, lam_y]) * (centre + 0.5 - rot @ q0) - 0.5
    matrix = np.hstack([lin, off[:, None]]).astype(np.float64)
    return cv2.warpAffine(
        src, matrix, (w, h), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT101
    )


# --- camera path --------------------------------------------------------------------------------------------


def _path(shot: Shot, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centres (n, 2) photo px, sigmas (n,) photo px per output px, angles (n,) degrees) of every frame.

    With sigma_0 = 1 the path's extent is a box B (relative to the start); everything scales with sigma_0, so
    the widest first view that keeps every frame inside the photo is sigma_0 = min(photo / B)."""
    w, h = size
    n = shot.frames
    if n < 1:
        raise ValueError("a shot needs at least one frame")
    if shot.zoom <= 0:
        raise ValueError("zoom must be > 0")
    t = np.arange(n, dtype=np.float64)
    rel_sigma = shot.zoom ** (-t)
    angles = shot.roll * t
    steps = np.asarray(shot.pan, np.float64)[None, :] * rel_sigma[:, None]
    steps = np.vstack([[0.0, 0.0], steps[:-1]])  # the camera moves pan * sigma photo px between frames
    rel_centre = np.cumsum(steps, axis=0)  # rotation of the pan direction with the roll is ignored: tiny
    # Half extents of each (rotated) view at sigma_0 = 1.
    a = np.radians(angles)
    hx = rel_sigma * (np.abs(np.cos(a)) * w / 2 + np.abs(np.sin(a)) * h / 2)
    hy = rel_sigma * (np.abs(np.sin(a)) * w / 2 + np.abs(np.cos(a)) * h / 2)
    lo = np.array([(rel_centre[:, 0] - hx).min(), (rel_centre[:, 1] - hy).min()])
    hi = np.array([(rel_centre[:, 0] + hx).max(), (rel_centre[:, 1] + hy).max()])
    extent = hi - lo
    ph, pw = photo(shot.photo).shape[:2]
    margin = 4.0  # photo px kept clear of the edge (bicubic support, rounding)
    sigma0 = min((pw - 2 * margin) / extent[0], (ph - 2 * margin) / extent[1]) * shot.fill
    box_lo, box_size = sigma0 * lo, sigma0 * extent
    # Centre the path's box on the requested point, clamped inside the photo.
    want = np.array([shot.centre[0] * pw, shot.centre[1] * ph]) - box_size / 2
    start = np.clip(want, margin, np.array([pw, ph]) - margin - box_size) - box_lo - 0.5
    return start + sigma0 * rel_centre, sigma0 * rel_sigma, angles


# --- layers -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _sprite(layer: Layer, frame_h: int) -> np.ndarray:
    """The layer as float32 (h, w, 4) RGBA at output scale (alpha 0-1, soft edge, transparent border)."""
    src = photo(layer.photo)
    ph, pw = src.shape[:2]
    x0, y0, x1, y1 = layer.crop
    part = src[round(y0 * ph) : round(y1 * ph), round(x0 * pw) : round(x1 * pw)]
    sh = max(4, round(layer.height * frame_h))
    sw = max(4, round(sh * part.shape[1] / part.shape[0]))
    interp = cv2.INTER_AREA if sh < part.shape[0] else cv2.INTER_LANCZOS4
    rgb = cv2.resize(part, (sw, sh), interpolation=interp).astype(np.float32)
    rgb = np.clip(rgb * np.asarray(layer.tint, np.float32), 0, 255)
    pad = math.ceil(layer.feather) + 2
    rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    y, x = np.mgrid[0 : sh + 2 * pad, 0 : sw + 2 * pad].astype(np.float32)
    cx, cy, rx, ry = (sw + 2 * pad - 1) / 2, (sh + 2 * pad - 1) / 2, sw / 2, sh / 2
    px, py = x - cx, y - cy
    if layer.shape == "box":  # a rounded rectangle: signed distance (px) to its outline
        rc = 0.25 * min(rx, ry)
        qx, qy = np.abs(px) - (rx - rc), np.abs(py) - (ry - rc)
        dist = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - rc
    elif layer.shape in ("blob", "ellipse"):
        r = np.hypot(px / rx, py / ry)
        phi = np.arctan2(py / ry, px / rx)
        bound = np.ones_like(r)
        if layer.shape == "blob":  # a few low harmonics of the radius: an irregular, organic outline
            rng = np.random.default_rng(layer.seed)
            grid = np.linspace(0, 2 * np.pi, 720, endpoint=False)
            terms = [(rng.uniform(0.05, 0.16) / k, k, rng.uniform(0, 2 * np.pi)) for k in range(2, 6)]
            peak = 1 + sum(a * np.cos(k * grid + p0) for a, k, p0 in terms).max()
            bound = (1 + sum(a * np.cos(k * phi + p0) for a, k, p0 in terms)) / peak
        dist = (r - bound) * min(rx, ry)
    else:
        raise ValueError(f"unknown layer shape {layer.shape!r}")
    alpha = np.clip(0.5 - dist / max(layer.feather, 0.5), 0, 1)
    alpha = alpha * alpha * (3 - 2 * alpha)  # smoothstep: a soft edge with no kink
    return np.dstack([rgb, alpha]).astype(np.float32)


def _composite(frame: np.ndarray, layer: Layer, n: int) -> None:
    """Draw ``layer`` at frame ``n`` over ``frame`` (float32, in place): sub-pixel placement, bicubic RGB."""
    h, w = frame.shape[:2]
    sprite = _sprite(layer, h)
    sh, sw = sprite.shape[:2]
    cx = layer.position[0] * (w - 1) + layer.velocity[0] * n
    cy = layer.position[1] * (h - 1) + layer.velocity[1] * n
    scale = layer.growth**n
    c, s = math.cos(math.radians(layer.spin * n)), math.sin(math.radians(layer.spin * n))
    reach = scale * math.hypot(sw, sh) / 2 + 2
    x0, x1 = max(0, math.floor(cx - reach)), min(w, math.ceil(cx + reach) + 1)
    y0, y1 = max(0, math.floor(cy - reach)), min(h, math.ceil(cy + reach) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    # Output (x, y) -> sprite: (R^-1 (x - c)) / scale + sprite centre; computed for the covered box only.
    inv = np.array([[c, s], [-s, c]]) / scale
    centre = np.array([(sw - 1) / 2, (sh - 1) / 2])
    off = centre - inv @ np.array([cx - x0, cy - y0])
    matrix = np.hstack([inv, off[:, None]])
    warped = cv2.warpAffine(
        sprite,
        matrix,
        (x1 - x0, y1 - y0),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    alpha = np.clip(warped[..., 3:], 0, 1)
    region = frame[y0:y1, x0:x1]
    region += alpha * (warped[..., :3] - region)


# --- shots and clips ----------------------------------------------------------------------------------------


def shot_frames(shot: Shot, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """The frames of one shot, (h, w, 3) uint8 RGB, in order."""
    w, h = size
    if w < 8 or h < 8:
        raise ValueError(f"size {w}x{h}: at least 8x8")
    centres, sigmas, angles = _path(shot, (w, h))
    layers = [x for x in (shot.foreground, shot.occluder, *shot.layers) if x is not None]
    rng = np.random.default_rng(shot.seed)
    for n in range(shot.frames):
        frame = _warp(shot.photo, (w, h), centres[n], float(sigmas[n]), float(angles[n]))
        if layers or shot.grain:
            f = frame.astype(np.float32)
            for layer in layers:
                _composite(f, layer, n)
            if shot.grain:
                f += rng.normal(0.0, shot.grain, f.shape[:2] + (1,)).astype(np.float32)  # luma grain
            frame = np.clip(f + 0.5, 0, 255).astype(np.uint8)
        yield frame


def _transitions(shots: Sequence[Shot], transitions: Sequence[int] | int | None) -> list[int]:
    if transitions is None:
        transitions = 0
    if isinstance(transitions, int):
        transitions = [transitions] * (len(shots) - 1)
    transitions = [int(t) for t in transitions]
    if len(transitions) != len(shots) - 1:
        raise ValueError(f"{len(shots)} shots need {len(shots) - 1} transitions, got {len(transitions)}")
    for i, t in enumerate(transitions):
        if t < 0 or t > min(shots[i].frames, shots[i + 1].frames):
            raise ValueError(
                f"transition {i}: {t} frames does not fit shots of {shots[i].frames} and "
                f"{shots[i + 1].frames} frames"
            )
    return transitions


def spans(shots: Sequence[Shot], transitions: Sequence[int] | int | None = None) -> list[tuple[int, int]]:
    """[start, stop) of every shot in the clip (consecutive spans overlap by their crossfade's length)."""
    trans = _transitions(shots, transitions)
    out, start = [], 0
    for i, shot in enumerate(shots):
        out.append((start, start + shot.frames))
        start += shot.frames - (trans[i] if i < len(trans) else 0)
    return out


def iter_frames(
    shots: Sequence[Shot], size: tuple[int, int] = (640, 360), transitions: Sequence[int] | int | None = None
) -> Iterator[np.ndarray]:
    """The clip's frames, (h, w, 3) uint8 RGB, one at a time (memory stays flat for any length)."""
    if not shots:
        raise ValueError("no shots")
    trans = _transitions(shots, transitions)
    size = (int(size[0]), int(size[1]))
    current = shot_frames(shots[0], size)
    remaining = shots[0].frames
    for i in range(1, len(shots) + 1):
        fade = trans[i - 1] if i < len(shots) else 0
        for _ in range(remaining - fade):
            yield next(current)
        if i == len(shots):
            break
        following = shot_frames(shots[i], size)
        for j in range(fade):
            a = (j + 1) / (fade + 1)  # strictly between the shots: no frame repeats either
            mixed = (1 - a) * next(current).astype(np.float32) + a * next(following).astype(np.float32)
            yield np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        current, remaining = following, shots[i].frames - fade


def render_frames(
    shots: Sequence[Shot], size: tuple[int, int] = (640, 360), transitions: Sequence[int] | int | None = None
) -> np.ndarray:
    """All frames of the clip, (n, h, w, 3) uint8 RGB: exactly what :func:`write_clip` encodes."""
    return np.stack(list(iter_frames(shots, size, transitions)))


def write_clip(
    path: str | os.PathLike[str],
    shots: Sequence[Shot] | Shot,
    size: tuple[int, int] = (640, 360),
    fps: float = 24,
    crf: int = 14,
    transitions: Sequence[int] | int | None = None,
    *,
    preset: str = "veryfast",
) -> Path:
    """Encode the shots (hard cuts, or crossfades of ``transitions[i]`` frames) as H.264 and return ``path``.

    yuv420p (yuv444p for an odd width or height), BT.709-tagged, written under a temp name and renamed.
    """
    path = Path(path)
    shots = [shots] if isinstance(shots, Shot) else list(shots)
    w, h = int(size[0]), int(size[1])
    pix_fmt = "yuv444p" if (w % 2 or h % 2) else "yuv420p"
    rate = Fraction(fps).limit_denominator(1001)
    tmp = path.with_name(f".{path.stem}.part-{os.getpid()}{path.suffix}")
    try:
        with av.open(str(tmp), "w", format="mp4" if path.suffix.lower() in (".mp4", ".m4v") else None) as out:
            video = out.add_stream("libx264", rate=rate)
            video.width, video.height, video.pix_fmt = w, h, pix_fmt
            video.options = {"crf": str(crf), "preset": preset}
            video.codec_context.time_base = 1 / rate
            for pts, rgb in enumerate(iter_frames(shots, (w, h), transitions)):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = pts
                frame.time_base = video.codec_context.time_base
                out.mux(video.encode(frame))
            out.mux(video.encode(None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def decode(path: str | os.PathLike[str]) -> np.ndarray:
    """Every frame of a clip's first video stream, (n, h, w, 3) uint8 RGB."""
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])])


# --- presets ------------------------------------------------------------------------------------------------


def pan_shot(name: str = "motorcycle", frames: int = 48, pan: tuple[float, float] = (2.5, 0.4)) -> Shot:
    """A steady pan with a hint of roll, as a hand on a fluid head makes."""
    return Shot(name, frames, pan=pan, roll=0.01)


def zoom_shot(name: str = "coffee", frames: int = 48, zoom: float = 1.008) -> Shot:
    """A slow push in (``zoom`` < 1 pulls out) drifting a little to the side."""
    return Shot(name, frames, zoom=zoom, pan=(0.6, -0.3), centre=(0.45, 0.5))


def parallax_shot(name: str = "rocket", frames: int = 48) -> Shot:
    """A slow pan over ``name``; the cat's face cut out in front moving faster (parallax), and a tinted brick
    box crossing low and fast, spinning a little (an occluder)."""
    foreground = Layer(
        "chelsea",
        crop=(0.06, 0.0, 0.86, 1.0),
        height=0.66,
        position=(0.8, 0.5),
        velocity=(-4.5, 0.15),
        shape="blob",
        feather=7.0,
        seed=3,
    )
    occluder = Layer(
        "brick",
        crop=(0.1, 0.1, 0.6, 0.45),
        height=0.3,
        position=(-0.15, 0.8),
        velocity=(11.0, -0.6),
        shape="box",
        feather=1.5,
        spin=0.6,
        tint=(1.05, 0.72, 0.55),
    )
    return Shot(name, frames, pan=(1.5, 0.1), foreground=foreground, occluder=occluder, fill=0.95)


def pan_clip(
    path: str | os.PathLike[str],
    photo: str = "motorcycle",
    size: tuple[int, int] = (640, 360),
    frames: int = 48,
    pan: tuple[float, float] = (2.5, 0.4),
    **kwargs,
) -> Path:
    """A pan across ``photo`` (``pan`` camera px per frame)."""
    return write_clip(path, [pan_shot(photo, frames, pan)], size, **kwargs)


def zoom_clip(
    path: str | os.PathLike[str],
    photo: str = "coffee",
    size: tuple[int, int] = (640, 360),
    frames: int = 48,
    zoom: float = 1.008,
    **kwargs,
) -> Path:
    """A push in on ``photo`` (``zoom`` magnification per frame)."""
    return write_clip(path, [zoom_shot(photo, frames, zoom)], size, **kwargs)


def parallax_clip(
    path: str | os.PathLike[str],
    photo: str = "rocket",
    size: tuple[int, int] = (640, 360),
    frames: int = 48,
    **kwargs,
) -> Path:
    """A pan over ``photo`` with a foreground cut-out moving faster and an occluder crossing."""
    return write_clip(path, [parallax_shot(photo, frames)], size, **kwargs)


def cut_shots(frames: int = 48) -> tuple[list[Shot], list[int]]:
    """Three shots (astronaut pan, tissue pull-out, cat tilt) joined by a hard cut and a crossfade."""
    a = frames // 3
    b = frames // 3
    fade = max(1, frames // 6)
    c = frames - a - b + fade
    shots = [
        Shot("astronaut", a, pan=(-2.0, 0.3), centre=(0.45, 0.4)),
        Shot("immunohistochemistry", b, zoom=1 / 1.006, pan=(0.5, 0.5), fill=0.8),
        Shot("chelsea", c, pan=(0.3, 1.2), roll=-0.02),
    ]
    return shots, [0, fade]


def cut_clip(
    path: str | os.PathLike[str],
    photos: tuple[str, str] = ("astronaut", "coffee"),
    size: tuple[int, int] = (640, 360),
    frames: int = 48,
    **kwargs,
) -> Path:
    """Two shots joined by a hard cut at ``frames // 2``: a pan over the first photo, a push in on the
    second."""
    first = frames // 2
    shots = [
        Shot(photos[0], first, pan=(-2.0, 0.3), centre=(0.45, 0.4)),
        Shot(photos[1], frames - first, zoom=1.005, pan=(0.8, 0.0)),
    ]
    return write_clip(path, shots, size, transitions=0, **kwargs)


def library(
    folder: str | os.PathLike[str], size: tuple[int, int] = (640, 360), frames: int = 48, **kwargs
) -> list[Path]:
    """Four distinct clips written into ``folder``: a pan (motorcycle), a push in
    (coffee), a parallax scene with an occluder (rocket + cat + brick box), and an edit with a hard cut and a
    crossfade (astronaut, tissue, cat). Returns their paths in that order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    tag = f"{w}x{h}-{frames}"
    shots, transitions = cut_shots(frames)
    specs = [
        (f"pan-{tag}.mp4", [pan_shot("motorcycle", frames)], None),
        (f"zoom-{tag}.mp4", [zoom_shot("coffee", frames)], None),
        (f"parallax-{tag}.mp4", [parallax_shot("rocket", frames)], None),
        (f"cuts-{tag}.mp4", shots, transitions),
    ]
    paths = []
    for name, clip_shots, trans in specs:
        paths.append(write_clip(folder / name, clip_shots, size, transitions=trans, **kwargs))
    return paths


def takes(
    folder: str | os.PathLike[str], size: tuple[int, int] = (640, 360), frames: int = 48, **kwargs
) -> list[Path]:
    """Two more takes of :func:`library`'s parallax scene (the same set, shot again): one with the camera a
    little slower and no box crossing (a clean take), one with the camera faster and the cat slower. Guide
    mode's realistic case: the guide take's timing, made of the other takes' pixels."""
    from dataclasses import replace

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    scene = parallax_shot("rocket", frames)
    assert scene.foreground is not None
    clean = replace(scene, pan=(1.0, 0.0), occluder=None)
    faster = replace(scene, pan=(2.0, 0.2), foreground=replace(scene.foreground, velocity=(-4.0, 0.1)))
    return [
        write_clip(folder / f"take-{name}-{w}x{h}-{frames}.mp4", [shot], size, **kwargs)
        for name, shot in (("clean", clean), ("faster", faster))
    ]


__all__ = [
    "PHOTOS",
    "Layer",
    "Shot",
    "photo",
    "shot_frames",
    "iter_frames",
    "render_frames",
    "spans",
    "write_clip",
    "decode",
    "pan_shot",
    "zoom_shot",
    "parallax_shot",
    "cut_shots",
    "pan_clip",
    "zoom_clip",
    "parallax_clip",
    "cut_clip",
    "library",
    "takes",
]
