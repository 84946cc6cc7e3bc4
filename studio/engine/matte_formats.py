"""The matte formats by name, and whether each can be written here: stdlib only, so the command line and the
export dialog check a choice without loading numpy, OpenCV or torch.
"""

from __future__ import annotations

import importlib.util

from studio.errors import EngineError

PNG16, FFV1, EXR = "png16", "ffv1", "exr"
FORMATS = (PNG16, FFV1, EXR)
DEFAULT_FORMAT = PNG16
DESCRIPTIONS = {
    PNG16: "16-bit PNG sequences, a folder per clip",
    FFV1: "lossless FFV1 video (Matroska), a file per clip",
    EXR: "multi-layer OpenEXR, a file per frame",
}
# The optional extra that brings OpenEXR (pyproject.toml's [project.optional-dependencies] exr).
EXR_INSTALL = "pip install 'attention-video-studio[exr]'"


def exr_available() -> bool:
    """Whether the OpenEXR package is installed (looked up, not imported)."""
    return importlib.util.find_spec("OpenEXR") is not None


def check_format(name: str) -> str:
    """``name`` if mattes can be written in that format here; otherwise a one-line EngineError saying why."""
    if name not in FORMATS:
        raise EngineError(f"unknown mattes format {name!r}: one of {', '.join(FORMATS)}")
    if name == EXR and not exr_available():
        raise EngineError(f"EXR mattes need the OpenEXR package: {EXR_INSTALL}")
    return name
