"""The Customers page: the list, each customer's profile, and its triggers and lookup tables.

This is the help article's "Option B": from a customer's profile, Add Trigger opens the trigger form
for that customer, and the form can create the template on the spot. The trigger form is built by
the composition root (it needs the dispatcher and the template checker) and handed in, so this page
only decides when to show it.

Unsaved edits of the profile (and of the trigger form) are asked about before another customer is
shown or the app closes; the list keeps highlighting the customer in the form when the user cancels.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.customer_profile import deletion_message, table_line, trigger_line
from postback_studio.core.model import Customer, LookupTable
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.confirm import Confirm, ask
from postback_studio.ui.field_errors import FieldErrors, error_label, validated_save, with_error
from postback_studio.ui.ports import CustomerStore, LookupStore, TemplateStore, TriggerStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.selection_guard import SelectionGuard
from postback_studio.ui.tones import page_title
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.ui.triggers_page import delete_trigger
from postback_studio.ui.unsaved import AskUnsaved, UnsavedChanges


class CustomersPage(QWidget):
    """Customers on the left, the selected customer's profile (or its trigger form) on the right.

    Signals:
        customer_saved(int): a customer was created or changed (its id).
        customer_deleted(int): a customer and what it owned were deleted (its id).
        lookup_table_requested(int): the user wants to edit a lookup table (its id) on the Lookups page.
        status_message(str): a short notice for the status bar (a save went through).
    """

    customer_saved = Signal(int)
    customer_deleted = Signal(int)
    lookup_table_requested = Signal(int)
    status_message = Signal(str)

    def __init__(
        self,
        customers: CustomerStore,
        triggers: TriggerStore,
        lookups: LookupStore,
        trigger_form: TriggerForm,
        templates: TemplateStore,
        *,
        confirm: Confirm | None = None,
        ask_unsaved: AskUnsaved | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._customers = customers
        self._triggers = triggers
        self._lookups = lookups
        self._templates = templates
        self._confirm = confirm or ask(self)
        self._current = Customer("")
        self.trigger_form = trigger_form
        self.unsaved = UnsavedChanges(
            self.edited_customer,
            ask=ask_unsaved or Prompter(self).unsaved_changes,
            name=lambda: f"customer '{self._current.name}'" if self._current.name else "the new customer",
            save=lambda: self.save() is not None,
            revert=self._revert,
            parent=self,
        )
        self._build()
        trigger_form.trigger_saved.connect(self._on_trigger_form_saved)
        trigger_form.trigger_closed.connect(self.show_profile)
        self.refresh()

    def _build(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter customers")
        self.filter_edit.setClearButtonEnabled(True)
        self.customer_list = QListWidget()
        self.new_button = QPushButton("New Customer")
        self.delete_button = QPushButton("Delete")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.customer_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        left_layout.addLayout(buttons)

        self.title = page_title()
        self.name_edit = QLineEdit()
        self.reference_edit = QLineEdit()
        self.reference_edit.setPlaceholderText("The customer's id in your systems (optional)")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(90)
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.save_button = QPushButton("Save")
        details = QGroupBox("Customer")
        form = QFormLayout(details)
        form.addRow("Name", with_error(self.name_edit, self.errors.register("name", "Name")))
        form.addRow("Reference id", with_error(self.reference_edit,
                                               self.errors.register("reference_id", "Reference id")))
        form.addRow("Notes", with_error(self.notes_edit, self.errors.register("notes", "Notes")))
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.saved_note)
        save_row.addWidget(self.save_button)
        form.addRow(self.general_error)
        form.addRow(save_row)

        self.trigger_list = QListWidget()
        self.add_trigger_button = QPushButton("Add Trigger")
        self.open_trigger_button = QPushButton("Open")
        self.delete_trigger_button = QPushButton("Delete Trigger")
        self.triggers_group = QGroupBox("Triggers")
        triggers_layout = QVBoxLayout(self.triggers_group)
        triggers_layout.addWidget(self.trigger_list)
        trigger_buttons = QHBoxLayout()
        trigger_buttons.addWidget(self.add_trigger_button)
        trigger_buttons.addWidget(self.open_trigger_button)
        trigger_buttons.addStretch(1)
        trigger_buttons.addWidget(self.delete_trigger_button)
        triggers_layout.addLayout(trigger_buttons)

        self.table_list = QListWidget()
        self.open_table_button = QPushButton("Open in Lookups")
        self.tables_group = QGroupBox("Lookup tables")
        tables_layout = QVBoxLayout(self.tables_group)
        tables_layout.addWidget(self.table_list)
        table_buttons = QHBoxLayout()
        table_buttons.addStretch(1)
        table_buttons.addWidget(self.open_table_button)
        tables_layout.addLayout(table_buttons)

        profile = QWidget()
        profile_layout = QVBoxLayout(profile)
        profile_layout.addWidget(self.title)
        profile_layout.addWidget(details)
        profile_layout.addWidget(self.triggers_group, 1)
        profile_layout.addWidget(self.tables_group, 1)

        self.back_button = QPushButton("‹ Back to customer")
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.setContentsMargins(0, 0, 0, 0)
        back_row = QHBoxLayout()
        back_row.setContentsMargins(9, 9, 9, 0)
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        form_layout.addLayout(back_row)
        form_layout.addWidget(self.trigger_form, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(profile)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 900])
        # The trigger form has two columns of fields: it gets the whole page, not the profile's half.
        self.stack = QStackedWidget()
        self.stack.addWidget(splitter)
        self.stack.addWidget(form_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.filter_edit.textChanged.connect(self._on_filter_changed)
        self.customer_list.currentItemChanged.connect(self._on_customer_list_changed)
        SelectionGuard(self.customer_list, self.confirm_discard)
        self.unsaved.watch(self.name_edit.textChanged, self.reference_edit.textChanged,
                           self.notes_edit.textChanged)
        self.new_button.clicked.connect(self.new_customer)
        self.delete_button.clicked.connect(self.delete_current)
        self.save_button.clicked.connect(self.save)
        self.add_trigger_button.clicked.connect(self.add_trigger)
        self.open_trigger_button.clicked.connect(self._on_open_trigger_clicked)
        self.trigger_list.itemDoubleClicked.connect(self._on_open_trigger_clicked)
        self.delete_trigger_button.clicked.connect(self._on_delete_trigger_clicked)
        self.open_table_button.clicked.connect(self._on_open_table_clicked)
        self.table_list.itemDoubleClicked.connect(self._on_open_table_clicked)
        self.back_button.clicked.connect(self._on_back_clicked)

    # ----- list ---------------------------------------------------------------------------------
    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload what shows the changed kind of entity; a profile with unsaved edits stays as typed,
        one without shows what is stored now (changed by an import, the command line...)."""
        if notice.concerns(Entity.CUSTOMER):
            if not self._fill_list():
                self.refresh()
                return
            self._follow_stored()
        if notice.concerns(Entity.CUSTOMER, Entity.TRIGGER, Entity.LOOKUP_TABLE):
            self._refresh_owned()

    def _follow_stored(self) -> None:
        if self._current.id is None or self.unsaved.dirty:
            return
        try:
            stored = self._customers.get(self._current.id)
        except KeyError:
            return
        if stored != self._current:
            self._fill_profile(stored)

    def _fill_list(self) -> bool:
        """Rebuild the list, the shown customer selected; False when the shown customer is gone."""
        keep = self._current.id
        self.customer_list.blockSignals(True)
        self.customer_list.clear()
        found = keep is None
        for customer in sorted(self._customers.list(), key=lambda c: c.name.casefold()):
            item = QListWidgetItem(customer.name)
            item.setData(Qt.ItemDataRole.UserRole, customer.id)
            if customer.reference_id:
                item.setToolTip(f"Reference id: {customer.reference_id}")
            self.customer_list.addItem(item)
            if customer.id == keep:
                self.customer_list.setCurrentItem(item)
                found = True
        self.customer_list.blockSignals(False)
        self._on_filter_changed(self.filter_edit.text())
        return found

    @Slot()
    def refresh(self) -> None:
        """Reload the list from the workspace, keeping the selection."""
        keep = self._current.id
        self._fill_list()
        if keep is not None and self.select_customer(keep):
            return
        if self.customer_list.count():
            self.customer_list.setCurrentRow(0)
        else:
            self.new_customer()

    def select_customer(self, customer_id: int) -> bool:
        """Select ``customer_id`` in the list and show its profile (after the unsaved-changes question);
        False when it does not exist or the user keeps the profile being edited."""
        if self._row_of(customer_id) < 0:
            return False
        if customer_id != self._current.id and not self.confirm_discard():
            return False
        self._highlight(customer_id)
        self._show_customer(customer_id)
        return True

    def _row_of(self, customer_id: int | None) -> int:
        for row in range(self.customer_list.count()):
            if self.customer_list.item(row).data(Qt.ItemDataRole.UserRole) == customer_id:
                return row
        return -1

    def _highlight(self, customer_id: int | None) -> None:
        """Select the entry of ``customer_id`` (none for a new customer) without reacting to it."""
        self.customer_list.blockSignals(True)
        self.customer_list.setCurrentRow(self._row_of(customer_id))
        self.customer_list.blockSignals(False)

    def confirm_discard(self) -> bool:
        """Save / Discard / Cancel for the profile's unsaved edits, then the trigger form's; True to go on."""
        return self.unsaved.confirm_discard() and self.trigger_form.confirm_discard()

    def _on_filter_changed(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.customer_list.count()):
            item = self.customer_list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _on_customer_list_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        customer_id = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        if customer_id is None or customer_id == self._current.id:
            return
        if not self.confirm_discard():
            self._highlight(self._current.id)
            return
        self._show_customer(customer_id)

    # ----- profile ------------------------------------------------------------------------------
    def _show_customer(self, customer_id: int) -> None:
        try:
            customer = self._customers.get(customer_id)
        except KeyError:  # deleted elsewhere since the list was filled
            self.refresh()
            return
        self._load(customer)

    def _load(self, customer: Customer) -> None:
        """Show ``customer`` as stored (a new one: empty) with what it owns."""
        self._fill_profile(customer)
        self.errors.clear()
        self.saved_note.clear()
        exists = customer.id is not None
        for widget in (self.triggers_group, self.tables_group, self.delete_button):
            widget.setEnabled(exists)
        self._refresh_owned()
        self.show_profile()

    def _fill_profile(self, customer: Customer) -> None:
        """Put ``customer`` (as stored) in the profile's fields; the profile is clean until edited."""
        self._current = customer
        with self.unsaved.loading():
            self.title.setText(customer.name or "New Customer")
            self.name_edit.setText(customer.name)
            self.reference_edit.setText(customer.reference_id)
            self.notes_edit.setPlainText(customer.notes)

    def _refresh_owned(self) -> None:
        self.trigger_list.clear()
        self.table_list.clear()
        if self._current.id is None:
            return
        for trigger in sorted(self._triggers.list(customer_id=self._current.id),
                              key=lambda t: t.name.casefold()):
            item = QListWidgetItem(trigger_line(trigger))
            item.setData(Qt.ItemDataRole.UserRole, trigger.id)
            self.trigger_list.addItem(item)
        for table in self._owned_tables(self._current.id):
            item = QListWidgetItem(table_line(table))
            item.setData(Qt.ItemDataRole.UserRole, table.id)
            self.table_list.addItem(item)
        if not self.trigger_list.count():
            self.trigger_list.addItem(_placeholder("No triggers yet: Add Trigger sets one up."))
        if not self.table_list.count():
            self.table_list.addItem(_placeholder("No lookup tables for this customer."))

    @Slot()
    def new_customer(self) -> bool:
        """Clear the profile for a new customer (after the unsaved-changes question); it exists once saved."""
        if not self.confirm_discard():
            return False
        self._highlight(None)
        self._load(Customer(""))
        self.name_edit.setFocus()
        return True

    def edited_customer(self) -> Customer:
        """The profile as typed (what Save would store)."""
        return dataclasses.replace(self._current, name=self.name_edit.text().strip(),
                                   reference_id=self.reference_edit.text().strip(),
                                   notes=self.notes_edit.toPlainText())

    def _revert(self) -> None:
        """Show the customer as stored again (the user chose Discard)."""
        customer = self._current
        if customer.id is not None:
            try:
                customer = self._customers.get(customer.id)
            except KeyError:  # deleted elsewhere meanwhile
                customer = Customer("")
        self._load(customer)

    @Slot()
    def save(self) -> Customer | None:
        """Validate and save the profile; messages appear under their fields and nothing is saved."""
        saved = validated_save(self.edited_customer(), self._customers.save, self.errors, self.saved_note)
        if saved is None:
            return None
        assert saved.id is not None
        self._current = saved
        self.refresh()
        self.saved_note.confirm(f"Saved customer '{saved.name}'")
        self.customer_saved.emit(saved.id)
        return saved

    @Slot()
    def delete_current(self) -> bool:
        """Delete the shown customer after a confirmation that names what goes with it."""
        customer = self._current
        if customer.id is None:
            return False
        text = deletion_message(customer, self._triggers.list(customer_id=customer.id),
                                self._templates.list(customer_id=customer.id, include_shared=False),
                                self._owned_tables(customer.id))
        if not self._confirm("Delete Customer", text):
            return False
        self._customers.delete(customer.id, cascade=True)
        self._load(Customer(""))  # what was on show is gone, edits and all
        self.refresh()
        self.customer_deleted.emit(customer.id)
        return True

    # ----- triggers and tables ----------------------------------------------------------------
    @Slot()
    def add_trigger(self) -> None:
        """Open the trigger form on a new trigger for the shown customer."""
        if self._current.id is None or not self.trigger_form.confirm_discard():
            return
        self.trigger_form.new_trigger(self._current.id)
        self._show_form()

    def _owned_tables(self, customer_id: int) -> list[LookupTable]:
        tables = self._lookups.list(customer_id=customer_id, include_global=False)
        return sorted(tables, key=lambda t: t.name.casefold())

    def open_trigger(self, trigger_id: int) -> None:
        """Open the trigger form on an existing trigger."""
        try:
            trigger = self._triggers.get(trigger_id)
        except KeyError:
            self._refresh_owned()
            return
        if not self.trigger_form.confirm_discard():
            return
        if trigger.customer_id != self._current.id:
            self.select_customer(trigger.customer_id)
        self.trigger_form.load(trigger)
        self._show_form()

    def _on_back_clicked(self) -> None:
        if self.trigger_form.confirm_discard():
            self.show_profile()

    @Slot()
    def show_profile(self) -> None:
        """Back from the trigger form to the profile, with its lists up to date."""
        self._refresh_owned()
        self.stack.setCurrentIndex(0)

    def _show_form(self) -> None:
        self.back_button.setText(f"‹ Back to {self._current.name}")
        self.stack.setCurrentIndex(1)

    def _selected_id(self, widget: QListWidget) -> int | None:
        item = widget.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, int) else None

    def _on_open_trigger_clicked(self) -> None:
        trigger_id = self._selected_id(self.trigger_list)
        if trigger_id is not None:
            self.open_trigger(trigger_id)

    def _on_delete_trigger_clicked(self) -> None:
        trigger_id = self._selected_id(self.trigger_list)
        if delete_trigger(self._triggers, trigger_id, self._confirm):
            self.trigger_form.forget(trigger_id)
            self._refresh_owned()

    def _on_open_table_clicked(self) -> None:
        table_id = self._selected_id(self.table_list)
        if table_id is not None:
            self.lookup_table_requested.emit(table_id)

    def _on_trigger_form_saved(self, _trigger_id: int) -> None:
        self._refresh_owned()


def _placeholder(text: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item
