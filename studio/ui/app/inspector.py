"""The inspector: every generation setting of the project, edited in place.

It never mutates the project: each edit emits ``settingsEdited(label, values)`` with dotted setting paths
(``{"engine.temperature": 0.2}``), which the window turns into one undoable ``SetSettings`` command.
``set_project`` refreshes the fields with signals blocked, so showing the document never edits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.project.model import FEATURE_KINDS, QUALITIES
from studio.ui import forms

DEVICES = ("auto", "cpu", "cuda", "mps")
FITS = ("fit", "fill", "stretch")
# the two boxes' rows, top to bottom: (label, the field's key = the setting's dotted path)
OUTPUT_ROWS = (
    ("Generation time", "duration"),
    ("Frame rate", "fps"),
    ("Width", "width"),
    ("Height", "height"),
    ("Fit", "fit"),
    ("Quality (CRF)", "crf"),
    ("Audio", "audio"),
)
GENERATOR_ROWS = (
    ("Temperature", "engine.temperature"),
    ("Search radius", "engine.radius"),
    ("Temporal window", "engine.window"),
    ("Coherence", "engine.coherence"),
    ("Stability", "engine.stability"),
    ("Patch", "engine.patch"),
    ("Guide clip", "engine.guide_clip"),
    ("Features", "engine.features"),
    ("Quality (export)", "engine.quality"),
    ("Seed", "seed"),
    ("Device", "engine.device"),
)


def _double(lo: float, hi: float, decimals: int, step: float, suffix: str = "") -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # one edit per committed value, not one per keystroke
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    return box


def _int(lo: int, hi: int, step: int = 1, suffix: str = "") -> QSpinBox:
    return forms.int_box(lo, hi, step=step, suffix=suffix, tracking=False)  # one edit per committed value


class InspectorPanel(QScrollArea):
    settingsEdited = Signal(str, dict)  # undo label, {dotted setting path: value}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setAccessibleName("inspector")
        self.setWidgetResizable(True)
        self._project: Any = None
        self._updating = False
        self.fields: dict[str, QWidget] = {}

        f = self.fields
        f["duration"] = _double(0.1, 3600.0, 2, 0.5, " s")
        f["fps"] = _double(1.0, 120.0, 3, 1.0, " fps")
        f["width"] = _int(16, 7680, 2, " px")
        f["height"] = _int(16, 4320, 2, " px")
        f["fit"] = QComboBox()
        f["fit"].addItems(FITS)
        f["seed"] = _int(0, 2**31 - 1)
        f["crf"] = _int(0, 51)
        f["audio"] = QCheckBox("Mix sources")
        f["engine.temperature"] = _double(0.001, 100.0, 3, 0.01)
        f["engine.radius"] = _int(0, 64, 1, " patches")
        f["engine.window"] = _int(0, 16, 1, " frames")
        f["engine.coherence"] = _double(0.0, 1.0, 2, 0.05)
        f["engine.stability"] = _double(0.0, 10.0, 2, 0.1)
        f["engine.patch"] = _int(2, 64, 1, " px")
        f["engine.guide_clip"] = QComboBox()
        f["engine.device"] = QComboBox()
        f["engine.device"].addItems(DEVICES)
        f["engine.features"] = QComboBox()  # "vae": the project's trained VAE encoder gives the keys
        f["engine.features"].addItems(FEATURE_KINDS)
        f["engine.features"].setToolTip(
            "What the attention compares: hand-made patch features, or the encoder of the VAE trained on "
            "this project's clips (Training panel)"
        )
        f["engine.quality"] = QComboBox()  # what export and `studio render` make
        f["engine.quality"].addItems(QUALITIES)
        f["engine.quality"].setToolTip(
            "Synthesis the export uses: draft (the fast patch attention, real time) or final (seamless, "
            "much slower). The preview plays draft and refines a paused frame to final either way."
        )

        output = self._group("Output", OUTPUT_ROWS)
        engine = self._group("Generator", GENERATOR_ROWS)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(output)
        layout.addWidget(engine)
        layout.addStretch(1)
        self.setWidget(body)
        self.setEnabled(False)
        self._connect()

    def _group(self, title: str, rows: tuple[tuple[str, str], ...]) -> QGroupBox:
        """A titled box of (label, field key) rows."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        for label, key in rows:
            form.addRow(label, self.fields[key])
        return box

    def _connect(self) -> None:
        for key, widget in self.fields.items():
            label = f"Set {key.split('.')[-1].replace('_', ' ')}"
            widget.setAccessibleName(key)
            commit: Callable[..., None] = lambda *_, k=key, lb=label: self._commit(k, lb)  # noqa: E731
            if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
                widget.valueChanged.connect(commit)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(commit)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(commit)

    # ---- document → fields ------------------------------------------------------------------------------
    def set_project(self, project: Any) -> None:
        self._project = project
        self.setEnabled(project is not None)
        if project is None:
            return
        self._updating = True
        try:
            s = project.settings
            guide = self.fields["engine.guide_clip"]
            assert isinstance(guide, QComboBox)
            guide.clear()
            guide.addItem("None (free)", None)
            for clip in project.clips:
                guide.addItem(clip.name, clip.id)
            for key, widget in self.fields.items():
                value = self._read(s, key)
                if isinstance(widget, QSpinBox):
                    widget.setValue(int(value))
                elif isinstance(widget, QDoubleSpinBox):
                    widget.setValue(float(value))
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                elif isinstance(widget, QComboBox):
                    index = widget.findData(value) if key == "engine.guide_clip" else widget.findText(value)
                    widget.setCurrentIndex(max(index, 0))
        finally:
            self._updating = False

    @staticmethod
    def _read(settings: Any, key: str) -> Any:
        obj = settings
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def value(self, key: str) -> Any:
        widget = self.fields[key]
        if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            return widget.value()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData() if key == "engine.guide_clip" else widget.currentText()
        raise KeyError(key)

    # ---- fields → an edit -------------------------------------------------------------------------------
    def _commit(self, key: str, label: str) -> None:
        if self._updating or self._project is None:
            return
        settings = self._project.settings
        value = self.value(key)
        if self._read(settings, key) == value:
            return
        changes: dict[str, Any] = {key: value}
        if key == "engine.guide_clip":  # a guide clip switches the generator to style-transfer mode
            changes["engine.mode"] = "guide" if value else "free"
        self.settingsEdited.emit(label, changes)
