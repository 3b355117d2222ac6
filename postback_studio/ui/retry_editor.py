"""Retry on Failure: the policy (none, Gelato's, or exponential backoff) and its timeline in words."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from postback_studio.core.dispatch.retry import describe as describe_retry
from postback_studio.core.model import RetryKind, RetryPolicy
from postback_studio.core.validation import MAX_RETRY_ATTEMPTS
from postback_studio.ui.field_errors import with_error
from postback_studio.ui.tones import emphasize

_CHOICES = (
    (RetryKind.NONE, "No retry"),
    (RetryKind.GELATO, "Gelato convention: 3 tries, 5 s apart"),
    (RetryKind.EXPONENTIAL, "Exponential backoff (Postback Studio extension)"),
)


def _seconds_spin(low: float, high: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(1)
    spin.setSuffix(" s")
    return spin


class RetryPolicyEditor(QGroupBox):
    """The trigger form's Retry on Failure group; the exponential settings show only for that policy.

    Args:
        error_label: Where messages about the retry settings appear (under Max attempts).

    Signals:
        policy_changed(): the policy as edited changed.
    """

    policy_changed = Signal()

    def __init__(self, error_label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__("Retry on Failure", parent)
        self.retry_box = QComboBox()
        for kind, caption in _CHOICES:
            self.retry_box.addItem(caption, kind)
        self.first_delay_spin = _seconds_spin(0, 3600)
        self.factor_spin = QDoubleSpinBox()
        self.factor_spin.setRange(1.0, 10.0)
        self.factor_spin.setSingleStep(0.5)
        self.max_delay_spin = _seconds_spin(0, 86_400)
        self.max_attempts_spin = QSpinBox()
        self.max_attempts_spin.setRange(1, MAX_RETRY_ATTEMPTS)
        self.timeline_label = QLabel()
        self.timeline_label.setWordWrap(True)
        emphasize(self.timeline_label, weight=QFont.Weight.DemiBold)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("Policy", self.retry_box)
        self._exponential_rows: list[QWidget] = [
            self.first_delay_spin,
            self.factor_spin,
            self.max_delay_spin,
            with_error(self.max_attempts_spin, error_label),
        ]
        for caption, widget in zip(
            ("First delay", "Factor", "Max delay", "Max attempts"), self._exponential_rows, strict=True
        ):
            self.form.addRow(caption, widget)
        self.form.addRow("Timeline", self.timeline_label)
        self._jitter = RetryPolicy().jitter
        self.retry_box.currentIndexChanged.connect(self._on_changed)
        for spin in self._spins():
            spin.valueChanged.connect(self._on_changed)

    def _spins(self) -> tuple[QDoubleSpinBox | QSpinBox, ...]:
        return (self.first_delay_spin, self.factor_spin, self.max_delay_spin, self.max_attempts_spin)

    def policy(self) -> RetryPolicy:
        """The policy as edited."""
        kind = RetryKind(self.retry_box.currentData())
        if kind is RetryKind.NONE:
            return RetryPolicy.none()
        if kind is RetryKind.GELATO:
            return RetryPolicy.gelato()
        return RetryPolicy(
            kind=RetryKind.EXPONENTIAL,
            max_attempts=self.max_attempts_spin.value(),
            first_delay=self.first_delay_spin.value(),
            factor=self.factor_spin.value(),
            max_delay=self.max_delay_spin.value(),
            jitter=self._jitter,
        )

    def set_policy(self, policy: RetryPolicy) -> None:
        """Show ``policy``; the exponential settings keep sensible values for another policy."""
        exponential = (
            policy
            if policy.kind is RetryKind.EXPONENTIAL
            else RetryPolicy(
                kind=RetryKind.EXPONENTIAL, max_attempts=5, first_delay=5.0, factor=2.0, max_delay=300.0
            )
        )
        self._jitter = exponential.jitter
        for spin in self._spins():
            spin.blockSignals(True)
        self.first_delay_spin.setValue(exponential.first_delay)
        self.factor_spin.setValue(exponential.factor)
        self.max_delay_spin.setValue(exponential.max_delay)
        self.max_attempts_spin.setValue(exponential.max_attempts)
        for spin in self._spins():
            spin.blockSignals(False)
        self.retry_box.setCurrentIndex(max(self.retry_box.findData(policy.kind), 0))
        self._on_changed()

    def _on_changed(self) -> None:
        exponential = RetryKind(self.retry_box.currentData()) is RetryKind.EXPONENTIAL
        for widget in self._exponential_rows:
            self.form.setRowVisible(widget, exponential)
        self.timeline_label.setText(describe_retry(self.policy()))
        self.policy_changed.emit()
