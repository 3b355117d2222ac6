"""The "Lookups for" combo of the Templates page: whose lookup tables a preview uses.

It exists apart from the page because choosing the customer follows rules of its own: a customer's
template previews with that customer's tables and no other, a shared template with those of the
customer of its first trigger (the user may pick another), and nothing carries over from the
template shown before. The page only asks it for the customer of the moment.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from postback_studio.core.model import Template
from postback_studio.ui.ports import TriggerStore

#: The combo's data for "No customer (global tables)".
NO_CUSTOMER = -1


class LookupsForCombo(QComboBox):
    """The customers whose lookup tables a preview may use, and "No customer (global tables)".

    Filling it or following a template never emits ``currentIndexChanged``: only the user's choice
    does (the page re-renders on it).
    """

    def __init__(self, triggers: TriggerStore, parent: QWidget | None = None) -> None:
        """A combo that reads from ``triggers`` which customer a shared template is previewed for."""
        super().__init__(parent)
        self._triggers = triggers
        self.setToolTip(
            "Whose lookup tables the preview uses (a shared template can be previewed for any customer)"
        )
        # In a narrow window the combo gives way first (its text elides), not the buttons' labels.
        self.setMinimumWidth(90)

    def fill(self, customers: dict[int, str]) -> None:
        """List ``customers`` (id to name), keeping the one chosen when it is still there."""
        self.blockSignals(True)
        selected = self.currentData()
        self.clear()
        self.addItem("No customer (global tables)", NO_CUSTOMER)
        for customer_id, name in customers.items():
            self.addItem(name, customer_id)
        self.setCurrentIndex(max(self.findData(selected), 0))
        self.blockSignals(False)

    def follow(self, template: Template) -> None:
        """Choose the customer ``template`` previews for; a customer's own template allows no other.

        A shared template takes the customer of the first trigger that uses it, else the global
        tables.
        """
        owner = template.customer_id
        if owner is None and template.id is not None:
            users = self._triggers.list(template_id=template.id)
            owner_hint = users[0].customer_id if users else None
        else:
            owner_hint = owner
        self.blockSignals(True)
        wanted = NO_CUSTOMER if owner_hint is None else owner_hint
        self.setCurrentIndex(max(self.findData(wanted), 0))
        self.setEnabled(owner is None)
        self.blockSignals(False)

    def customer_id(self) -> int | None:
        """The customer chosen (None: the global tables only)."""
        customer = self.currentData()
        return None if customer in (None, NO_CUSTOMER) else int(customer)
