"""The Lookups page: global and per-customer lookup tables, their rows, CSV import/export, "Used by".

A table is reached from templates only through its template field, so the page shows which templates
call ``lookups()`` with that field before the integrator renames or deletes it.

Import CSV writes nothing (:mod:`.lookup_csv_transfer`): a good file goes into the rows being
edited, and the table is then unsaved, with the usual Save and Discard and the unsaved-changes
question before another table is shown or the app closes. Unsaved changes are derived by comparing
the form with the table as stored (:mod:`.unsaved`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.lookup_rows import duplicate_warning, row_changes
from postback_studio.core.lookup_usage import templates_calling
from postback_studio.core.model import LookupTable
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.services.files import UserFiles
from postback_studio.ui.field_errors import (
    FieldErrors,
    error_label,
    validated_save,
    with_error,
)
from postback_studio.ui.lookup_csv_transfer import LookupCsvTransfer
from postback_studio.ui.ports import CustomerStore, LookupStore, TemplateStore
from postback_studio.ui.prompts import Prompter, UnsavedChoice
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.selection_guard import SelectionGuard
from postback_studio.ui.table_fit import PaneFitter, view_chrome_width
from postback_studio.ui.tones import Tone, emphasize, set_tone
from postback_studio.ui.unsaved import UnsavedChanges


class RowsModel(QStandardItemModel):
    """The rows being edited: key and value columns, filled in one reset however many rows there are."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Key", "Value"])

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Show ``rows`` (one model reset, not a signal per row: a CSV may hold thousands)."""
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())
            for key, value in rows:
                self.appendRow([QStandardItem(key), QStandardItem(value)])
        finally:
            self.blockSignals(False)
        self.endResetModel()

    def rows(self) -> tuple[tuple[str, str], ...]:
        """The rows as edited."""
        result = []
        for row in range(self.rowCount()):
            key, value = self.item(row, 0), self.item(row, 1)
            result.append((key.text() if key else "", value.text() if value else ""))
        return tuple(result)



class LookupsPage(QWidget):
    """Tables grouped by owner on the left; the selected table's fields, rows and users on the right.

    Signals:
        table_saved(int): a table was created, changed or imported (its id).
        table_deleted(int): a table was deleted (its id).
        template_requested(int): the user wants to open a template that uses the table (its id).
        status_message(str): a short notice for the status bar (a save or an import went through).
    """

    table_saved = Signal(int)
    table_deleted = Signal(int)
    template_requested = Signal(int)
    status_message = Signal(str)

    def __init__(
        self,
        lookups: LookupStore,
        customers: CustomerStore,
        templates: TemplateStore,
        *,
        files: UserFiles,
        prompter: Prompter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._lookups = lookups
        self._customers = customers
        self._templates = templates
        self._files = files
        self.prompter = prompter or Prompter(self)
        self._current = LookupTable("", "")
        self.unsaved = UnsavedChanges(
            self.current_table,
            ask=self._ask_unsaved,
            name=self._unsaved_name,
            save=lambda: self.save() is not None,
            revert=self.discard_changes,
            parent=self,
        )
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Table", "Template field"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.new_button = QPushButton("New Table")
        self.delete_button = QPushButton("Delete")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.tree, 1)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.new_button)
        left_buttons.addWidget(self.delete_button)
        left_layout.addLayout(left_buttons)

        self.title = QLabel()
        emphasize(self.title, scale=1.3, weight=QFont.Weight.DemiBold)
        self.name_edit = QLineEdit()
        self.owner_box = QComboBox()
        self.description_edit = QLineEdit()
        self.field_edit = QLineEdit()
        self.field_edit.setPlaceholderText("carrier")
        self.call_hint = QLabel()
        # Unwrapped, the call is as wide as a short screen's form: the table list would get no room.
        self.call_hint.setWordWrap(True)
        self.call_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.call_hint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        set_tone(self.call_hint, Tone.MUTED)
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        details = QGroupBox("Table")
        form = QFormLayout(details)
        form.addRow("Name", with_error(self.name_edit, self.errors.register("name", "Name")))
        form.addRow("Customer", with_error(self.owner_box, self.errors.register("customer_id", "Customer")))
        form.addRow("Description", with_error(self.description_edit,
                                              self.errors.register("description", "Description")))
        field_cell = with_error(self.field_edit, self.errors.register("template_field", "Template field"))
        field_cell.layout().addWidget(self.call_hint)
        form.addRow("Template field", field_cell)

        self.model = RowsModel(self)
        self.rows_view = QTableView()
        self.rows_view.setModel(self.model)
        self.rows_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.rows_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows_view.verticalHeader().setDefaultSectionSize(24)
        self.add_row_button = QPushButton("Add Row")
        self.remove_rows_button = QPushButton("Remove Rows")
        self.csv = LookupCsvTransfer(
            self._lookups, self._files, prompter=lambda: self.prompter, stored=lambda: self._current,
            name_edit=self.name_edit, field_edit=self.field_edit, rows=self.model.rows,
            set_rows=self.model.set_rows, parent=self)
        self.csv.announced.connect(self.status_message)
        self.rows_warning = QLabel()
        self.rows_warning.setWordWrap(True)
        self.rows_warning.hide()
        self.rows_error = self.errors.register("rows", "Row")
        rows_group = QGroupBox("Rows")
        rows_layout = QVBoxLayout(rows_group)
        rows_layout.addWidget(self.rows_view, 1)
        rows_layout.addWidget(self.rows_warning)
        rows_layout.addWidget(self.rows_error)
        rows_layout.addWidget(self.csv.message)
        row_buttons = QHBoxLayout()
        for button in (self.add_row_button, self.remove_rows_button):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        for button in (self.csv.import_button, self.csv.export_button):
            row_buttons.addWidget(button)
        rows_layout.addLayout(row_buttons)

        self.used_by = QListWidget()
        self.used_by.setMaximumHeight(90)
        used_group = QGroupBox("Used by")
        used_layout = QVBoxLayout(used_group)
        used_layout.addWidget(self.used_by)

        self.save_button = QPushButton("Save")
        self.discard_button = QPushButton("Discard Changes")
        self.discard_button.setToolTip("Show the table as saved again")
        self.discard_button.setEnabled(False)
        self.unsaved_label = QLabel()
        self.unsaved_label.setWordWrap(True)
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        save_row = QHBoxLayout()
        save_row.addWidget(self.general_error, 1)
        save_row.addWidget(self.unsaved_label, 1)
        save_row.addStretch(0)
        save_row.addWidget(self.saved_note)
        save_row.addWidget(self.discard_button)
        save_row.addWidget(self.save_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.title)
        right_layout.addWidget(details)
        right_layout.addWidget(rows_group, 1)
        right_layout.addWidget(used_group)
        right_layout.addLayout(save_row)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 840])
        self._pane_fitter = PaneFitter(splitter, self._tree_width_needed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.tree.currentItemChanged.connect(self._on_tree_changed)
        SelectionGuard(self.tree, self.unsaved.confirm_discard)
        self.new_button.clicked.connect(self.new_table)
        self.delete_button.clicked.connect(self.delete_current)
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard_changes)
        self.add_row_button.clicked.connect(self.add_row)
        self.remove_rows_button.clicked.connect(self._on_remove_rows_clicked)
        self.field_edit.textChanged.connect(self._on_field_changed)
        for signal in (self.model.dataChanged, self.model.rowsInserted, self.model.rowsRemoved,
                       self.model.modelReset):
            signal.connect(self._on_rows_changed)
        self.unsaved.watch(self.name_edit.textChanged, self.owner_box.currentIndexChanged,
                           self.description_edit.textChanged, self.field_edit.textChanged,
                           self.model.dataChanged, self.model.rowsInserted, self.model.rowsRemoved,
                           self.model.modelReset)
        self.unsaved.changed.connect(self._show_unsaved)
        self.used_by.itemDoubleClicked.connect(self._on_used_by_activated)

    # ----- the tree -----------------------------------------------------------------------------
    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload what shows the changed kind of entity; a table with unsaved edits stays as typed,
        one without shows what is stored now (changed by an import, the command line...)."""
        if notice.concerns(Entity.CUSTOMER, Entity.LOOKUP_TABLE):
            if not self._fill():
                self.refresh()
                return
            self._follow_stored()
        if notice.concerns(Entity.TEMPLATE):
            self._on_field_changed(self.field_edit.text())

    def _follow_stored(self) -> None:
        """Show the table on show as stored now, unless the user is editing it."""
        if self._current.id is None or self.unsaved.dirty:
            return
        try:
            stored = self._lookups.get(self._current.id)
        except KeyError:
            return
        if stored != self._current:
            self._load(stored)

    @Slot()
    def refresh(self) -> None:
        """Reload tables and customers, keeping the selected table (shown again as stored)."""
        keep = self._current.id
        self._fill()
        if keep is not None and self.select_table(keep):
            return
        first = self._table_items()
        if first:
            self.tree.setCurrentItem(first[0])
        else:
            self.new_table()

    def _fill(self) -> bool:
        """Rebuild the owner choices and the tree, keeping both selections without reloading the form.

        Returns False when the table on show was deleted meanwhile.
        """
        keep = self._current.id
        owner = self.owner_box.currentData()
        customers = sorted(self._customers.list(), key=lambda c: c.name.casefold())
        self.owner_box.blockSignals(True)
        self.owner_box.clear()
        self.owner_box.addItem("Global (every customer)", None)
        for customer in customers:
            self.owner_box.addItem(customer.name, customer.id)
        self.owner_box.setCurrentIndex(max(self.owner_box.findData(owner), 0))
        self.owner_box.blockSignals(False)

        self.tree.blockSignals(True)
        self.tree.clear()
        tables = sorted(self._lookups.list(), key=lambda t: t.name.casefold())
        groups: list[tuple[str, int | None]] = [("Global", None)] + [(c.name, c.id) for c in customers]
        found = keep is None
        for caption, group_owner in groups:
            owned = [t for t in tables if t.customer_id == group_owner]
            if group_owner is not None and not owned:
                continue
            group = QTreeWidgetItem([caption, ""])
            group.setToolTip(0, caption)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            for table in owned:
                item = QTreeWidgetItem([table.name, table.template_field])
                # The list widens to fit the names; past half the page they elide, and the tooltip
                # has them whole.
                for column in (0, 1):
                    item.setToolTip(column, f"{table.name} · template field {table.template_field}")
                item.setData(0, Qt.ItemDataRole.UserRole, table.id)
                group.addChild(item)
                if table.id == keep:
                    self.tree.setCurrentItem(item)
                    found = True
            if not owned:
                empty = QTreeWidgetItem(["No global tables yet", ""])
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                group.addChild(empty)
            group.setExpanded(True)
        self.tree.blockSignals(False)
        self._pane_fitter.fit()
        return found

    def _tree_width_needed(self) -> int:
        header = self.tree.header()
        columns = sum(
            max(header.sectionSizeHint(column), self.tree.sizeHintForColumn(column)) for column in (0, 1)
        )
        return columns + view_chrome_width(self.tree)

    def _table_items(self) -> list[QTreeWidgetItem]:
        items = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            items += [group.child(row) for row in range(group.childCount())]
        return [item for item in items if isinstance(item.data(0, Qt.ItemDataRole.UserRole), int)]

    def select_table(self, table_id: int) -> bool:
        """Select ``table_id`` and show it (after the unsaved-changes question); False when it does not
        exist or the user keeps the table being edited."""
        item = self._item_for(table_id)
        if item is None or (table_id != self._current.id and not self.unsaved.confirm_discard()):
            return False
        self._highlight(table_id)
        self._show_table(table_id)
        return True

    def _item_for(self, table_id: int | None) -> QTreeWidgetItem | None:
        return next((i for i in self._table_items() if i.data(0, Qt.ItemDataRole.UserRole) == table_id), None)

    def _highlight(self, table_id: int | None) -> None:
        """Select the entry of ``table_id`` (none for a new table) without reacting to it."""
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(self._item_for(table_id))  # type: ignore[arg-type]
        self.tree.blockSignals(False)

    def _on_tree_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        table_id = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        if not isinstance(table_id, int) or table_id == self._current.id:
            return
        if not self.unsaved.confirm_discard():
            self._highlight(self._current.id)
            return
        self._show_table(table_id)

    # ----- one table ----------------------------------------------------------------------------
    def _show_table(self, table_id: int) -> None:
        try:
            table = self._lookups.get(table_id)
        except KeyError:  # deleted elsewhere since the tree was filled
            self.refresh()
            return
        self._load(table)

    def _load(self, table: LookupTable) -> None:
        """Show ``table`` as stored (a new table: empty); the form is clean until edited."""
        self._current = table
        with self.unsaved.loading():
            self.title.setText(table.name or "New Lookup Table")
            self.name_edit.setText(table.name)
            index = self.owner_box.findData(table.customer_id)
            self.owner_box.setCurrentIndex(max(index, 0))
            self.description_edit.setText(table.description)
            self.field_edit.setText(table.template_field)
            self.model.set_rows(table.rows)
        self.errors.clear()
        self.saved_note.clear()
        self.csv.show_table(table)
        self.delete_button.setEnabled(table.id is not None)
        self._on_field_changed(table.template_field)
        self._show_unsaved(self.unsaved.dirty)

    def _ask_unsaved(self, name: str) -> UnsavedChoice:
        """Save / Discard / Cancel through the page's prompter of the moment (tests and the app may
        replace ``prompter`` after the page is built)."""
        return self.prompter.unsaved_changes(name)

    def _unsaved_name(self) -> str:
        name = self._current.name or self.name_edit.text().strip()
        return f"lookup table '{name}'" if name else "the new lookup table"

    def rows(self) -> tuple[tuple[str, str], ...]:
        """The rows as edited (not yet saved)."""
        return self.model.rows()

    def current_table(self) -> LookupTable:
        """The table as the fields describe it now."""
        return dataclasses.replace(self._current, name=self.name_edit.text().strip(),
                                   customer_id=self.owner_box.currentData(),
                                   description=self.description_edit.text().strip(),
                                   template_field=self.field_edit.text().strip(), rows=self.rows())

    @Slot()
    def new_table(self) -> bool:
        """Start a new global table (after the unsaved-changes question); it exists once saved."""
        if not self.unsaved.confirm_discard():
            return False
        self._highlight(None)
        self._load(LookupTable("", ""))
        self.name_edit.setFocus()
        return True

    @Slot()
    def discard_changes(self) -> None:
        """Show the table as stored again, dropping every unsaved edit and imported row."""
        table = self._current
        if table.id is not None:
            try:
                table = self._lookups.get(table.id)
            except KeyError:  # deleted elsewhere meanwhile
                table = LookupTable("", "")
        self._load(table)

    @Slot()
    def add_row(self) -> None:
        """Append an empty row and start editing its key."""
        self.model.appendRow([QStandardItem(""), QStandardItem("")])
        index = self.model.index(self.model.rowCount() - 1, 0)
        self.rows_view.setCurrentIndex(index)
        self.rows_view.edit(index)

    def _on_remove_rows_clicked(self) -> None:
        rows = sorted({index.row() for index in self.rows_view.selectionModel().selectedIndexes()},
                      reverse=True)
        for row in rows:
            self.model.removeRow(row)

    @Slot()
    def save(self) -> LookupTable | None:
        """Validate and save; problems show under their fields (row problems under the rows)."""
        table = self.current_table()
        saved = validated_save(table, self._lookups.save, self.errors, self.saved_note)
        if saved is None:
            return None
        assert saved.id is not None
        self._current = saved
        self.refresh()
        self.saved_note.confirm(f"Saved lookup table '{saved.name}' ({len(saved.rows)} rows)")
        self.table_saved.emit(saved.id)
        return saved

    @Slot()
    def delete_current(self) -> bool:
        """Delete the shown table, naming the templates that would lose it."""
        table = self._current
        if table.id is None:
            return False
        users = templates_calling(table.template_field, self._templates.list())
        text = f"Delete lookup table '{table.name}' and its {len(table.rows)} rows?"
        if users:
            text += (f" {len(users)} template(s) call lookups() with '{table.template_field}': "
                     + ", ".join(f"'{t.name}'" for t in users) + ".")
        if not self.prompter.confirm("Delete Lookup Table", text):
            return False
        self._lookups.delete(table.id)
        self._load(LookupTable("", ""))  # what was on show is gone, edits and all
        self.refresh()
        self.table_deleted.emit(table.id)
        return True

    def _show_unsaved(self, dirty: bool) -> None:
        """Say what Save would change (rows added, changed, removed), or nothing when it is clean."""
        self.discard_button.setEnabled(dirty)
        if not dirty:
            self.unsaved_label.clear()
            return
        changes = row_changes(self._current.rows, self.rows())
        rows = f": {changes.describe()}" if changes.counts.changes else ""
        self.unsaved_label.setText(f"Unsaved changes{rows}")
        set_tone(self.unsaved_label, Tone.WARNING)

    # ----- live hints ---------------------------------------------------------------------------
    def _on_rows_changed(self, *_args: object) -> None:
        if self.unsaved.dirty:
            self._show_unsaved(True)
        warning = duplicate_warning(self.rows())
        self.rows_warning.setText(f"⚠ {warning}" if warning else "")
        set_tone(self.rows_warning, Tone.WARNING)
        self.rows_warning.setVisible(bool(warning))

    def _on_field_changed(self, text: str) -> None:
        field = text.strip() or "<template field>"
        self.call_hint.setText(f'In templates: {{{{ lookups({{"{field}": key}}, default="") }}}}')
        self.used_by.clear()
        if not text.strip():
            return
        for template in templates_calling(text.strip(), self._templates.list()):
            item = QListWidgetItem(f"{template.name} ({template.kind.value}, {template.format.value})")
            item.setData(Qt.ItemDataRole.UserRole, template.id)
            self.used_by.addItem(item)
        if not self.used_by.count():
            placeholder = QListWidgetItem(f"No template calls lookups() with '{text.strip()}' yet.")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.used_by.addItem(placeholder)

    def _on_used_by_activated(self, item: QListWidgetItem) -> None:
        template_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(template_id, int):
            self.template_requested.emit(template_id)
