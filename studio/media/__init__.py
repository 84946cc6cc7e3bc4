"""The media layer: probe, read (frame-accurate, any format, upright RGB), write (H.264/AAC MP4), audio,
thumbnails.

PyAV, numpy and OpenCV only: no torch, no Qt. Every user-caused failure is a one-line ``MediaError``.

Most names below are imported on first use (PEP 562): ``probe_safe``'s child process then imports only what
probing needs (PyAV), not numpy and OpenCV, which halves its start-up time. ``probe``/``probe_safe`` are bound
at once: the submodule ``studio.media.probe`` would otherwise shadow the function of the same name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from studio.media.info import AudioInfo, MediaInfo
from studio.media.probe import probe, probe_safe

if TYPE_CHECKING:
    from studio.media.audio import decode_audio, mix_audio
    from studio.media.concat import concat_segments
    from studio.media.reader import ClipReader
    from studio.media.resize import fit_frame
    from studio.media.thumbnails import thumbnail
    from studio.media.writer import VideoWriter

_WHERE = {
    "ClipReader": "reader",
    "VideoWriter": "writer",
    "concat_segments": "concat",
    "decode_audio": "audio",
    "fit_frame": "resize",
    "mix_audio": "audio",
    "thumbnail": "thumbnails",
}
__all__ = [
    "AudioInfo",
    "ClipReader",
    "MediaInfo",
    "VideoWriter",
    "concat_segments",
    "decode_audio",
    "fit_frame",
    "mix_audio",
    "probe",
    "probe_safe",
    "thumbnail",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'studio.media' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"studio.media.{_WHERE[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
