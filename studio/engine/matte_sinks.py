"""Where mattes go, one class per format; each writes into a folder the caller later renames into place.

- :class:`PngSink`: ``<clip>/000000.png``, 16-bit grey PNG (OpenCV), a folder per clip;
- :class:`Ffv1Sink`: ``<clip>.mkv``, lossless FFV1 (``studio.media.matte_video``: PyAV stays in media);
- :class:`ExrSink`: ``000000.exr``, one scanline OpenEXR per frame with a layer per clip (``<clip>.Y``,
  float32: the weights themselves, not the 16-bit levels) and ``dominant`` (the project-clip index of the
  heaviest clip, -1 where no clip is), ZIP-compressed: Nuke, Resolve and Natron show each clip as a layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from studio.engine.matte_formats import EXR, FFV1, PNG16, check_format
from studio.errors import MediaError
from studio.media.matte_video import GreyVideoWriter


class MatteSink(Protocol):
    def write(self, n: int, levels: np.ndarray, weights: np.ndarray | None) -> None:
        """Output frame ``n``: (C, H, W) uint16 ``levels`` (sum 65535 per pixel, or all 0 where nothing was
        placed) and the (C, H, W) float32 ``weights`` they were made from (None there)."""

    def close(self) -> None: ...

    def abort(self) -> None: ...


def frame_name(n: int, suffix: str) -> str:
    return f"{n:06d}{suffix}"


class PngSink:
    def __init__(self, folder: Path, names: list[str]) -> None:
        self.folders = [folder / name for name in names]
        for clip_folder in self.folders:
            clip_folder.mkdir()

    def write(self, n: int, levels: np.ndarray, weights: np.ndarray | None) -> None:
        for clip_folder, matte in zip(self.folders, levels, strict=True):
            path = clip_folder / frame_name(n, ".png")
            if not cv2.imwrite(str(path), np.ascontiguousarray(matte)):
                raise MediaError(f"cannot write {path}")

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass  # the caller removes the folder


class Ffv1Sink:
    def __init__(self, folder: Path, names: list[str], size: tuple[int, int], fps: float) -> None:
        self.writers: list[GreyVideoWriter] = []
        try:
            for name in names:
                self.writers.append(GreyVideoWriter(folder / f"{name}.mkv", size[0], size[1], fps))
        except BaseException:
            self.abort()
            raise

    @property
    def bits(self) -> int:
        return self.writers[0].bits if self.writers else 16

    def write(self, n: int, levels: np.ndarray, weights: np.ndarray | None) -> None:
        for writer, matte in zip(self.writers, levels, strict=True):
            writer.write(matte)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()

    def abort(self) -> None:
        for writer in self.writers:
            writer.abort()


class ExrSink:
    def __init__(self, folder: Path, names: list[str], size: tuple[int, int]) -> None:
        import OpenEXR  # the optional extra: check_format said it is installed

        self._exr = OpenEXR
        self.folder, self.names, self.size = folder, names, size
        self.header = {
            "compression": OpenEXR.ZIP_COMPRESSION,
            "type": OpenEXR.scanlineimage,
            "studioClips": ",".join(names),  # the layers in project-clip order: dominant's indices
        }

    def write(self, n: int, levels: np.ndarray, weights: np.ndarray | None) -> None:
        width, height = self.size
        if weights is None:
            weights = np.zeros((len(self.names), height, width), np.float32)
            dominant = np.full((height, width), -1.0, np.float32)
        else:
            dominant = weights.argmax(0).astype(np.float32)
        channels = {f"{name}.Y": np.ascontiguousarray(w) for name, w in zip(self.names, weights, strict=True)}
        channels["dominant"] = dominant
        path = self.folder / frame_name(n, ".exr")
        try:
            self._exr.File(self.header, channels).write(str(path))
        except Exception as exc:  # OpenEXR's errors are RuntimeErrors with its message
            raise MediaError(f"cannot write {path}: {exc}") from None

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def open_sink(fmt: str, folder: Path, names: list[str], size: tuple[int, int], fps: float) -> MatteSink:
    check_format(fmt)
    if fmt == PNG16:
        return PngSink(folder, names)
    if fmt == FFV1:
        return Ffv1Sink(folder, names, size, fps)
    assert fmt == EXR
    return ExrSink(folder, names, size)
