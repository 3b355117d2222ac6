"""The grid of "Check against all samples": one row per sample, pass or fail, and the first problem.

Double-clicking a row (a failing one, usually) asks the page to open that sample in the preview.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.template_library import CheckOutcome
from postback_studio.ui.problems import where_text
from postback_studio.ui.tones import TONE_ROLE, Tone, ToneDelegate, emphasize, hint, set_tone


class CheckResultsDialog(QDialog):
    """The pass/fail grid of one check run.

    Signals:
        sample_activated(str): a row was double-clicked; carries the sample's name in the grid.
    """

    sample_activated = Signal(str)

    def __init__(self, name: str, outcome: CheckOutcome, parent: QWidget | None = None) -> None:
        """Show ``outcome``, the check of template ``name``."""
        super().__init__(parent)
        self.setWindowTitle(f"Check against all samples: {name}")
        self.resize(900, 420)
        failed = len(outcome.failed)
        total = len(outcome.rows)
        self.summary = QLabel(
            f"All {total} samples pass." if not failed else f"{failed} of {total} samples fail."
        )
        set_tone(emphasize(self.summary), Tone.ERROR if failed else Tone.OK)
        self.table = QTableWidget(total, 4)
        self.table.setHorizontalHeaderLabels(["Sample", "Result", "First problem", "Where"])
        self.table.setItemDelegate(ToneDelegate(self.table))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        for row, check in enumerate(outcome.rows):
            problem = check.first_problem
            cells = (
                check.sample,
                "pass" if check.passed else "FAIL",
                "" if problem is None else problem.message,
                "" if problem is None else where_text(problem.location),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, check.sample)
                if column == 1:
                    item.setData(TONE_ROLE, Tone.OK.value if check.passed else Tone.ERROR.value)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if column == 2:
                    item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        hint_label = hint("Double-click a row to open that sample in the preview.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint_label)
        layout.addWidget(buttons)

    def row_of(self, sample: str) -> int:
        """The table row of ``sample`` (-1 when it is not in the grid)."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() == sample:
                return row
        return -1

    def result_of(self, sample: str) -> str:
        """``pass`` or ``FAIL`` for ``sample``."""
        item = self.table.item(self.row_of(sample), 1)
        return "" if item is None else item.text()

    def _on_table_cell_double_clicked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.sample_activated.emit(item.text())
