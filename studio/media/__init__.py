"""The media layer: probe, read (frame-accurate, any format, upright RGB), write (H.264/AAC MP4), audio,
thumbnails.

PyAV, numpy and OpenCV only: no torch, no Qt. Every user-caused failure is a one-line ``MediaError``.
"""

from __future__ import annotations

from studio.media.audio import decode_audio, mix_audio
from studio.media.info import AudioInfo, MediaInfo
from studio.media.probe import probe, probe_safe
from studio.media.reader import ClipReader
from studio.media.resize import fit_frame
from studio.media.thumbnails import thumbnail
from studio.media.writer import VideoWriter

__all__ = [
    "AudioInfo",
    "ClipReader",
    "MediaInfo",
    "VideoWriter",
    "decode_audio",
    "fit_frame",
    "mix_audio",
    "probe",
    "probe_safe",
    "thumbnail",
]
