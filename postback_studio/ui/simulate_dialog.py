"""Simulate: pick a customer, an event or the whole order life, and a payload; fire active triggers.

The dialog only collects the choice. The composition root runs the simulation in the background
and the Requests page shows the attempts as they are logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from postback_studio.core.model import LIFECYCLE, Event

SEQUENCE = "sequence"


@dataclass(frozen=True)
class SimulationRequest:
    """What the user asked for: the events in order, a sample name or None for each event's own."""

    customer_id: int
    events: tuple[Event, ...]
    sample: str | None
    orders: int


class SimulateDialog(QDialog):
    """Collects a :class:`SimulationRequest`."""

    def __init__(
        self,
        customers: Sequence[tuple[int, str]],
        samples: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Simulate Order Events")
        self.customer = QComboBox()
        for customer_id, name in customers:
            self.customer.addItem(name, customer_id)
        self.event = QComboBox()
        lifecycle = " → ".join(e.label.removeprefix("Order ") for e in LIFECYCLE)
        self.event.addItem(f"Whole order life ({lifecycle})", SEQUENCE)
        for event in Event:
            self.event.addItem(event.label, event.value)
        self.sample = QComboBox()
        self._samples = list(samples)
        self.event.currentIndexChanged.connect(self._on_event_changed)
        self.orders = QSpinBox()
        self.orders.setRange(1, 10_000)
        self.orders.setValue(1)
        self.orders.setSuffix(" order(s)")
        note = QLabel("Fires every <b>active</b> trigger of the customer for each event. "
                      "Attempts appear live on the Requests page.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = buttons.addButton("Simulate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setEnabled(self.customer.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Customer", self.customer)
        form.addRow("Event", self.event)
        form.addRow("Payload", self.sample)
        form.addRow("Orders", self.orders)
        form.addRow(note)
        form.addRow(buttons)
        self._on_event_changed()
        self.resize(520, 240)

    def _on_event_changed(self) -> None:
        self.sample.clear()
        self.sample.addItem("Built-in sample of each event", None)
        value = self.event.currentData()
        if value != SEQUENCE:
            for name in self._samples:
                if name == value or name.startswith(f"{value}."):
                    self.sample.addItem(name, name)

    def request(self) -> SimulationRequest:
        """The choice as a value."""
        value = self.event.currentData()
        events = LIFECYCLE if value == SEQUENCE else (Event(value),)
        return SimulationRequest(
            customer_id=int(self.customer.currentData()),
            events=tuple(events),
            sample=self.sample.currentData(),
            orders=self.orders.value(),
        )
