"""The export dialog's small pieces: how it writes durations and sizes, the matte format box, and the choice
of frames (the whole timeline, or the playback's in/out range)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from studio.engine import matte_formats  # stdlib only: the dialog never loads the engine itself

WHOLE, IN_OUT = "whole", "in_out"


def fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "—"
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def fps_box(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(1, 120)
    box.setDecimals(3)
    box.setValue(value)
    return box


def matte_format_box() -> QComboBox:
    """The matte formats, EXR greyed out (with how to get it) where OpenEXR is not installed."""
    box = QComboBox()
    labels = {"png16": "16-bit PNG", "ffv1": "FFV1 video (MKV)", "exr": "OpenEXR layers"}
    for fmt in matte_formats.FORMATS:
        box.addItem(labels[fmt], fmt)
        index = box.count() - 1
        tip = matte_formats.DESCRIPTIONS[fmt]
        if fmt == matte_formats.EXR and not matte_formats.exr_available():
            box.model().item(index).setEnabled(False)
            tip = f"needs the OpenEXR package: {matte_formats.EXR_INSTALL}"
        box.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
    box.setCurrentIndex(matte_formats.FORMATS.index(matte_formats.DEFAULT_FORMAT))
    return box


def range_box(total: int, in_out: tuple[int, int] | None) -> QComboBox:
    """ "Whole timeline" or "In to out (frames a–b)" (``in_out``: the playback's first and last frame, both
    included); the range is chosen when one is set, and cannot be chosen when none is."""
    box = QComboBox()
    box.addItem(f"Whole timeline ({total} frames)", WHOLE)
    if in_out is None:
        box.addItem("In to out (no in/out marks set: I and O set them)", IN_OUT)
        box.model().item(1).setEnabled(False)
    else:
        a, b = in_out
        box.addItem(f"In to out (frames {a}–{b}, {b - a + 1} frames)", IN_OUT)
        box.setCurrentIndex(1)
    return box


# What a render is doing besides its frames (``studio.engine.render.Progress.stage``), for the status lines
STAGE_TEXT = {"shots": "finding the clips' scene cuts…", "audio": "mixing the audio…"}
