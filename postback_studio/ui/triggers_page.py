"""The Triggers page: every customer's triggers in one list, edited in the trigger form beside it.

The Customers page reaches triggers through their customer (the article's Option B); this page is
the overview an integrator uses to answer "what fires on Order shipped?" across customers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.model import DeliveryMethod, Trigger
from postback_studio.core.url_safety import redact_userinfo
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.confirm import Confirm, ask
from postback_studio.ui.ports import CustomerStore, TriggerStore
from postback_studio.ui.selection_guard import SelectionGuard
from postback_studio.ui.table_fit import ColumnFitter, ColumnPlan, PaneFitter, text_width, view_chrome_width
from postback_studio.ui.trigger_form import TriggerForm

_COLUMNS = ("Name", "Customer", "Event", "Status")


class TriggersPage(QWidget):
    """A filterable table of all triggers; the selected one opens in the trigger form."""

    def __init__(
        self,
        triggers: TriggerStore,
        customers: CustomerStore,
        trigger_form: TriggerForm,
        *,
        confirm: Confirm | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._triggers = triggers
        self._customers = customers
        self._confirm = confirm or ask(self)
        self.trigger_form = trigger_form

        self.customer_box = QComboBox()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name, event or destination")
        self.filter_edit.setClearButtonEnabled(True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setWordWrap(False)
        # The columns are as wide as what they hold and the list widens to fit them; when the form
        # beside it leaves too little room, the customer and then the event give way, and the name
        # takes the rest (eliding only past that; the row's tooltip has every cell).
        self._column_fitter = ColumnFitter(self.table, self.table.horizontalHeader(), self._column_plan())
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.new_button = QPushButton("New Trigger")
        self.delete_button = QPushButton("Delete")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.customer_box)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        left_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(trigger_form)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 750])
        splitter.setCollapsible(0, False)
        self._pane_fitter = PaneFitter(splitter, self._table_width_needed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.customer_box.currentIndexChanged.connect(self._on_filters_changed)
        self.filter_edit.textChanged.connect(self._on_filters_changed)
        self.table.currentCellChanged.connect(self._on_table_current_changed)
        SelectionGuard(self.table, trigger_form.confirm_discard)
        self.new_button.clicked.connect(self.new_trigger)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        trigger_form.trigger_saved.connect(self._on_trigger_form_saved)
        self.refresh()

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload the list when customers or triggers changed; the trigger being edited stays as typed."""
        if notice.concerns(Entity.CUSTOMER, Entity.TRIGGER):
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Reload customers and triggers, keeping the filters and the selection (the form is not reloaded)."""
        keep_customer = self.customer_box.currentData()
        self.customer_box.blockSignals(True)
        self.customer_box.clear()
        self.customer_box.addItem("All customers", None)
        for customer in sorted(self._customers.list(), key=lambda c: c.name.casefold()):
            self.customer_box.addItem(customer.name, customer.id)
        self.customer_box.setCurrentIndex(max(self.customer_box.findData(keep_customer), 0))
        self.customer_box.blockSignals(False)
        self._fill(self._selected_id())

    def _fill(self, keep: int | None) -> None:
        names = {c.id: c.name for c in self._customers.list()}
        customer_id = self.customer_box.currentData()
        needle = self.filter_edit.text().strip().casefold()
        rows = []
        for trigger in self._triggers.list(customer_id=customer_id):
            cells = (trigger.name, names.get(trigger.customer_id, "?"), trigger.event.label,
                     trigger.status.value)
            if not needle or any(needle in cell.casefold() for cell in (*cells, _target(trigger))):
                rows.append((trigger, cells))
        rows.sort(key=lambda row: (row[1][1].casefold(), row[1][0].casefold()))
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for index, (trigger, cells) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, trigger.id)
                item.setToolTip(f"{' · '.join(cells)}\n{_target(trigger)}")
                self.table.setItem(index, column, item)
        self.table.blockSignals(False)
        self._highlight(keep)
        self._column_fitter.plan = self._column_plan()
        self._column_fitter.fit()
        self._pane_fitter.fit()
        self.new_button.setEnabled(customer_id is not None)
        self.new_button.setToolTip("" if customer_id is not None else "Pick a customer first")

    def _column_plan(self) -> ColumnPlan:
        def cells(column: int) -> list[str]:
            return [item.text() for row in range(self.table.rowCount())
                    if (item := self.table.item(row, column)) is not None]

        fixed = {1: text_width(self.table, _COLUMNS[1], *cells(1)),
                 2: text_width(self.table, "Order in transit"),
                 3: text_width(self.table, "inactive", _COLUMNS[3])}
        names = text_width(self.table, _COLUMNS[0], *cells(0))
        return ColumnPlan(fixed, {0: 1}, (1, 2), min_elastic=names)

    def _table_width_needed(self) -> int:
        plan = self._column_fitter.plan
        return sum(plan.fixed.values()) + plan.min_elastic + view_chrome_width(self.table)

    def _selected_id(self) -> int | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, int) else None

    def _on_filters_changed(self) -> None:
        self._fill(self._selected_id())

    def _highlight(self, trigger_id: int | None) -> None:
        """Select the row of ``trigger_id`` (none when it is not listed) without reacting to it."""
        rows = [i for i in range(self.table.rowCount())
                if self.table.item(i, 0).data(Qt.ItemDataRole.UserRole) == trigger_id]
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setCurrentCell(rows[0] if rows else -1, 0)
        self.table.blockSignals(False)
        self._offer_delete()

    def _offer_delete(self) -> None:
        """Delete is for the trigger picked in the list; with none picked there is nothing to delete."""
        self.delete_button.setEnabled(self._selected_id() is not None)

    def _on_table_current_changed(self, row: int, *_args: int) -> None:
        self._offer_delete()
        item = self.table.item(row, 0) if row >= 0 else None
        trigger_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(trigger_id, int) and not self._load(trigger_id):
            self._highlight(self.trigger_form.current_trigger().id)

    @Slot()
    def new_trigger(self) -> None:
        """Start a new trigger for the customer picked above the list."""
        customer_id = self.customer_box.currentData()
        if isinstance(customer_id, int) and self.trigger_form.confirm_discard():
            self._highlight(None)
            self.trigger_form.new_trigger(customer_id)

    def open_trigger(self, trigger_id: int) -> bool:
        """Select ``trigger_id`` (clearing filters that hide it) and open it in the form; False when the
        user keeps the trigger being edited."""
        self.customer_box.setCurrentIndex(0)
        self.filter_edit.clear()
        if not self._load(trigger_id):
            return False
        self._fill(trigger_id)
        return True

    def _load(self, trigger_id: int) -> bool:
        """Show ``trigger_id`` in the form after the unsaved-changes question; False when refused."""
        try:
            trigger = self._triggers.get(trigger_id)
        except KeyError:  # deleted elsewhere since the table was filled
            self._fill(None)
            return False
        if trigger.id != self.trigger_form.current_trigger().id and not self.trigger_form.confirm_discard():
            return False
        self.trigger_form.load(trigger)
        return True

    def _on_delete_clicked(self) -> None:
        trigger_id = self._selected_id()
        if delete_trigger(self._triggers, trigger_id, self._confirm):
            self.trigger_form.forget(trigger_id)
            self._fill(None)

    def _on_trigger_form_saved(self, trigger_id: int) -> None:
        self._fill(trigger_id)


def delete_trigger(triggers: TriggerStore, trigger_id: int | None, confirm: Confirm) -> bool:
    """Delete a trigger after asking; its past requests stay in the log. True when deleted."""
    try:
        trigger = triggers.get(trigger_id) if trigger_id is not None else None
    except KeyError:
        return False
    if trigger is None or trigger.id is None:
        return False
    if not confirm("Delete Trigger", f"Delete trigger '{trigger.name}'? Its request log stays."):
        return False
    triggers.delete(trigger.id)
    return True


def _target(trigger: Trigger) -> str:
    if trigger.method is DeliveryMethod.URL:
        return f"{trigger.http_method} {redact_userinfo(trigger.url)}"
    return ", ".join(trigger.recipients)
