"""The trigger form's headers: name, value and a "secret" box per row, secret values masked."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QWidget,
)

from postback_studio.core.model import Header


class HeadersTable(QTableWidget):
    """Header name, value and a "secret" box per row; secret values are masked until revealed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Name", "Value", "Secret"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnWidth(0, 180)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setMinimumHeight(110)
        self.setMaximumHeight(170)
        self._revealed = False

    def add_header(self, header: Header | None = None) -> int:
        """Append a row (empty, or showing ``header``) and return its index."""
        row = self.rowCount()
        self.insertRow(row)
        name, value, secret = QLineEdit(), QLineEdit(), QCheckBox()
        name.setFrame(False)
        value.setFrame(False)
        name.setPlaceholderText("X-Api-Key")
        if header is not None:
            name.setText(header.name)
            value.setText(header.value)
            secret.setChecked(header.secret)
            if header.secret and not header.value:  # cleared, or never entered: a send would refuse
                value.setPlaceholderText("not set: enter the value")
        secret.setToolTip("Secret values are masked, kept out of exports and redacted in the log")
        secret.toggled.connect(lambda _=False: self._apply_masks())
        holder = QWidget()
        box = QHBoxLayout(holder)
        box.setContentsMargins(8, 0, 8, 0)
        box.addWidget(secret)
        self.setCellWidget(row, 0, name)
        self.setCellWidget(row, 1, value)
        self.setCellWidget(row, 2, holder)
        self._apply_masks()
        return row

    def remove_selected(self) -> None:
        """Remove the selected rows (or the last one when nothing is selected)."""
        rows = sorted({index.row() for index in self.selectedIndexes()}, reverse=True)
        for row in rows or ([self.rowCount() - 1] if self.rowCount() else []):
            self.removeRow(row)

    def set_revealed(self, revealed: bool) -> None:
        """Show or mask the values of secret rows."""
        self._revealed = revealed
        self._apply_masks()

    def set_headers(self, headers: Sequence[Header]) -> None:
        """Replace all rows."""
        self.setRowCount(0)
        for header in headers:
            self.add_header(header)

    def value_edit(self, row: int) -> QLineEdit:
        """The value editor of ``row``."""
        widget = self.cellWidget(row, 1)
        assert isinstance(widget, QLineEdit)
        return widget

    def secret_box(self, row: int) -> QCheckBox:
        """The "secret" checkbox of ``row``."""
        holder = self.cellWidget(row, 2)
        box = holder.findChild(QCheckBox)
        assert box is not None
        return box

    def headers(self) -> tuple[Header, ...]:
        """The rows as headers; rows with neither name nor value are ignored."""
        result = []
        for row in range(self.rowCount()):
            name = self.cellWidget(row, 0)
            assert isinstance(name, QLineEdit)
            value = self.value_edit(row).text()
            if name.text().strip() or value:
                result.append(Header(name.text().strip(), value, self.secret_box(row).isChecked()))
        return tuple(result)

    def _apply_masks(self) -> None:
        for row in range(self.rowCount()):
            masked = self.secret_box(row).isChecked() and not self._revealed
            self.value_edit(row).setEchoMode(QLineEdit.EchoMode.Password if masked
                                             else QLineEdit.EchoMode.Normal)
