"""Mattes for compositing: per output frame and clip, the clip's weight at every pixel; they sum to 1.

Where the weights come from (the finest the synthesizer has):

- the final quality (``studio.engine.seamless``) mixes per pixel, out = sum_k W_k * source_k: its W, asked
  for with ``keep_pixel_weights`` (the preview never pays for the copy);
- the draft and the crossfade know weights per patch only (the record's maps). The draft pastes each patch's
  window with a raised-cosine feather (``studio.engine.synthesis``), so a pixel between two patch centres is
  mixed with sin^2/cos^2 weights of their maps: the maps are interpolated with that same kernel, which is
  what the draft's pixels used (it also drops masses under 1/512 per patch; the mattes keep them). A
  crossfade's maps are constant, so any interpolation gives it exactly.

Then renormalised per pixel. 16-bit levels (PNG, FFV1): cumulative rounding, level_c = round(65535 *
(w_1 + .. + w_c)) - round(65535 * (w_1 + .. + w_c-1)), so the levels of a pixel sum to exactly 65535 (not
just within C-1) and each is within 1 of 65535 * w_c.

A frame where nothing is placed (a black output frame) has no clip to weigh: its mattes are all 0 (EXR:
``dominant`` = -1), written so every sequence stays frame for frame in step with the MP4, and the render
warns once with those frames; ``mattes.json`` lists them.

Written as the frames are made (the writer holds one frame at a time), into a temp folder beside the target
that takes its name when the render ends; a failed or cancelled render removes it (``MattesWriter.abort``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.folders import part_dir, replace_dir
from studio.engine.matte_formats import DEFAULT_FORMAT, FFV1, check_format
from studio.engine.matte_sinks import Ffv1Sink, open_sink
from studio.errors import MediaError

LEVELS = 65535  # weight 1 in 16 bits
__all__ = [
    "DEFAULT_FORMAT",
    "LEVELS",
    "MattesWriter",
    "check_format",
    "open_mattes",
    "pixel_weights",
    "quantise",
]


@functools.lru_cache(maxsize=8)  # the same few geometries every frame of a render
def feather_taps(pixels: int, stride: int, patches: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Along one axis, the draft's paste: each pixel's two covering patches and their feather weights.

    Patch i's window starts stride // 2 before its cell and is 2 * stride long, weighted sin^2(pi (u + 1/2)
    / 2s); at offset r into block b a pixel is covered by patch b (u = r) and patch b - 1 (u = s + r), whose
    weights add up to 1. A patch off the grid is clamped to the edge one (the draft renormalises the same).
    """
    y = np.arange(pixels)
    block, r = np.divmod(y + stride // 2, stride)
    later = np.sin(np.pi * (r + 0.5) / (2 * stride)) ** 2
    first = np.clip(block - 1, 0, patches - 1)
    second = np.clip(block, 0, patches - 1)
    return first, second, later.astype(np.float32)


def interpolate_maps(maps: np.ndarray, size: tuple[int, int], stride: int) -> np.ndarray:
    """(C, h, w) patch maps -> (C, H, W) float32 at ``size`` (W, H), separably with the feather taps."""
    width, height = size
    c, h, w = maps.shape
    maps = maps.astype(np.float32)
    y0, y1, ty = feather_taps(height, stride, h)
    x0, x1, tx = feather_taps(width, stride, w)
    # across first, on the small grid (a gather along the last axis is slow at full size), then down: a
    # gather of whole rows, clip by clip into one array (3x faster than whole-array temporaries at 360p)
    across = maps[:, :, x0] * (1 - tx) + maps[:, :, x1] * tx  # (C, h, W)
    out = np.empty((c, height, width), np.float32)
    upper, lower = (1 - ty)[:, None], ty[:, None]
    for k in range(c):
        np.multiply(across[k, y0], upper, out=out[k])
        out[k] += across[k, y1] * lower
    return out


def pixel_weights(rendered: Any, n_clips: int, size: tuple[int, int], stride: int) -> np.ndarray | None:
    """(n_clips, H, W) float32 weights per project clip, summing to 1 at every pixel; None when nothing was
    placed in the frame. ``rendered``: a :class:`~studio.engine.frame.RenderedFrame`."""
    if not np.any(rendered.shares):
        return None
    fine = getattr(rendered, "pixel_weights", None)
    if fine is not None:  # (K, H, W) in source order: sources of one clip add up, as the maps' columns do
        weights = np.zeros((n_clips, *fine.shape[1:]), np.float32)
        for k, column in enumerate(np.asarray(rendered.clip_indices)):
            weights[column] += fine[k]
    else:
        weights = interpolate_maps(rendered.maps, size, stride)
    np.maximum(weights, 0, out=weights)
    total = weights.sum(0)
    if not np.all(total > 0):  # a pixel no clip claims (maps that sum to 1 leave none): the frame's shares
        weights[:, total <= 0] = np.asarray(rendered.shares, np.float32)[:, None]
        total = weights.sum(0)
    weights /= total
    return weights


def quantise(weights: np.ndarray) -> np.ndarray:
    """(C, H, W) weights summing to 1 -> uint16 levels summing to exactly 65535 per pixel (see the module).

    Clip by clip (numpy's cumsum over the first axis is 6x slower): ``below`` is the rounded level of the
    clips before, the last clip takes what is left, so the sum is exact whatever the float error."""
    levels = np.empty(weights.shape, np.uint16)
    below = np.zeros(weights.shape[1:], np.float32)
    running = np.zeros_like(below)
    for k in range(len(weights) - 1):
        running += weights[k]
        upto = np.minimum(np.rint(running * LEVELS), LEVELS)
        levels[k] = upto - below
        below = upto
    levels[-1] = LEVELS - below
    return levels


def matte_names(clips: list[Any]) -> list[str]:
    """A file, folder and EXR-layer name per clip: its name made safe (letters, digits, _ and -; not a
    leading digit, no dots: a dot would nest EXR layers), its id if that leaves nothing, unique."""
    names: list[str] = []
    for clip in clips:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", str(clip.name)).strip("_") or str(clip.id)
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", base) or "clip"
        if base[0].isdigit() or base[0] == "-":
            base = f"clip_{base}"
        name, i = base, 2
        while name.lower() in (n.lower() for n in names):  # case-insensitive file systems
            name, i = f"{base}_{i}", i + 1
        names.append(name)
    return names


class MattesWriter:
    """Mattes of a render into ``target`` (a folder) in ``fmt``; ``write`` each frame in order, then
    ``close`` (returns its warnings), or ``abort``."""

    def __init__(
        self,
        target: str | os.PathLike[str],
        fmt: str,
        clips: list[Any],
        size: tuple[int, int],
        fps: float,
        stride: int,
    ) -> None:
        self.target = Path(target)
        self.format = check_format(fmt)
        self.clips = list(clips)
        self.names = matte_names(self.clips)
        self.size = (int(size[0]), int(size[1]))
        self.fps, self.stride = float(fps), int(stride)
        self.frames_written = 0
        self.empty_frames: list[int] = []
        self.pixel_level = False  # whether any frame had the synthesizer's per-pixel weights
        if self.target.exists() and not self.target.is_dir():
            raise MediaError(f"cannot write mattes to {self.target}: it is a file, not a folder")
        try:
            tmp = part_dir(self.target)
        except OSError as exc:
            raise MediaError(f"cannot write mattes to {self.target}: {exc.strerror or exc}") from None
        self._tmp: Path | None = tmp
        try:
            self._sink = open_sink(self.format, self._tmp, self.names, self.size, self.fps)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def write(self, rendered: Any) -> None:
        """One :class:`~studio.engine.frame.RenderedFrame` (the next output frame)."""
        weights = pixel_weights(rendered, len(self.clips), self.size, self.stride)
        if weights is None:
            self.empty_frames.append(int(rendered.n))
            width, height = self.size
            levels = np.zeros((len(self.clips), height, width), np.uint16)
        else:
            levels = quantise(weights)
            self.pixel_level |= getattr(rendered, "pixel_weights", None) is not None
        self._sink.write(int(rendered.n), levels, weights)
        self.frames_written += 1

    def close(self) -> list[str]:
        """Finish the files and swap the folder into place; the warnings to pass on (empty frames)."""
        assert self._tmp is not None, "closed or aborted already"
        self._sink.close()
        (self._tmp / "mattes.json").write_text(json.dumps(self.manifest(), indent=2))
        replace_dir(self._tmp, self.target)
        self._tmp = None
        if not self.empty_frames:
            return []
        return [
            f"{len(self.empty_frames)} frames have no clip placed ({_ranges(self.empty_frames)}): "
            "their mattes are all 0"
        ]

    def abort(self) -> None:
        """Delete everything written; the target is left as it was."""
        if self._tmp is None:
            return
        try:
            self._sink.abort()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def manifest(self) -> dict[str, Any]:
        """mattes.json: what is where, for scripts and compositors."""
        suffix = {"png16": "/%06d.png", "ffv1": ".mkv", "exr": ".Y"}[self.format]
        bits = self._sink.bits if isinstance(self._sink, Ffv1Sink) else 16
        return {
            "format": "studio-mattes",
            "version": 1,
            "encoding": self.format,
            "width": self.size[0],
            "height": self.size[1],
            "fps": self.fps,
            "frames": self.frames_written,
            "files": "%06d.exr" if self.format == "exr" else None,  # the EXR frames (a layer per clip)
            "clips": [
                {"id": c.id, "name": c.name, "matte": f"{n}{suffix}"}
                for c, n in zip(self.clips, self.names, strict=True)
            ],
            "dominant": "dominant" if self.format == "exr" else None,
            "levels": None if self.format == "exr" else LEVELS,  # weight 1; the levels sum to it per pixel
            "bits": bits if self.format == FFV1 else None,
            "weights": "per pixel" if self.pixel_level else f"per {self.stride}-px patch, feathered",
            "empty_frames": self.empty_frames,
        }


def _ranges(frames: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9' (at most 4 ranges, then '...')."""
    spans: list[list[int]] = []
    for n in frames:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = [f"{a}-{b}" if b > a else f"{a}" for a, b in spans[:4]]
    return "frames " + ", ".join(text) + (", ..." if len(spans) > 4 else "")


def open_mattes(
    target: str | os.PathLike[str] | None, fmt: str, project: Any, synthesizer: Any
) -> MattesWriter | None:
    """The render job's mattes writer (None: no ``target``, none asked for). A synthesizer that mixes per
    pixel is asked to hand its weights out (``keep_pixel_weights``), the finest there are."""
    if target is None:
        return None
    if hasattr(synthesizer, "keep_pixel_weights"):
        synthesizer.keep_pixel_weights = True
    settings = project.settings
    size = (int(settings.width), int(settings.height))
    return MattesWriter(target, fmt, project.clips, size, settings.fps, synthesizer.stride)
