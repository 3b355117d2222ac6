"""The Templates page's library: the filterable list of templates and the buttons that act on them.

The panel only shows and reports: the page decides what a choice or a button does (it may ask
about unsaved edits first, and then puts the panel's selection back with :meth:`select`).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.model import Template
from postback_studio.core.template_library import library_details, matches_filter
from postback_studio.ui.tones import heading

_ID = Qt.ItemDataRole.UserRole
#: Marks the template with unsaved edits, in the list and in the editor's title.
DIRTY_MARK = "• "


def tool_button(text: str, tip: str) -> QToolButton:
    """A small text button with a tooltip, as the page's bars use."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    # Never narrower than its text: a squeezed tool button elides it ("Im…t…") without a tooltip.
    button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    return button


class TemplateLibraryPanel(QWidget):
    """Templates by name with their kind, format, status and customer; filtered as the user types.

    Signals:
        template_chosen(int): the user picked a template in the list (its id).
    """

    template_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._listed: dict[int, tuple[Template, str]] = {}
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter templates (name, kind, format, status, customer)")
        self.filter_edit.setClearButtonEnabled(True)
        self.template_list = QTreeWidget()
        # One column of two-line entries (name; kind · format · status · customer) keeps every
        # detail readable in a narrow library; five columns would truncate the names.
        self.template_list.setHeaderLabels(["Name · kind · format · status · customer"])
        self.template_list.setRootIsDecorated(False)
        self.template_list.setAlternatingRowColors(True)
        self.template_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.new_button = tool_button("New", "A new template: JSON, XML or email")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_menu = QMenu(self.new_button)
        self.new_button.setMenu(self.new_menu)
        self.duplicate_button = tool_button("Duplicate", "A draft copy of the template as shown")
        self.rename_button = tool_button("Rename", "Rename the template (F2)")
        self.delete_button = tool_button("Delete", "Delete the template and its versions")
        self.import_button = tool_button("Import…", "Import a .j2 template file (Ctrl+O)")
        self.export_button = tool_button("Export…", "Export the template as a .j2 file (Ctrl+Shift+E)")
        first = QHBoxLayout()
        for button in (self.new_button, self.duplicate_button, self.rename_button):
            first.addWidget(button)
        first.addStretch(1)
        second = QHBoxLayout()
        for button in (self.delete_button, self.import_button, self.export_button):
            second.addWidget(button)
        second.addStretch(1)
        title = heading("Templates")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 3, 6)
        layout.addWidget(title)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.template_list, 1)
        layout.addLayout(first)
        layout.addLayout(second)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.template_list.currentItemChanged.connect(self._on_current_changed)

    def fill(self, templates: Iterable[Template], customers: dict[int, str], current: int | None) -> None:
        """Show ``templates`` (their customers named from ``customers``), ``current`` selected."""
        self.template_list.blockSignals(True)
        self.template_list.clear()
        self._listed = {}
        for template in templates:
            customer = customers.get(template.customer_id, "") if template.customer_id else "Shared"
            assert template.id is not None
            self._listed[template.id] = (template, customer)
            item = QTreeWidgetItem([f"{template.name}\n{library_details(template, customer)}"])
            item.setData(0, _ID, template.id)
            item.setToolTip(0, f"{template.name}: {library_details(template, customer)}")
            self.template_list.addTopLevelItem(item)
            if template.id == current:
                self.template_list.setCurrentItem(item)
        self.template_list.blockSignals(False)
        self._apply_filter(self.filter_edit.text())

    def mark(self, template: Template, dirty: bool) -> None:
        """Show whether ``template`` (shown in the editor) has unsaved edits."""
        item = self.item_for(template.id)
        listed = self._listed.get(template.id) if template.id is not None else None
        if item is not None and listed is not None:
            item.setText(0, f"{DIRTY_MARK if dirty else ''}{template.name}\n{library_details(*listed)}")

    def select(self, template_id: int | None) -> None:
        """Select ``template_id`` without announcing it (the page already shows it)."""
        item = self.item_for(template_id)
        self.template_list.blockSignals(True)
        self.template_list.setCurrentItem(item)
        self.template_list.blockSignals(False)

    def items(self) -> list[QTreeWidgetItem]:
        """Every entry, in list order."""
        return [self.template_list.topLevelItem(i) for i in range(self.template_list.topLevelItemCount())]

    def item_for(self, template_id: int | None) -> QTreeWidgetItem | None:
        """The entry of ``template_id``, or None."""
        return next((i for i in self.items() if i.data(0, _ID) == template_id), None)

    def first_id(self) -> int | None:
        """The id of the first template in the list (None when there is none)."""
        items = self.items()
        return int(items[0].data(0, _ID)) if items else None

    def _apply_filter(self, text: str) -> None:
        for item in self.items():
            listed = self._listed.get(int(item.data(0, _ID)))
            if listed is not None:
                item.setHidden(not matches_filter(*listed, text))

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.template_chosen.emit(int(current.data(0, _ID)))
