"""The Lookups page: global and per-customer lookup tables, their rows, CSV import/export, "Used by".

A table is reached from templates only through its template field, so the page shows which templates
call ``lookups()`` with that field before the integrator renames or deletes it. CSV import goes
through the workspace, which refuses a file with bad rows as a whole and names their lines; the page
shows that message and leaves the table as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
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

from postback_studio.core.lookup_rows import duplicate_warning
from postback_studio.core.lookup_usage import templates_calling
from postback_studio.core.model import LookupTable
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.confirm import Confirm, ask
from postback_studio.ui.field_errors import (
    FieldErrors,
    error_label,
    validated_save,
    with_error,
)
from postback_studio.ui.ports import CustomerStore, LookupStore, TemplateStore
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.tones import Tone, emphasize, set_tone

#: Asks for a file to read; None when the user cancels.
OpenFile = Callable[[], str | None]
#: Asks where to write, given a suggested file name; None when the user cancels.
SaveFile = Callable[[str], str | None]



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
        confirm: Confirm | None = None,
        open_file: OpenFile | None = None,
        save_file: SaveFile | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._lookups = lookups
        self._customers = customers
        self._templates = templates
        self._confirm = confirm or ask(self)
        self._open_file = open_file or self._ask_open_file
        self._save_file = save_file or self._ask_save_file
        self._current = LookupTable("", "")
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Table", "Template field"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
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

        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Key", "Value"])
        self.rows_view = QTableView()
        self.rows_view.setModel(self.model)
        self.rows_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.rows_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows_view.verticalHeader().setDefaultSectionSize(24)
        self.add_row_button = QPushButton("Add Row")
        self.remove_rows_button = QPushButton("Remove Rows")
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV…")
        self.rows_warning = QLabel()
        self.rows_warning.setWordWrap(True)
        self.rows_warning.hide()
        self.rows_error = self.errors.register("rows", "Row")
        self.import_message = QLabel()
        self.import_message.setWordWrap(True)
        self.import_message.hide()
        rows_group = QGroupBox("Rows")
        rows_layout = QVBoxLayout(rows_group)
        rows_layout.addWidget(self.rows_view, 1)
        rows_layout.addWidget(self.rows_warning)
        rows_layout.addWidget(self.rows_error)
        rows_layout.addWidget(self.import_message)
        row_buttons = QHBoxLayout()
        for button in (self.add_row_button, self.remove_rows_button):
            row_buttons.addWidget(button)
        row_buttons.addStretch(1)
        for button in (self.import_button, self.export_button):
            row_buttons.addWidget(button)
        rows_layout.addLayout(row_buttons)

        self.used_by = QListWidget()
        self.used_by.setMaximumHeight(90)
        used_group = QGroupBox("Used by")
        used_layout = QVBoxLayout(used_group)
        used_layout.addWidget(self.used_by)

        self.save_button = QPushButton("Save")
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        save_row = QHBoxLayout()
        save_row.addWidget(self.general_error, 1)
        save_row.addStretch(0)
        save_row.addWidget(self.saved_note)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.tree.currentItemChanged.connect(self._on_tree_changed)
        self.new_button.clicked.connect(self.new_table)
        self.delete_button.clicked.connect(self.delete_current)
        self.save_button.clicked.connect(self.save)
        self.add_row_button.clicked.connect(self.add_row)
        self.remove_rows_button.clicked.connect(self._on_remove_rows_clicked)
        self.import_button.clicked.connect(self.import_csv)
        self.export_button.clicked.connect(self.export_csv)
        self.field_edit.textChanged.connect(self._on_field_changed)
        self.model.dataChanged.connect(self._on_rows_changed)
        self.model.rowsInserted.connect(self._on_rows_changed)
        self.model.rowsRemoved.connect(self._on_rows_changed)
        self.used_by.itemDoubleClicked.connect(self._on_used_by_activated)

    # ----- the tree -----------------------------------------------------------------------------
    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload what shows the changed kind of entity; the table being edited stays as typed."""
        if notice.concerns(Entity.CUSTOMER, Entity.LOOKUP_TABLE) and not self._fill():
            self.refresh()
            return
        if notice.concerns(Entity.TEMPLATE):
            self._on_field_changed(self.field_edit.text())

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
                # A narrow tree elides the names: the tooltip has them whole.
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
        return found

    def _table_items(self) -> list[QTreeWidgetItem]:
        items = []
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            items += [group.child(row) for row in range(group.childCount())]
        return [item for item in items if isinstance(item.data(0, Qt.ItemDataRole.UserRole), int)]

    def select_table(self, table_id: int) -> bool:
        """Select ``table_id`` and show it; False when it does not exist."""
        for item in self._table_items():
            if item.data(0, Qt.ItemDataRole.UserRole) == table_id:
                self.tree.setCurrentItem(item)
                self._show_table(table_id)
                return True
        return False

    def _on_tree_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        table_id = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        if isinstance(table_id, int):
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
        self._current = table
        self.title.setText(table.name or "New Lookup Table")
        self.name_edit.setText(table.name)
        index = self.owner_box.findData(table.customer_id)
        self.owner_box.setCurrentIndex(max(index, 0))
        self.description_edit.setText(table.description)
        self.field_edit.setText(table.template_field)
        self.model.removeRows(0, self.model.rowCount())
        for key, value in table.rows:
            self.model.appendRow([QStandardItem(key), QStandardItem(value)])
        self.errors.clear()
        self.saved_note.clear()
        self.import_message.hide()
        for widget in (self.import_button, self.export_button, self.delete_button):
            widget.setEnabled(table.id is not None)
        self._on_rows_changed()
        self._on_field_changed(table.template_field)

    def rows(self) -> tuple[tuple[str, str], ...]:
        """The rows as edited (not yet saved)."""
        result = []
        for row in range(self.model.rowCount()):
            key = self.model.item(row, 0)
            value = self.model.item(row, 1)
            result.append((key.text() if key else "", value.text() if value else ""))
        return tuple(result)

    def current_table(self) -> LookupTable:
        """The table as the fields describe it now."""
        return dataclasses.replace(self._current, name=self.name_edit.text().strip(),
                                   customer_id=self.owner_box.currentData(),
                                   description=self.description_edit.text().strip(),
                                   template_field=self.field_edit.text().strip(), rows=self.rows())

    @Slot()
    def new_table(self) -> None:
        """Start a new global table; it exists once saved."""
        self.tree.setCurrentItem(None)
        self._load(LookupTable("", ""))
        self.name_edit.setFocus()

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
        if not self._confirm("Delete Lookup Table", text):
            return False
        self._lookups.delete(table.id)
        self._current = LookupTable("", "")
        self.refresh()
        self.table_deleted.emit(table.id)
        return True

    # ----- CSV ----------------------------------------------------------------------------------
    @Slot()
    def import_csv(self) -> bool:
        """Replace the saved table's rows with a key,value CSV file; on any bad row nothing changes."""
        table = self._current
        if table.id is None:
            return False
        path = self._open_file()
        if not path:
            return False
        name = Path(path).name
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self._show_import_message(f"{name}: cannot be read ({exc.strerror or exc}). Nothing was changed.",
                                      ok=False)
            return False
        try:
            table = self._lookups.import_csv(data, name=table.name, template_field=table.template_field,
                                             customer_id=table.customer_id, description=table.description,
                                             source=name)
        except ValueError as exc:
            self._show_import_message(f"{exc}\nNothing was changed.", ok=False)
            return False
        self._load(table)
        self._show_import_message(f"Imported {len(table.rows)} rows from {Path(path).name}.", ok=True)
        assert table.id is not None
        self.table_saved.emit(table.id)
        return True

    @Slot()
    def export_csv(self) -> bool:
        """Write the saved rows as a key,value CSV file."""
        if self._current.id is None:
            return False
        path = self._save_file(f"{self._current.template_field or 'lookup'}.csv")
        if not path:
            return False
        try:
            Path(path).write_text(self._lookups.export_csv(self._current.id), encoding="utf-8")
        except OSError as exc:
            self._show_import_message(f"Could not write {path}: {exc}", ok=False)
            return False
        self._show_import_message(f"Exported {len(self._current.rows)} rows to {Path(path).name}.", ok=True)
        return True

    def _show_import_message(self, text: str, *, ok: bool) -> None:
        self.import_message.setText(text)
        set_tone(self.import_message, Tone.OK if ok else Tone.ERROR)
        self.import_message.show()
        if ok:
            self.status_message.emit(text)

    def _ask_open_file(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Import Lookup CSV", "",
                                              "CSV files (*.csv);;All files (*)")
        return path or None

    def _ask_save_file(self, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Lookup CSV", suggested, "CSV files (*.csv)")
        return path or None

    # ----- live hints ---------------------------------------------------------------------------
    def _on_rows_changed(self, *_args: object) -> None:
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
