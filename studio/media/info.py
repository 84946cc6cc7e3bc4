"""What a probe learns about a media file: plain frozen values that cross process boundaries as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int
    duration: float  # seconds


# AVColorTransferCharacteristic of the HDR transfers -> MediaInfo.hdr (SMPTE ST 2084 "PQ", ARIB STD-B67 "HLG")
HDR_TRANSFERS = {16: "pq", 18: "hlg"}


@dataclass(frozen=True)
class MediaInfo:
    """A video file as the app sees it.

    ``width``/``height`` are as displayed (rotation applied); ``coded_width``/``coded_height`` as stored.
    ``rotation`` is the clockwise turn (0/90/180/270) a player applies to the stored picture, then a
    left-right mirror if ``mirrored`` (a display matrix with a flip: :mod:`studio.media.orientation`).
    ``frames`` is the exact number of frames in the file (counted from the packets when the container's own
    count is missing or wrong, e.g. a truncated file). ``fps`` is the stream's frame rate for constant-rate
    files and, for variable frame rate (``variable_frame_rate``), the average ``frames / duration``.
    """

    path: Path
    container: str
    video_codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    fps: float
    frames: int
    duration: float
    pix_fmt: str
    bit_depth: int
    rotation: int
    variable_frame_rate: bool
    audio: AudioInfo | None
    mirrored: bool = False
    hdr: str | None = None  # "pq" or "hlg" when the picture is HDR (tone-mapped to SDR on reading)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the path as a string, audio as a dict or None."""
        data = asdict(self)
        data["path"] = str(self.path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        values = dict(data)
        values["path"] = Path(values["path"])
        if values.get("audio") is not None:
            values["audio"] = AudioInfo(**values["audio"])
        return cls(**values)
