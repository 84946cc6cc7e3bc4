"""The small dialog of the lane's "Pin share here…": a time range (output seconds) and a min and/or max share.

It only builds the :class:`~studio.project.Pin` (validated: a bad one is refused in its own line, the dialog
stays open); the view turns it into one ``SetPins`` undo step.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.errors import ProjectError
from studio.project import Pin, Placement

DEFAULT_MIN = 0.3  # a new pin asks for at least 30 %
DEFAULT_SPAN_S = 2.0  # ... over the 2 s around the click


class PinDialog(QDialog):
    """Start, end (output seconds, within the placement), min and max share (percent, each optional)."""

    def __init__(
        self, placement: Placement, start: float, end: float, parent: QWidget | None = None, *,
        min_share: float | None = DEFAULT_MIN, max_share: float | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setWindowTitle("Pin share")
        self.placement = placement
        form = QFormLayout()
        self.start = self._seconds(start)
        self.end = self._seconds(end)
        form.addRow("Start (s)", self.start)
        form.addRow("End (s)", self.end)
        self.use_min, self.min = self._share(min_share, DEFAULT_MIN)
        self.use_max, self.max = self._share(max_share, 0.5)
        form.addRow("At least", self._row(self.use_min, self.min))
        form.addRow("At most", self._row(self.use_max, self.max))
        self.error = QLabel("")
        self.error.setObjectName("pinError")
        self.error.setStyleSheet("color: #e0604f")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _seconds(self, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setDecimals(3)
        box.setSingleStep(0.1)
        box.setRange(self.placement.start, self.placement.end)
        box.setValue(min(self.placement.end, max(self.placement.start, value)))
        return box

    def _share(self, value: float | None, fallback: float) -> tuple[QCheckBox, QDoubleSpinBox]:
        check = QCheckBox(self)
        check.setChecked(value is not None)
        box = QDoubleSpinBox(self)
        box.setRange(0.0, 100.0)
        box.setDecimals(0)
        box.setSuffix(" %")
        box.setValue(100.0 * (fallback if value is None else value))
        box.setEnabled(value is not None)
        check.toggled.connect(box.setEnabled)
        return check, box

    @staticmethod
    def _row(check: QCheckBox, box: QDoubleSpinBox) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(check)
        layout.addWidget(box, 1)
        return row

    def pin(self) -> Pin:
        """The pin as entered, in the placement's time (ProjectError, one line, when it is not valid)."""
        low = self.min.value() / 100.0 if self.use_min.isChecked() else None
        high = self.max.value() / 100.0 if self.use_max.isChecked() else None
        start = self.start.value() - self.placement.start
        return Pin(max(0.0, start), self.end.value() - self.placement.start, low, high)

    def accept(self) -> None:  # noqa: D102 - refuse a bad pin here, with its reason, and stay open
        try:
            self.pin()
        except ProjectError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def default_span(placement: Placement, t: float) -> tuple[float, float]:
    """The ``DEFAULT_SPAN_S`` around output time ``t``, kept within the placement (shifted, then cut)."""
    half = DEFAULT_SPAN_S / 2
    start, end = t - half, t + half
    if start < placement.start:
        start, end = placement.start, placement.start + DEFAULT_SPAN_S
    if end > placement.end:
        start, end = max(placement.start, placement.end - DEFAULT_SPAN_S), placement.end
    return start, end
